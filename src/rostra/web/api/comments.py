"""Comments: post, read a thread, edit, delete, preview, count."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from rostra.domain.comments import Comment, CommentStatus
from rostra.domain.errors import ValidationError
from rostra.domain.images import ImageAttachment
from rostra.domain.paging import DEFAULT_PAGE_SIZE, Sort
from rostra.domain.rendering import render_markdown
from rostra.domain.threads import CommentNode
from rostra.services.comments import CommentDraft
from rostra.services.page_cache import PageCache
from rostra.services.registry import Services
from rostra.services.thread_reads import ThreadPage, ThreadQuery
from rostra.web.api.accounts import signed_in_reader
from rostra.web.api.images import image_out
from rostra.web.api.staff_auth import is_acting_staff, is_staff_request
from rostra.web.decoding import Body, decode
from rostra.web.errors import ERROR_RESPONSES
from rostra.web.identity import VoterCookies, caller_from
from rostra.web.middleware.settled import REVISION
from rostra.web.schemas import (
    AnchorOut,
    Author,
    AuthoredCommentOut,
    CommentEdit,
    CommentIn,
    CommentOut,
    CountsIn,
    CountsOut,
    MentionableOut,
    MentionablesOut,
    PostedCommentOut,
    PreviewIn,
    PreviewOut,
    ThreadOut,
    ThreadPageOut,
    ThreadSettingsOut,
)


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def present(
    comment: Comment,
    my_vote: int = 0,
    replies: list[CommentOut] | None = None,
    reply_count: int = 0,
    my_reaction: str | None = None,
) -> CommentOut:
    """A domain comment in the shape of the contract."""
    anchor = comment.anchor
    return CommentOut(
        id=comment.id,
        parent_id=comment.parent_id,
        author=Author(
            name=comment.author_name,
            avatar=comment.author_avatar,  # signed-in readers' pictures
            is_staff=comment.author_is_staff,
            url=comment.author_url,
        ),
        body_html=comment.body_html,
        created_at=_time(comment.created_at) or "",
        edited_at=_time(comment.edited_at),
        status=comment.status.value,
        score=comment.score,
        upvotes=comment.upvotes,
        downvotes=comment.downvotes,
        my_vote=my_vote,
        reply_count=reply_count,
        replies=replies or [],
        anchor=AnchorOut(
            anchor.exact, anchor.prefix, anchor.suffix, anchor.start, anchor.end, anchor.passage
        )
        if anchor
        else None,
        images=[image_out(ref) for ref in comment.images],
        pinned=comment.pinned,
        reactions=dict(comment.reactions),
        my_reaction=my_reaction,
        featured=comment.featured_at is not None,
        featured_note=comment.featured_note if comment.featured_at is not None else None,
    )


def page_out(result: ThreadPage) -> ThreadPageOut:
    """A page of a thread in the shape of the contract."""
    return ThreadPageOut(
        thread=ThreadOut(
            result.site,
            result.page,
            result.title,
            result.comment_count,
            list(result.reactions),
            settings=thread_settings_out(result),
        ),
        comments=[
            present_node(node, result.my_votes, result.my_reactions) for node in result.comments
        ],
        next_cursor=result.next_cursor,
    )


def present_node(
    node: CommentNode, my_votes: dict[str, int], my_reactions: dict[str, str]
) -> CommentOut:
    """A comment with its arranged replies."""
    return present(
        node.comment,
        my_votes.get(node.comment.id, 0),
        [present_node(child, my_votes, my_reactions) for child in node.replies],
        node.reply_count,
        my_reactions.get(node.comment.id),
    )


def thread_settings_out(result: ThreadPage) -> ThreadSettingsOut | None:
    """The article's settings for readers; None for an article like any other."""
    settings = result.settings
    if not result.closed and settings.is_default and not result.featured_count:
        return None
    return ThreadSettingsOut(
        closed=result.closed,
        premoderated=settings.premoderated,
        images=settings.images,
        slow_mode_minutes=settings.slow_minutes,
        message_html=render_markdown(settings.message) if settings.message else None,
        featured_count=result.featured_count,
    )


