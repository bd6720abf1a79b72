"""Dashboard pages for a site's webhooks (admins only): endpoints, recent deliveries, a test
event, sending a delivery again."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath

from rostra.domain.chat_alerts import ChatAlertSettings
from rostra.domain.errors import DomainError, ValidationError
from rostra.domain.staff import NotSignedInError, StaffUser
from rostra.services.registry import Services
from rostra.web.admin.views import _form, _page_context, _staff, _status, redirect, render, t
from rostra.web.api.webhooks import chat_service, webhook_service

EVENT_LABELS = (
    ("comment.created", "A comment is posted (also when held for review)"),
    ("comment.published", "A comment is published"),
    ("comment.rejected", "A comment is rejected"),
    ("report.created", "A reader reports a comment"),
    ("donation.completed", "A donation completes"),
)
STATE_LABELS = {
    "pending": "Waiting",
    "sent": "Delivered",
    "failed": "Failed",
    "cancelled": "Cancelled",
}


async def _admin(
    request: Request[Any, Any, Any], services: Services, csrf: str | None = None
) -> tuple[StaffUser, dict[str, Any]] | Response[Any]:
    """The signed-in admin and the page context, or the answer to give instead."""
    try:
        user, token = await _staff(request, services, csrf)
    except NotSignedInError:
        return redirect("/admin/sign-in")
    except DomainError as exc:
        return render("error", _status(exc), heading=exc.message, user=None)
    context = _page_context(user, token, services, "webhooks")
    if not user.is_admin:
        return render("error", 403, heading=t("Only admins may manage webhooks."), **context)
    return user, context


async def _page(
    request: Request[Any, Any, Any],
    services: Services,
    site: str | None,
    *,
    secret: str | None = None,
    checked: tuple[StaffUser, dict[str, Any]] | None = None,
) -> Response[Any]:
    found = checked or await _admin(request, services)
    if isinstance(found, Response):
        return found
    user, context = found
    endpoints: list[Any] = []
    deliveries: list[Any] = []
    chat = None
    if site is not None:
        try:
            endpoints = await webhook_service(services).list_endpoints(user, site)
            deliveries = await webhook_service(services).deliveries(user, site)
            chat = await chat_service(services).settings(user, site)
        except DomainError as exc:
            return render("error", _status(exc), heading=exc.message, **context)
    return render(
        "webhooks",
        sites=await services.sites.list_sites(),
        site=site,
        endpoints=endpoints,
        deliveries=deliveries,
        secret=secret,
        chat=chat,
        event_labels=EVENT_LABELS,
        state_labels=STATE_LABELS,
        message=request.query_params.get("message"),
        **context,
    )


# GET /admin/webhooks
@get("/admin/webhooks", include_in_schema=False)
async def webhooks_index(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    """The sites whose webhooks an admin can manage."""
    return await _page(request, services, None)


# GET /admin/webhooks/{site}
@get("/admin/webhooks/{site:str}", include_in_schema=False)
async def webhooks_page(
    request: Request[Any, Any, Any], site: FromPath[str], services: NamedDependency[Services]
) -> Response[Any]:
    """A site's endpoints and its latest deliveries."""
    return await _page(request, services, site)


# POST /admin/webhooks/{site}
@post("/admin/webhooks/{site:str}", include_in_schema=False, status_code=200)
async def add_webhook(
    request: Request[Any, Any, Any], site: FromPath[str], services: NamedDependency[Services]
) -> Response[Any]:
    """Register an endpoint and show its secret on the page answered (never in a URL)."""
    form = await _form(request)
    checked = await _admin(request, services, form.get("csrf_token"))
    if isinstance(checked, Response):
        return checked
    user, context = checked
    try:
        _, secret = await webhook_service(services).add_endpoint(
            user, site, form.get("url"), form.getall("events", []), form.get("description")
        )
    except DomainError as exc:
        return render("error", _status(exc), heading=exc.message, **context)
    return await _page(request, services, site, secret=secret, checked=checked)


