"""The author's record beside a comment, and staff notes on readers, under
``/api/v1/moderation/comments/{id}/author``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from rostra.domain.reader_history import ReaderNote
from rostra.services.reader_history import ReaderHistoryService
from rostra.services.registry import Services
from rostra.web.api.staff_auth import STAFF_GUARDS, current_staff
from rostra.web.decoding import Body, decode
from rostra.web.errors import STAFF_ERROR_RESPONSES
from rostra.web.schemas import (
    AuthoredCommentSummaryOut,
    AuthorHistoryOut,
    HistoryBanOut,
    PastDecisionOut,
    ReaderNoteIn,
    ReaderNoteOut,
    TrustOut,
)

EXCERPT = 280


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def history_service(services: Services) -> ReaderHistoryService:
    """The reader history service (always wired by ``bootstrap``)."""
    if services.reader_history is None:  # pragma: no cover - a wiring bug
        raise RuntimeError("ReaderHistoryService is not wired")
    return services.reader_history


def note_out(note: ReaderNote) -> ReaderNoteOut:
    """A note for the API."""
    return ReaderNoteOut(note.id, note.body, note.created_by, _time(note.created_at) or "")


# GET /api/v1/moderation/comments/{comment_id}/author
@get(
    "/api/v1/moderation/comments/{comment_id:str}/author",
    guards=STAFF_GUARDS,
    summary="The comment author's history on the site",
    tags=["moderation"],
    responses=STAFF_ERROR_RESPONSES,
)
async def author_history(
    request: Request[Any, Any, Any], comment_id: FromPath[str], services: NamedDependency[Services]
) -> AuthorHistoryOut:
    """Published, held, rejected and deleted counts, account age, latest comments, staff
    decisions, bans (in force or expired), staff notes and trust level of the comment's author
    on its site. Authors are known by their email digest, else their network address digest
    (kept ``ROSTRA_IP_HASH_DAYS`` days); neither is shown."""
    user, _ = await current_staff(request, services)
    found = await history_service(services).history(user, comment_id)
    return AuthorHistoryOut(
        site=found.site,
        author_name=found.author_name,
        identified_by=found.identified_by,
        counts=found.counts,
        first_seen=_time(found.first_seen),
        comments=[
            AuthoredCommentSummaryOut(
                c.id,
                c.page,
                c.body if len(c.body) <= EXCERPT else c.body[: EXCERPT - 1] + "…",
                c.status.value,
                _time(c.created_at) or "",
            )
            for c in found.comments
        ],
        decisions=[
            PastDecisionOut(d.comment_id, d.verdict, d.reason, d.actor, _time(d.created_at) or "")
            for d in found.decisions
        ],
        bans=[
            HistoryBanOut(
                id=b.id,
                kind=b.kind.value,
                reason=b.reason,
                created_at=_time(b.created_at) or "",
                expires_at=_time(b.expires_at),
                created_by=b.created_by,
                in_force=b.id in found.bans_in_force,
            )
            for b in found.bans
        ],
        notes=[note_out(n) for n in found.notes],
        trust=TrustOut(
            trusted=found.trust.trusted,
            approved_since_rejection=found.trust.approved_since_rejection,
            needed=found.trust.needed,
            last_rejection=_time(found.trust.last_rejection),
            clean_days=found.trust.clean_days,
        ),
    )


# POST /api/v1/moderation/comments/{comment_id}/author/notes
@post(
    "/api/v1/moderation/comments/{comment_id:str}/author/notes",
    guards=STAFF_GUARDS,
    status_code=201,
    summary="Leave a note on the comment's author",
    tags=["moderation"],
    responses=STAFF_ERROR_RESPONSES,
)
async def add_note(
    request: Request[Any, Any, Any],
    comment_id: FromPath[str],
    data: Body[ReaderNoteIn],
    services: NamedDependency[Services],
) -> ReaderNoteOut:
    """A note (at most 2,000 characters) on the author, shown to all staff with its author
    and time in the author's history; audited."""
    incoming = decode(data, ReaderNoteIn)
    user, _ = await current_staff(request, services)
    return note_out(await history_service(services).add_note(user, comment_id, incoming.body))