# POST /api/v1/comments
@post(
    "/api/v1/comments",
    status_code=HTTP_201_CREATED,
    summary="Post a comment or a reply",
    tags=["comments"],
    responses=ERROR_RESPONSES,
)
async def post_comment(
    request: Request[Any, Any, Any], data: Body[CommentIn], services: NamedDependency[Services]
) -> Response[PostedCommentOut]:
    """Answers 201 with the published comment, or 202 when it waits for moderation.
    Both carry ``edit_token``, the secret that lets its author edit or delete it in the window."""
    incoming = decode(data, CommentIn)
    voter = VoterCookies(services.keyring).read(request)
    posted = await services.comments.post_comment(
        CommentDraft(
            site=incoming.site,
            page=incoming.page,
            body=incoming.body,
            author_name=incoming.author_name,
            page_title=incoming.page_title,
            parent_id=incoming.parent_id,
            author_email=incoming.author_email,
            author_url=incoming.author_url,
            anchor=_anchor_dict(incoming),
            honeypot=incoming.website2,
            images=tuple(
                ImageAttachment(item, None)
                if isinstance(item, str)
                else ImageAttachment(item.id, item.upload_token, item.alt)
                for item in incoming.images
            ),
            elapsed_ms=incoming.elapsed_ms,
            notify=incoming.notify,  # the author's subscription, pending confirmation
            lang=incoming.lang,
        ),
        caller_from(
            request,
            voter,
            staff=await is_staff_request(request, services),
            reader=await signed_in_reader(request, services),
        ),
    )
    out = present(posted.comment)
    body = PostedCommentOut(
        **{field: getattr(out, field) for field in out.__struct_fields__},
        body=posted.comment.body,
        edit_token=posted.edit_token,
        editable_until=_time(posted.editable_until) or "",
    )
    status = HTTP_202_ACCEPTED if posted.comment.status is CommentStatus.PENDING else 201
    return Response(body, status_code=status)


def _anchor_dict(incoming: CommentIn) -> dict[str, Any] | None:
    if incoming.anchor is None:
        return None
    a = incoming.anchor
    return {
        "exact": a.exact,
        "prefix": a.prefix,
        "suffix": a.suffix,
        "start": a.start,
        "end": a.end,
        "passage": a.passage,
    }


# GET /api/v1/comments
@get(
    "/api/v1/comments",
    summary="Read a page of a thread",
    tags=["comments"],
    responses=ERROR_RESPONSES,
)
async def list_comments(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    encoded_pages: NamedDependency[PageCache[str, bytes]],
    site: Annotated[str, QueryParameter(description="the site's registered name")],
    page: Annotated[str, QueryParameter(description="the page's path or identifier")],
    sort: Annotated[
        str,
        QueryParameter(description="newest, oldest, votes, reactions (most reacted), featured"),
    ] = "newest",
    limit: Annotated[int, QueryParameter(description="top-level comments, 1-100")] = (
        DEFAULT_PAGE_SIZE
    ),
    cursor: Annotated[
        str | None, QueryParameter(description="next_cursor of the previous page")
    ] = None,
    anchored: Annotated[
        bool | None,
        QueryParameter(description="true: inline feedback only; false: whole-article comments"),
    ] = None,
) -> Response[ThreadPageOut]:
    """Top-level comments with their replies nested; ``next_cursor`` continues the list."""
    try:
        order = Sort(sort)
    except ValueError:
        raise ValidationError(
            "'sort' is newest, oldest, votes, reactions or featured.", field="sort"
        ) from None
    voter = VoterCookies(services.keyring).read(request)
    result = await services.comments.read_thread(
        ThreadQuery(site, page, order, limit, cursor, anchored),
        caller_from(request, voter, reader=await signed_in_reader(request, services)),
    )
    # Readers without votes or reactions on the page all get the same bytes for the same
    # thread version.
    shared = result.cache_key is not None and not result.my_votes and not result.my_reactions
    body = encoded_pages.get(result.cache_key) if shared and result.cache_key else None
    if body is None:
        body = msgspec.json.encode(page_out(result))
        if shared and result.cache_key:
            encoded_pages.put(result.cache_key, body)
    if shared and result.revision is not None:
        # A kept answer for readers without cookies then outlives commits to other threads.
        request.scope[REVISION] = result.revision
    return Response(body, media_type="application/json")  # type: ignore[arg-type]


