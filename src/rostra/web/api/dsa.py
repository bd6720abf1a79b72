"""EU Digital Services Act notices: ``POST /api/v1/dsa/notices`` for anyone, and the staff
routes under ``/api/v1/moderation/dsa/…`` (the queue of notices, decisions, the CSV export)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from rostra.domain.dsa import Notice, NoticeAction, NoticeStatus, parse_day
from rostra.domain.errors import ValidationError
from rostra.domain.languages import translate
from rostra.domain.staff import Role, require_role
from rostra.services.dsa import MAX_OFFSET, Acknowledgement, DsaService, NoticeForm
from rostra.services.registry import Services
from rostra.web.api.staff_auth import STAFF_GUARDS, current_staff
from rostra.web.decoding import Body, decode
from rostra.web.errors import ERROR_RESPONSES, STAFF_ERROR_RESPONSES, request_language
from rostra.web.identity import caller_from
from rostra.web.schemas import (
    NoticeDecisionIn,
    NoticeIn,
    NoticeOut,
    NoticeReceivedOut,
    NoticesOut,
)


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def dsa_service(services: Services) -> DsaService:
    """The DSA service (always wired by ``bootstrap``)."""
    if services.dsa is None:  # pragma: no cover - a wiring bug
        raise RuntimeError("DsaService is not wired")
    return services.dsa


# What the notifier reads once the notice is stored, with and without a copy by mail.
ACKNOWLEDGED = (
    "Thank you. We received your notice; its reference is %(reference)s. The moderators will "
    "review the comment and tell you their decision by email."
)
ACKNOWLEDGED_MAILED = ACKNOWLEDGED + " A copy is on its way to your email address."


def acknowledgement_text(ack: Acknowledgement, lang: str) -> str:
    """What the notifier reads once the notice is stored, in their language."""
    text = ACKNOWLEDGED_MAILED if ack.mailed else ACKNOWLEDGED
    return translate(lang, text) % {"reference": ack.notice.id}


def notice_out(notice: Notice) -> NoticeOut:
    """A notice for the staff API."""
    return NoticeOut(
        id=notice.id,
        site=notice.site,
        comment_id=notice.comment_id,
        comment_body=notice.comment_body,
        category=notice.category,
        category_label=notice.category_label,
        explanation=notice.explanation,
        notifier_name=notice.notifier_name,
        notifier_email=notice.notifier_email,
        status=notice.status.value,
        decision_reason=notice.decision_reason,
        decided_by=notice.decided_by,
        decided_at=_time(notice.decided_at),
        created_at=_time(notice.created_at) or "",
    )


# POST /api/v1/dsa/notices
@post(
    "/api/v1/dsa/notices",
    status_code=201,
    summary="Notify the site of illegal content (EU DSA Art. 16)",
    tags=["dsa"],
    responses=ERROR_RESPONSES,
)
async def send_notice(
    request: Request[Any, Any, Any], data: Body[NoticeIn], services: NamedDependency[Services]
) -> NoticeReceivedOut:
    """Anyone, signed in or not: a reasoned notice that a comment is illegal. The answer
    carries the notice's reference; with mail configured, an acknowledgement and later the
    decision go to ``email``. Limited per client address like reports."""
    incoming = decode(data, NoticeIn)
    lang = request_language(request)
    ack = await dsa_service(services).submit(
        NoticeForm(
            incoming.comment_id,
            incoming.category,
            incoming.explanation,
            incoming.name,
            incoming.email,
            incoming.good_faith,
            lang,
        ),
        caller_from(request),
    )
    return NoticeReceivedOut(
        reference=ack.notice.id,
        status=ack.notice.status.value,
        mailed=ack.mailed,
        message=acknowledgement_text(ack, lang),
    )


# GET /api/v1/moderation/dsa/notices
@get(
    "/api/v1/moderation/dsa/notices",
    guards=STAFF_GUARDS,
    summary="EU DSA notices",
    tags=["dsa"],
    responses=STAFF_ERROR_RESPONSES,
)
async def list_notices(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    site: Annotated[str | None, QueryParameter(description="only this site")] = None,
    status: Annotated[str | None, QueryParameter(description="open, actioned or dismissed")] = None,
    limit: Annotated[int, QueryParameter(description="1-100")] = 50,
    offset: Annotated[int, QueryParameter(description="entries to skip", le=MAX_OFFSET)] = 0,
) -> NoticesOut:
    """Notices, oldest first, for any staff member."""
    user, _ = await current_staff(request, services)
    wanted = None
    if status:
        try:
            wanted = NoticeStatus(status)
        except ValueError:
            raise ValidationError(
                "'status' must be open, actioned or dismissed.", field="status"
            ) from None
    found = await dsa_service(services).notices(
        user, site=site, status=wanted, limit=limit, offset=offset
    )
    return NoticesOut(
        notices=[notice_out(n) for n in found],
        next_offset=offset + limit if len(found) == limit else None,
    )


# POST /api/v1/moderation/dsa/notices/{notice_id}/decision
@post(
    "/api/v1/moderation/dsa/notices/{notice_id:str}/decision",
    guards=STAFF_GUARDS,
    status_code=200,
    summary="Decide an EU DSA notice",
    tags=["dsa"],
    responses=STAFF_ERROR_RESPONSES,
)
async def decide_notice(
    request: Request[Any, Any, Any],
    notice_id: FromPath[str],
    data: Body[NoticeDecisionIn],
    services: NamedDependency[Services],
) -> NoticeOut:
    """``remove`` rejects the comment (as the queue's Reject does); ``keep`` leaves it. The
    reasons go to the notifier by mail; the decision is audited."""
    incoming = decode(data, NoticeDecisionIn)
    user, _ = await current_staff(request, services)
    decided = await dsa_service(services).decide(
        user, notice_id, NoticeAction(incoming.action), incoming.reason
    )
    return notice_out(decided)


# GET /api/v1/moderation/dsa/export
@get(
    "/api/v1/moderation/dsa/export",
    guards=STAFF_GUARDS,
    summary="EU DSA notices and decisions as CSV (admins)",
    tags=["dsa"],
    responses=STAFF_ERROR_RESPONSES,
    media_type="text/csv",
)
async def export_notices(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    site: Annotated[str | None, QueryParameter(description="only this site")] = None,
    from_: Annotated[
        str | None, QueryParameter(name="from", description="first day (YYYY-MM-DD, UTC)")
    ] = None,
    to: Annotated[
        str | None, QueryParameter(description="day after the last (YYYY-MM-DD, UTC)")
    ] = None,
) -> Response[str]:
    """Every notice received in [from, to) with its decision, for transparency reports;
    without the notifiers' names and addresses. Admins only."""
    user, _ = await current_staff(request, services)
    require_role(user, Role.ADMIN)
    text = await dsa_service(services).export_csv(
        site=site or None, since=parse_day(from_, "from"), until=parse_day(to, "to")
    )
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="dsa-notices.csv"'},
    )
