"""``GET /api/v1/feeds/{site}``: RSS or Atom of the latest published comments of a site or of
one of its pages, cached under the feed's version like thread pages are."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, QueryParameter

from rostra.domain.subscriptions import article_url, excerpt
from rostra.services.feeds import MAX_LATEST, FeedService
from rostra.services.page_cache import PageCache
from rostra.services.registry import Services
from rostra.web.errors import ERROR_RESPONSES
from rostra.web.feeds import FORMATS, render_feed
from rostra.web.identity import caller_from
from rostra.web.schemas import LatestCommentOut, LatestOut

# Rendered feeds by (site, page, format, version): a new comment changes the version, so an
# entry is never stale, only unused.
_RENDERED: PageCache[tuple[str, str | None, str, int], bytes] = PageCache(256)
# Feed readers poll; a minute of reuse by proxies, then revalidation with the ETag.
CACHE_CONTROL = "public, max-age=60"


def feed_service(services: Services) -> FeedService:
    if services.feeds is None:  # pragma: no cover - a wiring bug
        raise RuntimeError("FeedService is not wired")
    return services.feeds


async def _feed(
    request: Request,  # type: ignore[type-arg]
    services: Services,
    site: str,
    page: str | None,
    kind: str,
    if_none_match: str | None,
) -> Response[bytes]:
    feeds = feed_service(services)
    version = await feeds.version(site, page)
    etag = f'"{kind}-{version}"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if if_none_match is not None and etag in (tag.strip() for tag in if_none_match.split(",")):
        return Response(b"", status_code=304, headers=headers, media_type=FORMATS[kind])
    key = (site, page, kind, version)
    body = _RENDERED.get(key)
    if body is None:
        feed = await feeds.feed(site, page)
        body = render_feed(feed, kind, str(request.url))
        if feed.version == version:  # a comment that landed in between is in the next one
            _RENDERED.put(key, body)
    return Response(body, headers=headers, media_type=f"{FORMATS[kind]}; charset=utf-8")


PAGE_PARAMETER = QueryParameter(description="a page's path or identifier; absent: the site")
IF_NONE_MATCH = HeaderParameter(
    name="If-None-Match", description="the ETag of a copy already held", required=False
)


# GET /api/v1/feeds/{site}
@get(
    "/api/v1/feeds/{site:str}",
    summary="Atom feed of the latest comments",
    tags=["feeds"],
    responses=ERROR_RESPONSES,
    media_type=FORMATS["atom"],
)
async def atom_feed(
    request: Request,  # type: ignore[type-arg]
    site: FromPath[str],
    services: NamedDependency[Services],
    page: Annotated[str | None, PAGE_PARAMETER] = None,
    if_none_match: Annotated[str | None, IF_NONE_MATCH] = None,
) -> Response[bytes]:
    """The newest published comments (at most 30) of the site or of one page, newest first,
    with their sanitized HTML. The ETag is the feed's version: ``304`` while nothing new was
    published."""
    return await _feed(request, services, site, page, "atom", if_none_match)


# GET /api/v1/feeds/{site}/rss
@get(
    "/api/v1/feeds/{site:str}/rss",
    summary="RSS feed of the latest comments",
    tags=["feeds"],
    responses=ERROR_RESPONSES,
    media_type=FORMATS["rss"],
)
async def rss_feed(
    request: Request,  # type: ignore[type-arg]
    site: FromPath[str],
    services: NamedDependency[Services],
    page: Annotated[str | None, PAGE_PARAMETER] = None,
    if_none_match: Annotated[str | None, IF_NONE_MATCH] = None,
) -> Response[bytes]:
    """The same as the Atom feed, as RSS 2.0."""
    return await _feed(request, services, site, page, "rss", if_none_match)


# GET /api/v1/latest
@get(
    "/api/v1/latest",
    summary="The latest comments of a site, for its home page",
    tags=["feeds"],
    responses=ERROR_RESPONSES,
)
async def latest_comments(
    request: Request,  # type: ignore[type-arg]
    services: NamedDependency[Services],
    site: Annotated[str, QueryParameter(description="the site's registered name")],
    limit: Annotated[int, QueryParameter(description=f"1-{MAX_LATEST}")] = 5,
    if_none_match: Annotated[
        str | None,
        HeaderParameter(
            name="If-None-Match", description="the ETag of a copy already held", required=False
        ),
    ] = None,
) -> Response[LatestOut]:
    """The newest published comments as plain-text excerpts with their links (the widget's
    ``data-rostra-latest`` element). Browsers may call it from the site's own pages only. The
    ETag is the site's version: ``304`` while nothing new was published."""
    feed = await feed_service(services).latest(site, limit, caller_from(request))
    etag = f'"latest-{limit}-{feed.version}"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Origin"}
    if if_none_match is not None and etag in (tag.strip() for tag in if_none_match.split(",")):
        return Response(None, status_code=304, headers=headers)  # type: ignore[arg-type]
    comments = [
        LatestCommentOut(
            id=item.comment.id,
            author=item.comment.author_name,
            excerpt=excerpt(item.comment.body, 200),
            url=article_url(feed.site.origins, item.page, item.comment.id),
            page=item.page,
            page_title=item.page_title,
            created_at=item.comment.created_at.isoformat().replace("+00:00", "Z"),
        )
        for item in feed.items
    ]
    return Response(LatestOut(comments), headers=headers)
