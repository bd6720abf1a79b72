"""The staff API under ``/api/v1/moderation/…`` and readers' reports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from rostra.domain.moderation import ModerationMode, ModerationSettings
from rostra.domain.staff import AuditEntry, Ban, BanKind
from rostra.services.moderation import MAX_OFFSET, Decision
from rostra.services.registry import Services
from rostra.services.staff_ports import QueueItem
from rostra.web.api.comments import present
from rostra.web.api.staff_auth import STAFF_GUARDS, current_staff, moderation_service
from rostra.web.decoding import Body, decode
from rostra.web.errors import ERROR_RESPONSES, STAFF_ERROR_RESPONSES
from rostra.web.identity import VoterCookies, caller_from
from rostra.web.schemas import (
    AuditEntryOut,
    AuditOut,
    AuthoredCommentOut,
    BanIn,
    BanOut,
    BansOut,
    BulkIn,
    BulkOut,
    LearnIn,
    LearnOut,
    ModerationNoteIn,
    ModerationSettingsIO,
    QueueItemOut,
    QueueOut,
    ReportIn,
    ReportOut,
)

OPTIONAL_BODY: Any = None


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def queue_item_out(item: QueueItem) -> QueueItemOut:
    """A queue entry for the API."""
    return QueueItemOut(
        comment=present(item.comment),
        site=item.site,
        page=item.page,
        report_count=item.report_count,
        report_reasons=list(item.report_reasons),
        report_categories=dict(item.report_categories),
    )


def ban_out(ban: Ban) -> BanOut:
    """A ban for the API (its digest is never shown)."""
    return BanOut(
        id=ban.id,
        kind=ban.kind.value,
        reason=ban.reason,
        created_at=_time(ban.created_at) or "",
        expires_at=_time(ban.expires_at),
        created_by=ban.created_by,
    )


def audit_out(entry: AuditEntry) -> AuditEntryOut:
    """An audit entry for the API."""
    return AuditEntryOut(
        id=entry.id,
        actor=entry.actor,
        action=entry.action.value,
        target=entry.target,
        reason=entry.reason,
        created_at=_time(entry.created_at) or "",
    )


def settings_out(settings: ModerationSettings) -> ModerationSettingsIO:
    """Moderation settings for the API."""
    return ModerationSettingsIO(
        mode=settings.mode.value,  # type: ignore[arg-type]
        hold_threshold=settings.hold_threshold,
        reject_threshold=settings.reject_threshold,
        banned_words=list(settings.banned_words),
        watched_words=list(settings.watched_words),
        max_links=settings.max_links,
        min_seconds_to_submit=settings.min_seconds_to_submit,
        report_threshold=settings.report_threshold,
        category_holds=dict(settings.category_holds),
        read_only_after_days=settings.read_only_after_days,
        trust_approved=settings.trust_approved,
        trust_clean_days=settings.trust_clean_days,
    )


def settings_in(incoming: ModerationSettingsIO) -> ModerationSettings:
    """Moderation settings from the API."""
    return ModerationSettings(
        mode=ModerationMode(incoming.mode),
        hold_threshold=incoming.hold_threshold,
        reject_threshold=incoming.reject_threshold,
        banned_words=tuple(w.strip() for w in incoming.banned_words if w.strip()),
        watched_words=tuple(w.strip() for w in incoming.watched_words if w.strip()),
        max_links=incoming.max_links,
        min_seconds_to_submit=incoming.min_seconds_to_submit,
        report_threshold=incoming.report_threshold,
        category_holds=dict(incoming.category_holds),
        read_only_after_days=incoming.read_only_after_days,
        trust_approved=incoming.trust_approved,
        trust_clean_days=incoming.trust_clean_days,
    )


def _note(data: Any) -> str | None:
    return decode(data, ModerationNoteIn).reason if data is not None else None


# GET /api/v1/moderation/queue
@get(
    "/api/v1/moderation/queue",
    guards=STAFF_GUARDS,
    summary="The moderation queue",
    tags=["moderation"],
    responses=STAFF_ERROR_RESPONSES,
)
async def queue(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    site: Annotated[str | None, QueryParameter(description="only this site")] = None,
    search: Annotated[str | None, QueryParameter(description="author name or text")] = None,
    limit: Annotated[int, QueryParameter(description="1-100")] = 50,
    offset: Annotated[int, QueryParameter(description="entries to skip", le=MAX_OFFSET)] = 0,
) -> QueueOut:
    """Held comments and comments readers reported, oldest first, for any staff member."""
    user, _ = await current_staff(request, services)
    page = await moderation_service(services).queue(
        user, site=site, search=search, limit=limit, offset=offset
    )
    return QueueOut(
        items=[queue_item_out(item) for item in page.items], next_offset=page.next_offset
    )


async def _decide(
    request: Request[Any, Any, Any],
    services: Services,
    comment_id: str,
    decision: Decision,
    data: Any,
) -> AuthoredCommentOut:
    user, _ = await current_staff(request, services)
    comment = await moderation_service(services).decide(user, comment_id, decision, _note(data))
    out = present(comment)
    return AuthoredCommentOut(
        **{field: getattr(out, field) for field in out.__struct_fields__}, body=comment.body
    )


# POST /api/v1/moderation/comments/{comment_id}/approve
@post(
    "/api/v1/moderation/comments/{comment_id:str}/approve",
    guards=STAFF_GUARDS,
    status_code=200,
    summary="Approve a comment",
    tags=["moderation"],
    responses=STAFF_ERROR_RESPONSES,
)
async def approve(
    request: Request[Any, Any, Any],
    comment_id: FromPath[str],
    services: NamedDependency[Services],
    data: Body[ModerationNoteIn | None] = OPTIONAL_BODY,
) -> AuthoredCommentOut:
    """Publish a held comment (readers see it live), or keep a reported one and clear its
    reports."""
    return await _decide(request, services, comment_id, Decision.APPROVE, data)


# POST /api/v1/moderation/comments/{comment_id}/reject
@post(
    "/api/v1/moderation/comments/{comment_id:str}/reject",
    guards=STAFF_GUARDS,
    status_code=200,
    summary="Reject a comment",
    tags=["moderation"],
    responses=STAFF_ERROR_RESPONSES,
)
async def reject(
    request: Request[Any, Any, Any],
    comment_id: FromPath[str],
    services: NamedDependency[Services],
    data: Body[ModerationNoteIn | None] = OPTIONAL_BODY,
) -> AuthoredCommentOut:
    """Reject a held or published comment; a published one disappears for readers."""
    return await _decide(request, services, comment_id, Decision.REJECT, data)


# POST /api/v1/moderation/comments/{comment_id}/spam
@post(
    "/api/v1/moderation/comments/{comment_id:str}/spam",
    guards=STAFF_GUARDS,
    status_code=200,
    summary="Mark a comment as spam",
    tags=["moderation"],
    responses=STAFF_ERROR_RESPONSES,
)
async def spam(
    request: Request[Any, Any, Any],
    comment_id: FromPath[str],
    services: NamedDependency[Services],
    data: Body[ModerationNoteIn | None] = OPTIONAL_BODY,
) -> AuthoredCommentOut:
    """Reject, and ban the author's email and address digests for 7 days."""
    return await _decide(request, services, comment_id, Decision.SPAM, data)


