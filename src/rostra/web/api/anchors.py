"""Inline feedback: a thread's anchored passages with their counts, and where they are now."""

from __future__ import annotations

from typing import Annotated

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import HeaderParameter, QueryParameter

from rostra.domain.anchoring import Orphaned
from rostra.domain.anchors import Anchor
from rostra.services.anchors import Passage
from rostra.services.registry import Services
from rostra.web.decoding import Body, decode
from rostra.web.errors import ERROR_RESPONSES
from rostra.web.schemas import (
    AnchorOut,
    PassageOut,
    PassagesOut,
    PlacedPassageOut,
    PlacementsIn,
    PlacementsOut,
)


def _anchor(anchor: Anchor) -> AnchorOut:
    return AnchorOut(
        anchor.exact, anchor.prefix, anchor.suffix, anchor.start, anchor.end, anchor.passage
    )


def _passage(passage: Passage) -> PassageOut:
    return PassageOut(_anchor(passage.anchor), list(passage.comment_ids), passage.comment_count)


PLACEMENTS_MAX_BYTES = 1024 * 1024


# GET /api/v1/anchors
@get(
    "/api/v1/anchors",
    summary="The anchored passages of a thread, with comment counts",
    tags=["inline feedback"],
    responses=ERROR_RESPONSES,
)
async def list_passages(
    services: NamedDependency[Services],
    site: Annotated[str, QueryParameter(description="the site's registered name")],
    page: Annotated[str, QueryParameter(description="the page's path or identifier")],
    if_none_match: Annotated[
        str | None,
        HeaderParameter(
            name="If-None-Match", description="the ETag of a copy already held", required=False
        ),
    ] = None,
) -> Response[PassagesOut]:
    """Each distinct anchor of the thread's inline feedback, its top-level comment ids and the
    published comments (replies included) on it. The ETag is the thread's version: a cached copy
    is revalidated with ``If-None-Match`` and answered ``304`` while the thread is unchanged."""
    listed = await services.anchors.list_passages(site, page)
    etag = f'"{listed.version}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if if_none_match is not None and etag in (tag.strip() for tag in if_none_match.split(",")):
        return Response(None, status_code=304, headers=headers)  # type: ignore[arg-type]
    body = PassagesOut(
        listed.site, listed.page, listed.version, [_passage(p) for p in listed.passages]
    )
    return Response(body, headers=headers)


# POST /api/v1/anchors/placements
@post(
    "/api/v1/anchors/placements",
    status_code=200,
    summary="Re-anchor a thread's passages against the article's current text",
    tags=["inline feedback"],
    responses=ERROR_RESPONSES,
    # The article's text may be 60,000 characters of any script: up to 12 bytes each once
    # JSON-escaped, far past the app-wide 64 KiB (the fuzzing found the 413).
    request_max_body_size=PLACEMENTS_MAX_BYTES,
)
async def place_passages(
    data: Body[PlacementsIn], services: NamedDependency[Services]
) -> PlacementsOut:
    """For readers that cannot run the widget's own matcher (or to check it): each passage with
    ``start``/``end`` in ``text`` and the ``method`` that found it, or ``orphaned`` with why."""
    incoming = decode(data, PlacementsIn)
    placed = await services.anchors.place_passages(incoming.site, incoming.page, incoming.text)
    out: list[PlacedPassageOut] = []
    for item in placed:
        where = item.placement
        shown = _passage(item.passage)
        if isinstance(where, Orphaned):
            out.append(
                PlacedPassageOut(
                    shown.anchor,
                    shown.comment_ids,
                    shown.comment_count,
                    None,
                    None,
                    None,
                    where.reason,  # type: ignore[arg-type]
                )
            )
        else:
            out.append(
                PlacedPassageOut(
                    shown.anchor,
                    shown.comment_ids,
                    shown.comment_count,
                    where.start,
                    where.end,
                    where.method.value,
                    None,
                )
            )
    return PlacementsOut(out)
