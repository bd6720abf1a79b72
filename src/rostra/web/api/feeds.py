"""``GET /api/v1/feeds/{site}``: RSS or Atom of the latest published comments of a site or of
one of its pages, cached under the feed's version like thread pages are."""

from __future__ import annotations

from typing import Annotated, Literal

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


# GET /api/v1/feeds/{site}
@get(
    "/api/v1/feeds/{site:str}",
    summary="RSS or Atom feed of the latest comments",
    tags=["feeds"],
    responses=ERROR_RESPONSES,
    media_type="application/atom+xml",
)
async def comment_feed(
    request: Request,  # type: ignore[type-arg]
    site: FromPath[str],
    services: NamedDependency[Services],
    page: Annotated[
        str | None, QueryParameter(description="a page's path or identifier; absent: the site")
    ] = None,
    format: Annotated[
        Literal["atom", "rss"], QueryParameter(description="atom (default) or rss")
    ] = "atom",
    if_none_match: Annotated[
        str | None,
        HeaderParameter(
            name="If-None-Match", description="the ETag of a copy already held", required=False
        ),
    ] = None,
) -> Response[bytes]:
    """The newest published comments (at most 30), newest first, with their sanitized HTML.
    The ETag is the feed's version: ``304`` while nothing new was published."""
    feeds = feed_service(services)
    version = await feeds.version(site, page)
    etag = f'"{format}-{version}"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if if_none_match is not None and etag in (tag.strip() for tag in if_none_match.split(",")):
        return Response(b"", status_code=304, headers=headers)
    key = (site, page, format, version)
    body = _RENDERED.get(key)
    if body is None:
        feed = await feeds.feed(site, page)
        body = render_feed(feed, format, str(request.url))
        if feed.version == version:  # a comment that landed in between is in the next one
            _RENDERED.put(key, body)
    return Response(body, headers=headers, media_type=f"{FORMATS[format]}; charset=utf-8")


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