# POST /api/v1/moderation/comments/{comment_id}/learn
@post(
    "/api/v1/moderation/comments/{comment_id:str}/learn",
    guards=STAFF_GUARDS,
    status_code=200,
    summary="Teach the semantic screen from a comment",
    tags=["moderation"],
    responses=STAFF_ERROR_RESPONSES,
)
async def learn(
    request: Request[Any, Any, Any],
    comment_id: FromPath[str],
    data: Body[LearnIn],
    services: NamedDependency[Services],
) -> LearnOut:
    """Store the comment's text as an example of a category (threat, call_to_violence,
    dehumanization, harassment, spam) for the semantic screen."""
    incoming = decode(data, LearnIn)
    user, _ = await current_staff(request, services)
    learned = await moderation_service(services).learn(user, comment_id, incoming.category)
    return LearnOut(category=incoming.category, screen_learned=learned)


# POST /api/v1/moderation/bulk
@post(
    "/api/v1/moderation/bulk",
    guards=STAFF_GUARDS,
    status_code=200,
    summary="One decision for many comments",
    tags=["moderation"],
    responses=STAFF_ERROR_RESPONSES,
)
async def bulk(
    request: Request[Any, Any, Any], data: Body[BulkIn], services: NamedDependency[Services]
) -> BulkOut:
    """Approve, reject or mark as spam up to 100 comments; each succeeds or fails alone."""
    incoming = decode(data, BulkIn)
    user, _ = await current_staff(request, services)
    result = await moderation_service(services).decide_many(
        user, incoming.ids, Decision(incoming.action), incoming.reason
    )
    return BulkOut(done=result.done, failed=result.failed)


