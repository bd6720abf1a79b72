"""EU DSA appeals against removals: ``POST /api/v1/dsa/appeals`` for the author (with the
token from the statement-of-reasons mail), and the staff routes under
``/api/v1/moderation/dsa/appeals``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Request, post
from litestar import get as get_route
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from rostra.domain.dsa import AppealAction, AppealStatus, Statement
from rostra.domain.errors import ValidationError
from rostra.domain.languages import translate
from rostra.services.dsa import MAX_OFFSET
from rostra.services.dsa_appeals import AppealService
from rostra.services.registry import Services
from rostra.web.api.staff_auth import STAFF_GUARDS, current_staff
from rostra.web.decoding import Body, decode
from rostra.web.errors import ERROR_RESPONSES, STAFF_ERROR_RESPONSES, request_language
from rostra.web.identity import caller_from
from rostra.web.schemas import AppealDecisionIn, AppealIn, AppealOut, AppealsOut

RECEIVED = (
    "Thank you. Your appeal is received; a moderator will review the decision and tell you "
    "the outcome by email."
)


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def appeal_service(services: Services) -> AppealService:
    """The appeals service (always wired by ``bootstrap``)."""
    if services.appeals is None:  # pragma: no cover - a wiring bug
        raise RuntimeError("AppealService is not wired")
    return services.appeals


def appeal_out(statement: Statement) -> AppealOut:
    """A statement and its appeal for the staff API."""
    return AppealOut(
        id=statement.id,
        site=statement.site,
        comment_id=statement.comment_id,
        decision=statement.decision,
        ground=statement.ground,
        comment_excerpt=statement.comment_excerpt,
        notice_id=statement.notice_id,
        automated=statement.automated,
        decided_by=statement.decided_by,
        created_at=_time(statement.created_at) or "",
        appeal_text=statement.appeal_text,
        appeal_status=statement.appeal_status.value if statement.appeal_status else None,
        appealed_at=_time(statement.appealed_at),
        appeal_reason=statement.appeal_reason,
        appeal_decided_by=statement.appeal_decided_by,
        appeal_decided_at=_time(statement.appeal_decided_at),
    )


# POST /api/v1/dsa/appeals
@post(
    "/api/v1/dsa/appeals",
    status_code=201,
    summary="Appeal the removal of one's comment (EU DSA Art. 20)",
    tags=["dsa"],
    responses=ERROR_RESPONSES,
)
async def send_appeal(
    request: Request[Any, Any, Any], data: Body[AppealIn], services: NamedDependency[Services]
) -> dict[str, str]:
    """The author of a removed comment, with the token of the statement-of-reasons mail:
    why the decision is wrong. One appeal per decision (``409 appeal_exists``); a changed
    token is ``400 invalid_link``, an expired one ``400 link_expired``."""
    incoming = decode(data, AppealIn)
    stored = await appeal_service(services).appeal(
        incoming.token or "", incoming.explanation, caller_from(request)
    )
    message = translate(request_language(request), RECEIVED)
    return {"reference": stored.id, "status": "open", "message": message}


# GET /api/v1/moderation/dsa/appeals
@get_route(
    "/api/v1/moderation/dsa/appeals",
    guards=STAFF_GUARDS,
    summary="EU DSA appeals against removals",
    tags=["dsa"],
    responses=STAFF_ERROR_RESPONSES,
)
async def list_appeals(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    status: Annotated[str, QueryParameter(description="open, upheld or reversed")] = "open",
    limit: Annotated[int, QueryParameter(description="1-100")] = 50,
    offset: Annotated[int, QueryParameter(description="entries to skip", le=MAX_OFFSET)] = 0,
) -> AppealsOut:
    """Appeals of one status, oldest first, each with the decision it contests."""
    user, _ = await current_staff(request, services)
    try:
        wanted = AppealStatus(status)
    except ValueError:
        raise ValidationError(
            "'status' must be open, upheld or reversed.", field="status"
        ) from None
    found = await appeal_service(services).appeals(user, status=wanted, limit=limit, offset=offset)
    return AppealsOut(
        appeals=[appeal_out(s) for s in found],
        next_offset=offset + limit if len(found) == limit else None,
    )


# POST /api/v1/moderation/dsa/appeals/{statement_id}/decision
@post(
    "/api/v1/moderation/dsa/appeals/{statement_id:str}/decision",
    guards=STAFF_GUARDS,
    status_code=200,
    summary="Decide an EU DSA appeal",
    tags=["dsa"],
    responses=STAFF_ERROR_RESPONSES,
)
async def decide_appeal(
    request: Request[Any, Any, Any],
    statement_id: FromPath[str],
    data: Body[AppealDecisionIn],
    services: NamedDependency[Services],
) -> AppealOut:
    """``reverse`` publishes the comment again (as an approval does); ``uphold`` keeps it
    removed. The author is mailed the reasons; the decision is audited."""
    incoming = decode(data, AppealDecisionIn)
    user, _ = await current_staff(request, services)
    decided = await appeal_service(services).decide(
        user, statement_id, AppealAction(incoming.action), incoming.reason
    )
    return appeal_out(decided)