# POST /admin/webhook-endpoints/{endpoint_id}/remove
@post("/admin/webhook-endpoints/{endpoint_id:str}/remove", include_in_schema=False, status_code=303)
async def remove_webhook(
    request: Request[Any, Any, Any], endpoint_id: FromPath[str], services: NamedDependency[Services]
) -> Response[Any]:
    form = await _form(request)
    checked = await _admin(request, services, form.get("csrf_token"))
    if isinstance(checked, Response):
        return checked
    user, context = checked
    try:
        removed = await webhook_service(services).remove_endpoint(user, endpoint_id)
    except DomainError as exc:
        return render("error", _status(exc), heading=exc.message, **context)
    return redirect(
        f"/admin/webhooks/{removed.site}", message=t("Removed %(url)s.", url=removed.url)
    )


# POST /admin/webhook-endpoints/{endpoint_id}/test
@post("/admin/webhook-endpoints/{endpoint_id:str}/test", include_in_schema=False, status_code=303)
async def test_webhook(
    request: Request[Any, Any, Any], endpoint_id: FromPath[str], services: NamedDependency[Services]
) -> Response[Any]:
    form = await _form(request)
    checked = await _admin(request, services, form.get("csrf_token"))
    if isinstance(checked, Response):
        return checked
    user, context = checked
    webhooks = webhook_service(services)
    try:
        delivery_id = await webhooks.send_test(user, endpoint_id)
        site = (await webhooks.deliveries_site(user, delivery_id)) or ""
    except DomainError as exc:
        return render("error", _status(exc), heading=exc.message, **context)
    return redirect(f"/admin/webhooks/{site}", message=t("A test event is on its way."))


# POST /admin/webhook-deliveries/{delivery_id}/resend
@post(
    "/admin/webhook-deliveries/{delivery_id:int}/resend", include_in_schema=False, status_code=303
)
async def resend_delivery(
    request: Request[Any, Any, Any], delivery_id: FromPath[int], services: NamedDependency[Services]
) -> Response[Any]:
    form = await _form(request)
    checked = await _admin(request, services, form.get("csrf_token"))
    if isinstance(checked, Response):
        return checked
    user, context = checked
    webhooks = webhook_service(services)
    try:
        new_id = await webhooks.resend(user, delivery_id)
        site = (await webhooks.deliveries_site(user, new_id)) or ""
    except DomainError as exc:
        return render("error", _status(exc), heading=exc.message, **context)
    return redirect(f"/admin/webhooks/{site}", message=t("The delivery will be sent again."))


def _count(form: Any, name: str) -> int:
    text = (form.get(name) or "0").strip()
    if not text.isdigit():
        raise ValidationError(t("Enter a whole number (0 turns the alert off)."), field=name)
    return int(text)


# POST /admin/webhooks/{site}/chat
@post("/admin/webhooks/{site:str}/chat", include_in_schema=False, status_code=303)
async def save_chat_alerts(
    request: Request[Any, Any, Any], site: FromPath[str], services: NamedDependency[Services]
) -> Response[Any]:
    """Replace the site's chat alerts; the secrets are typed again on every change."""
    form = await _form(request)
    checked = await _admin(request, services, form.get("csrf_token"))
    if isinstance(checked, Response):
        return checked
    user, context = checked
    try:
        settings = ChatAlertSettings(
            slack_url=form.get("slack_url") or None,
            matrix_homeserver=form.get("matrix_homeserver") or None,
            matrix_room=form.get("matrix_room") or None,
            matrix_token=form.get("matrix_token") or None,
            queue_threshold=_count(form, "queue_threshold"),
            report_threshold=_count(form, "report_threshold"),
        )
        await chat_service(services).configure(user, site, settings)
    except DomainError as exc:
        return render("error", _status(exc), heading=exc.message, **context)
    return redirect(f"/admin/webhooks/{site}", message=t("Chat alerts saved."))


ROUTES: list[HTTPRouteHandler] = [
    webhooks_index,  # GET  /admin/webhooks
    webhooks_page,  # GET  /admin/webhooks/{site}
    add_webhook,  # POST /admin/webhooks/{site}
    remove_webhook,  # POST /admin/webhook-endpoints/{id}/remove
    test_webhook,  # POST /admin/webhook-endpoints/{id}/test
    resend_delivery,  # POST /admin/webhook-deliveries/{id}/resend
    save_chat_alerts,  # POST /admin/webhooks/{site}/chat
]