# PATCH /api/v1/comments/{comment_id}
@patch(
    "/api/v1/comments/{comment_id:str}",
    summary="Edit a comment",
    tags=["comments"],
    responses=ERROR_RESPONSES,
)
async def edit_comment(
    request: Request[Any, Any, Any],
    comment_id: FromPath[str],
    data: Body[CommentEdit],
    services: NamedDependency[Services],
) -> AuthoredCommentOut:
    """The author (``X-Edit-Token``, within the edit window) replaces the text; staff (session
    and ``X-CSRF-Token``) may at any time."""
    incoming = decode(data, CommentEdit)
    reader = await signed_in_reader(request, services)  # the signed-in author
    staff = await is_acting_staff(request, services)  # the contract allows staff
    comment = await services.comments.edit_comment(
        comment_id, incoming.body, caller_from(request, reader=reader, staff=staff)
    )
    out = present(comment)
    return AuthoredCommentOut(
        **{field: getattr(out, field) for field in out.__struct_fields__}, body=comment.body
    )


# DELETE /api/v1/comments/{comment_id}
@delete(
    "/api/v1/comments/{comment_id:str}",
    status_code=HTTP_204_NO_CONTENT,
    summary="Delete a comment",
    tags=["comments"],
    responses=ERROR_RESPONSES,
)
async def delete_comment(
    request: Request[Any, Any, Any], comment_id: FromPath[str], services: NamedDependency[Services]
) -> None:
    """The author (``X-Edit-Token``, within the edit window) deletes, as may staff (session and
    ``X-CSRF-Token``) at any time; replies stay."""
    reader = await signed_in_reader(request, services)  # the signed-in author
    staff = await is_acting_staff(request, services)  # the contract allows staff
    await services.comments.delete_comment(
        comment_id, caller_from(request, reader=reader, staff=staff)
    )


# POST /api/v1/counts
@post(
    "/api/v1/counts",
    status_code=200,
    summary="Comment counts for many pages",
    tags=["comments"],
    responses=ERROR_RESPONSES,
)
async def count_comments(data: Body[CountsIn], services: NamedDependency[Services]) -> CountsOut:
    """Published comments (every depth) for up to 100 pages of one site."""
    incoming = decode(data, CountsIn)
    return CountsOut(await services.comments.count_comments(incoming.site, incoming.pages))


# POST /api/v1/preview
@post(
    "/api/v1/preview",
    status_code=200,
    summary="Render Markdown as a comment would show",
    tags=["comments"],
    responses=ERROR_RESPONSES,
)
async def preview(data: Body[PreviewIn]) -> PreviewOut:
    """The sanitized HTML for a body, without storing anything."""
    incoming = decode(data, PreviewIn)
    return PreviewOut(render_markdown(incoming.body))


# GET /api/v1/mentions
@get(
    "/api/v1/mentions",
    summary="Names to mention in a thread",
    tags=["comments"],
    responses=ERROR_RESPONSES,
)
async def mentionable(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    site: Annotated[str, QueryParameter(description="the site's registered name")],
    page: Annotated[str, QueryParameter(description="the page's path or identifier")],
    q: Annotated[
        str, QueryParameter(description="the start of a name or of a word of it; empty: all")
    ] = "",
) -> MentionablesOut:
    """The names of the people who wrote the thread's recent comments (up to 50, most recent
    first), each with their latest comment: what ``@Name`` in a comment links to. No one else,
    and no addresses; rate-limited per client address."""
    authors = await services.mentions.suggest(site, page, q, caller_from(request))
    return MentionablesOut([MentionableOut(a.name, a.comment_id) for a in authors])
