"""Dashboard pages for deciding with context: an author's history with staff notes, and the
EU DSA notices with their decisions and CSV export."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath

from rostra.domain.dsa import AppealAction, AppealStatus, NoticeAction, NoticeStatus, parse_day
from rostra.domain.errors import DomainError, PermissionDeniedError
from rostra.domain.staff import NotSignedInError, Role, require_role
from rostra.services.registry import Services
from rostra.web.admin.views import (
    _form,
    _headers,
    _page_context,
    _staff,
    _status,
    redirect,
    render,
    t,
)
from rostra.web.api.dsa import dsa_service
from rostra.web.api.dsa_appeals import appeal_service
from rostra.web.api.reader_history import history_service

# What ties an author's comments together, their comments' states and staff verdicts, as the
# author page says them.
KNOWN_BY = {
    "account": "Known by their reader account's email address.",
    "email": "Known by their email address.",
    "address": "Known by their network address (kept for a limited time; readers behind one "
    "address look like one).",
}
STATE_WORDS = {
    "published": "Published",
    "pending": "Held",
    "rejected": "Rejected",
    "deleted": "Deleted",
}
VERDICT_WORDS = {"publish": "Approved", "hold": "Held", "reject": "Rejected"}


# GET /admin/comments/{comment_id}/author
@get("/admin/comments/{comment_id:str}/author", include_in_schema=False)
async def author_page(
    request: Request[Any, Any, Any], comment_id: FromPath[str], services: NamedDependency[Services]
) -> Response[Any]:
    """The comment author's record on the site, with staff notes and a form to add one."""
    try:
        user, token = await _staff(request, services)
    except NotSignedInError:
        return redirect("/admin/sign-in")
    context = _page_context(user, token, services, "queue")
    try:
        history = await history_service(services).history(user, comment_id)
    except DomainError as exc:
        return render("error", _status(exc), heading=exc.message, **context)
    return render(
        "author",
        history=history,
        comment_id=comment_id,
        age_days=history.age_days,
        known_by=KNOWN_BY,
        state_words=STATE_WORDS,
        verdict_words=VERDICT_WORDS,
        message=request.query_params.get("message"),
        **context,
    )


# POST /admin/comments/{comment_id}/notes
@post("/admin/comments/{comment_id:str}/notes", include_in_schema=False, status_code=303)
async def add_note(
    request: Request[Any, Any, Any], comment_id: FromPath[str], services: NamedDependency[Services]
) -> Response[Any]:
    """Leave a note on the comment's author (audited)."""
    form = await _form(request)
    try:
        user, token = await _staff(request, services, form.get("csrf_token"))
    except NotSignedInError:
        return redirect("/admin/sign-in")
    except PermissionDeniedError as exc:
        return render("error", _status(exc), heading=exc.message, user=None)
    try:
        await history_service(services).add_note(user, comment_id, form.get("body"))
    except DomainError as exc:
        context = _page_context(user, token, services, "queue")
        return render("error", _status(exc), heading=exc.message, **context)
    return redirect(f"/admin/comments/{comment_id}/author", message=t("The note is saved."))


# GET /admin/notices
@get("/admin/notices", include_in_schema=False)
async def notices_page(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    """EU DSA notices of one status (open first), each with its decision form."""
    try:
        user, token = await _staff(request, services)
    except NotSignedInError:
        return redirect("/admin/sign-in")
    try:
        status = NoticeStatus(request.query_params.get("status") or "open")
    except ValueError:
        status = NoticeStatus.OPEN
    notices = await dsa_service(services).notices(user, status=status, limit=100)
    try:
        appeal_status = AppealStatus(request.query_params.get("appeals") or "open")
    except ValueError:
        appeal_status = AppealStatus.OPEN
    appeals = await appeal_service(services).appeals(user, status=appeal_status, limit=100)
    return render(
        "notices",
        notices=notices,
        shown=status.value,
        appeals=appeals,
        appeals_shown=appeal_status.value,
        sites=await services.sites.list_sites(),
        message=request.query_params.get("message"),
        **_page_context(user, token, services, "notices"),
    )


# POST /admin/notices/{notice_id}/decide
@post("/admin/notices/{notice_id:str}/decide", include_in_schema=False, status_code=303)
async def decide_notice(
    request: Request[Any, Any, Any], notice_id: FromPath[str], services: NamedDependency[Services]
) -> Response[Any]:
    """Remove the comment or keep it; the notifier is mailed the reasons."""
    form = await _form(request)
    try:
        user, _ = await _staff(request, services, form.get("csrf_token"))
    except NotSignedInError:
        return redirect("/admin/sign-in")
    except PermissionDeniedError as exc:
        return render("error", _status(exc), heading=exc.message, user=None)
    try:
        action = NoticeAction(form.get("action") or "")
    except ValueError:
        return redirect("/admin/notices", message=t("Unknown action."))
    try:
        await dsa_service(services).decide(user, notice_id, action, form.get("reason"))
    except DomainError as exc:
        return redirect("/admin/notices", message=exc.message)
    done = (
        t("The comment is removed; the notifier is told.")
        if action is NoticeAction.REMOVE
        else t("The comment stays; the notifier is told.")
    )
    return redirect("/admin/notices", message=done)


# POST /admin/appeals/{statement_id}/decide
@post("/admin/appeals/{statement_id:str}/decide", include_in_schema=False, status_code=303)
async def decide_appeal(
    request: Request[Any, Any, Any],
    statement_id: FromPath[str],
    services: NamedDependency[Services],
) -> Response[Any]:
    """Uphold a removal or reverse it (the comment is published again); the author is mailed."""
    form = await _form(request)
    try:
        user, _ = await _staff(request, services, form.get("csrf_token"))
    except NotSignedInError:
        return redirect("/admin/sign-in")
    except PermissionDeniedError as exc:
        return render("error", _status(exc), heading=exc.message, user=None)
    try:
        action = AppealAction(form.get("action") or "")
    except ValueError:
        return redirect("/admin/notices", message=t("Unknown action."))
    try:
        await appeal_service(services).decide(user, statement_id, action, form.get("reason"))
    except DomainError as exc:
        return redirect("/admin/notices", message=exc.message)
    done = (
        t("The comment is published again; the author is told.")
        if action is AppealAction.REVERSE
        else t("The removal stands; the author is told.")
    )
    return redirect("/admin/notices", message=done)


# GET /admin/notices/export
@get("/admin/notices/export", include_in_schema=False)
async def export_notices(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    """The CSV of notices and decisions for a transparency report (admins only)."""
    try:
        user, token = await _staff(request, services)
    except NotSignedInError:
        return redirect("/admin/sign-in")
    query = request.query_params
    try:
        require_role(user, Role.ADMIN)
        text = await dsa_service(services).export_csv(
            site=query.get("site") or None,
            since=parse_day(query.get("from"), "from"),
            until=parse_day(query.get("to"), "to"),
        )
    except DomainError as exc:
        context = _page_context(user, token, services, "notices")
        return render("error", _status(exc), heading=exc.message, **context)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={**_headers(), "Content-Disposition": 'attachment; filename="dsa-notices.csv"'},
    )


ROUTES: list[HTTPRouteHandler] = [
    author_page,  # GET  /admin/comments/{id}/author
    add_note,  # POST /admin/comments/{id}/notes
    notices_page,  # GET  /admin/notices
    decide_notice,  # POST /admin/notices/{id}/decide
    decide_appeal,  # POST /admin/appeals/{id}/decide
    export_notices,  # GET  /admin/notices/export
]