# POST /api/v1/moderation/comments/{comment_id}/ban
@post(
    "/api/v1/moderation/comments/{comment_id:str}/ban",
    guards=STAFF_GUARDS,
    status_code=201,
    summary="Ban a comment's author",
    tags=["moderation"],
    responses=STAFF_ERROR_RESPONSES,
)
async def ban(
    request: Request[Any, Any, Any],
    comment_id: FromPath[str],
    data: Body[BanIn],
    services: NamedDependency[Services],
) -> BansOut:
    """By email digest and/or IP digest, for ``days`` or for good; the author's next comment
    gets ``403 author_banned``."""
    incoming = decode(data, BanIn)
    user, _ = await current_staff(request, services)
    bans = await moderation_service(services).ban(
        user,
        comment_id,
        [BanKind(kind) for kind in incoming.by],
        days=incoming.days,
        reason=incoming.reason,
    )
    return BansOut([ban_out(item) for item in bans])


# GET /api/v1/moderation/bans
@get(
    "/api/v1/moderation/bans",
    guards=STAFF_GUARDS,
    summary="Bans in force",
    tags=["moderation"],
    responses=STAFF_ERROR_RESPONSES,
)
async def list_bans(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> BansOut:
    """Every ban in force, newest first."""
    user, _ = await current_staff(request, services)
    return BansOut([ban_out(item) for item in await moderation_service(services).list_bans(user)])


# DELETE /api/v1/moderation/bans/{ban_id}
@delete(
    "/api/v1/moderation/bans/{ban_id:int}",
    guards=STAFF_GUARDS,
    status_code=204,
    summary="Lift a ban",
    tags=["moderation"],
    responses=STAFF_ERROR_RESPONSES,
)
async def lift_ban(
    request: Request[Any, Any, Any], ban_id: FromPath[int], services: NamedDependency[Services]
) -> None:
    """Lift a ban (audited)."""
    user, _ = await current_staff(request, services)
    await moderation_service(services).unban(user, ban_id)


# POST /api/v1/moderation/comments/{comment_id}/pin
@post(
    "/api/v1/moderation/comments/{comment_id:str}/pin",
    guards=STAFF_GUARDS,
    status_code=200,
    summary="Pin a comment",
    tags=["moderation"],
    responses=STAFF_ERROR_RESPONSES,
)
async def pin(
    request: Request[Any, Any, Any], comment_id: FromPath[str], services: NamedDependency[Services]
) -> AuthoredCommentOut:
    """Show a published top-level comment first on its thread's first page (at most 3)."""
    user, _ = await current_staff(request, services)
    comment = await moderation_service(services).pin(user, comment_id, True)
    out = present(comment)
    return AuthoredCommentOut(
        **{field: getattr(out, field) for field in out.__struct_fields__}, body=comment.body
    )


# DELETE /api/v1/moderation/comments/{comment_id}/pin
@delete(
    "/api/v1/moderation/comments/{comment_id:str}/pin",
    guards=STAFF_GUARDS,
    status_code=204,
    summary="Unpin a comment",
    tags=["moderation"],
    responses=STAFF_ERROR_RESPONSES,
)
async def unpin(
    request: Request[Any, Any, Any], comment_id: FromPath[str], services: NamedDependency[Services]
) -> None:
    """Return a pinned comment to its place in the sort order."""
    user, _ = await current_staff(request, services)
    await moderation_service(services).pin(user, comment_id, False)


# GET /api/v1/moderation/audit
@get(
    "/api/v1/moderation/audit",
    guards=STAFF_GUARDS,
    summary="The audit log",
    tags=["moderation"],
    responses=STAFF_ERROR_RESPONSES,
)
async def audit(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    limit: Annotated[int, QueryParameter(description="1-100")] = 50,
    offset: Annotated[int, QueryParameter(description="entries to skip", le=MAX_OFFSET)] = 0,
) -> AuditOut:
    """Every staff action (who, what, when, why), newest first."""
    user, _ = await current_staff(request, services)
    entries = await moderation_service(services).audit_log(user, limit, offset)
    return AuditOut(
        entries=[audit_out(entry) for entry in entries],
        next_offset=offset + limit if len(entries) == limit else None,
    )


# GET /api/v1/moderation/sites/{site}/settings
@get(
    "/api/v1/moderation/sites/{site:str}/settings",
    guards=STAFF_GUARDS,
    summary="A site's moderation settings",
    tags=["moderation"],
    responses=STAFF_ERROR_RESPONSES,
)
async def site_settings(
    request: Request[Any, Any, Any], site: FromPath[str], services: NamedDependency[Services]
) -> ModerationSettingsIO:
    """Mode, thresholds and word lists (admins only)."""
    user, _ = await current_staff(request, services)
    return settings_out(await moderation_service(services).site_settings(user, site))


# PUT /api/v1/moderation/sites/{site}/settings
@put(
    "/api/v1/moderation/sites/{site:str}/settings",
    guards=STAFF_GUARDS,
    summary="Replace a site's moderation settings",
    tags=["moderation"],
    responses=STAFF_ERROR_RESPONSES,
)
async def update_site_settings(
    request: Request[Any, Any, Any],
    site: FromPath[str],
    data: Body[ModerationSettingsIO],
    services: NamedDependency[Services],
) -> ModerationSettingsIO:
    """Replace mode, thresholds and word lists (admins only; audited)."""
    incoming = decode(data, ModerationSettingsIO)
    user, _ = await current_staff(request, services)
    updated = await moderation_service(services).update_site_settings(
        user, site, settings_in(incoming)
    )
    return settings_out(updated)


# POST /api/v1/comments/{comment_id}/report
@post(
    "/api/v1/comments/{comment_id:str}/report",
    status_code=200,
    summary="Report a comment to the moderators",
    tags=["comments"],
    responses=ERROR_RESPONSES,
)
async def report(
    request: Request[Any, Any, Any],
    comment_id: FromPath[str],
    services: NamedDependency[Services],
    data: Body[ReportIn | None] = OPTIONAL_BODY,
) -> Response[ReportOut]:
    """One report per reader (the voter cookie, else the client address); at the site's
    threshold the comment goes to the moderation queue."""
    incoming = decode(data, ReportIn) if data is not None else ReportIn()
    cookies = VoterCookies(services.keyring)
    response: Response[ReportOut] = Response(ReportOut(reported=True))
    # Without the voter cookie the report counts for the client address; no cookie
    # is handed out here, so reports cannot collect identities.
    voter = cookies.read(request)
    await moderation_service(services).report(
        comment_id, caller_from(request, voter), incoming.reason, incoming.category
    )
    return response
