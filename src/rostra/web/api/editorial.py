"""The staff API for editorial controls: per-article settings and editor's picks
(docs/editorial-controls.md)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from rostra.domain.rendering import render_markdown
from rostra.domain.threads import Thread
from rostra.services.editorial import EditorialService, ThreadChanges
from rostra.services.registry import Services
from rostra.web.api.comments import present
from rostra.web.api.staff_auth import STAFF_GUARDS, current_staff
from rostra.web.decoding import Body, decode
from rostra.web.errors import STAFF_ERROR_RESPONSES
from rostra.web.schemas import (
    AuthoredCommentOut,
    FeatureIn,
    ModerationNoteIn,
    StaffThreadOut,
    ThreadIn,
    ThreadSettingsIn,
)

OPTIONAL_BODY: Any = None


def editorial_service(services: Services) -> EditorialService:
    """The editorial service (always wired by ``bootstrap``)."""
    if services.editorial is None:  # pragma: no cover - a wiring bug
        raise RuntimeError("EditorialService is not wired")
    return services.editorial


def staff_thread_out(thread: Thread, editorial: EditorialService) -> StaffThreadOut:
    """A thread and its settings for staff."""
    settings = thread.settings
    until = thread.read_only_from()
    return StaffThreadOut(
        id=thread.id,
        site=thread.site,
        page=thread.page,
        title=thread.title,
        comment_count=thread.comment_count,
        closed=editorial.is_closed(thread),
        closed_by_staff=settings.closed,
        read_only_from=until.isoformat().replace("+00:00", "Z") if until else None,
        premoderated=settings.premoderated,
        images=settings.images,
        slow_mode_minutes=settings.slow_minutes,
        message=settings.message,
        message_html=render_markdown(settings.message) if settings.message else None,
        featured_count=thread.featured_count,
    )


def _authored(comment: Any) -> AuthoredCommentOut:
    out = present(comment)
    return AuthoredCommentOut(
        **{field: getattr(out, field) for field in out.__struct_fields__}, body=comment.body
    )


# GET /api/v1/moderation/threads
@get(
    "/api/v1/moderation/threads",
    guards=STAFF_GUARDS,
    summary="Find an article's thread",
    tags=["editorial"],
    responses=STAFF_ERROR_RESPONSES,
)
async def find_thread(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    site: Annotated[str, QueryParameter(description="the site's registered name")],
    page: Annotated[
        str, QueryParameter(description="the page's path, its address, or the thread's id")
    ],
) -> StaffThreadOut:
    """The thread of a page with its settings; ``404`` before the page's first comment (``POST``
    makes it)."""
    await current_staff(request, services)
    editorial = editorial_service(services)
    return staff_thread_out(await editorial.find_thread(site, page), editorial)


# POST /api/v1/moderation/threads
@post(
    "/api/v1/moderation/threads",
    guards=STAFF_GUARDS,
    status_code=200,
    summary="Find or make an article's thread",
    tags=["editorial"],
    responses=STAFF_ERROR_RESPONSES,
)
async def make_thread(
    request: Request[Any, Any, Any], data: Body[ThreadIn], services: NamedDependency[Services]
) -> StaffThreadOut:
    """The thread of a page, made when nobody commented on it yet, so that the article can be
    closed or pre-moderated before its first comment."""
    incoming = decode(data, ThreadIn)
    await current_staff(request, services)
    editorial = editorial_service(services)
    thread = await editorial.find_thread(incoming.site, incoming.page, create=True)
    return staff_thread_out(thread, editorial)


# GET /api/v1/moderation/threads/{thread_id}
@get(
    "/api/v1/moderation/threads/{thread_id:int}",
    guards=STAFF_GUARDS,
    summary="An article's settings",
    tags=["editorial"],
    responses=STAFF_ERROR_RESPONSES,
)
async def thread_settings(
    request: Request[Any, Any, Any], thread_id: FromPath[int], services: NamedDependency[Services]
) -> StaffThreadOut:
    """Closed or open (and when the site's read-only age closes it), pre-moderation, images,
    slow mode, the newsroom's message and how many comments are featured."""
    await current_staff(request, services)
    editorial = editorial_service(services)
    return staff_thread_out(await editorial.thread(thread_id), editorial)


# PATCH /api/v1/moderation/threads/{thread_id}
@patch(
    "/api/v1/moderation/threads/{thread_id:int}",
    guards=STAFF_GUARDS,
    summary="Change an article's settings",
    tags=["editorial"],
    responses=STAFF_ERROR_RESPONSES,
)
async def update_thread_settings(
    request: Request[Any, Any, Any],
    thread_id: FromPath[int],
    data: Body[ThreadSettingsIn],
    services: NamedDependency[Services],
) -> StaffThreadOut:
    """Close or reopen, pre-moderate, turn images off, set slow mode or the newsroom's
    message; fields left out stay as they are. Audited with ``reason``; readers see the change
    on their next read."""
    incoming = decode(data, ThreadSettingsIn)
    user, _ = await current_staff(request, services)
    editorial = editorial_service(services)
    thread = await editorial.update_thread(
        user.email,
        thread_id,
        ThreadChanges(
            closed=incoming.closed,
            premoderated=incoming.premoderated,
            images=incoming.images,
            slow_minutes=incoming.slow_mode_minutes,
            message=incoming.message,
        ),
        incoming.reason,
    )
    return staff_thread_out(thread, editorial)


# POST /api/v1/moderation/comments/{comment_id}/feature
@post(
    "/api/v1/moderation/comments/{comment_id:str}/feature",
    guards=STAFF_GUARDS,
    status_code=200,
    summary="Feature a comment",
    tags=["editorial"],
    responses=STAFF_ERROR_RESPONSES,
)
async def feature(
    request: Request[Any, Any, Any],
    comment_id: FromPath[str],
    services: NamedDependency[Services],
    data: Body[FeatureIn | None] = OPTIONAL_BODY,
) -> AuthoredCommentOut:
    """An editor's pick: shown in the thread's Featured tab with a badge and the optional
    note; its author is told by mail when they subscribed with an address. Featuring again
    changes the note."""
    note = decode(data, FeatureIn).note if data is not None else None
    user, _ = await current_staff(request, services)
    return _authored(await editorial_service(services).feature(user.email, comment_id, note))


# DELETE /api/v1/moderation/comments/{comment_id}/feature
@delete(
    "/api/v1/moderation/comments/{comment_id:str}/feature",
    guards=STAFF_GUARDS,
    status_code=204,
    summary="Unfeature a comment",
    tags=["editorial"],
    responses=STAFF_ERROR_RESPONSES,
)
async def unfeature(
    request: Request[Any, Any, Any],
    comment_id: FromPath[str],
    services: NamedDependency[Services],
    data: Body[ModerationNoteIn | None] = OPTIONAL_BODY,
) -> None:
    """Take a comment off the Featured tab (audited, with the optional reason)."""
    reason = decode(data, ModerationNoteIn).reason if data is not None else None
    user, _ = await current_staff(request, services)
    await editorial_service(services).unfeature(user.email, comment_id, reason)
