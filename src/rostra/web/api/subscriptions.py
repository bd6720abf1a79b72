"""Subscriptions ("Notify of"): subscribe, and the pages behind the links in the emails.

GET never changes anything (mail scanners and link previews follow links); each page's
button POSTs. ``POST …/unsubscribe`` is also the RFC 8058 one-click target named by the
``List-Unsubscribe`` header, so it acts at once, whatever its body.
"""

from __future__ import annotations

from html import escape
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_202_ACCEPTED

from rostra.domain.errors import DomainError, NotFoundError
from rostra.domain.subscriptions import NotificationsDisabledError, Subscription
from rostra.services.registry import Services
from rostra.services.subscriptions import SubscriptionRequest, SubscriptionService
from rostra.web.decoding import Body, decode
from rostra.web.errors import MAIL_ERROR_RESPONSES, STATUS_BY_ERROR
from rostra.web.identity import caller_from
from rostra.web.schemas import NotificationSettingsOut, SubscriptionAcceptedOut, SubscriptionIn

BASE = "/api/v1/subscriptions"
TOKEN = Annotated[str, QueryParameter(description="the signed token from the email's link")]
KIND_TEXT = {"all": "new comments on", "replies": "replies to your comments on"}


def _service(services: Services) -> SubscriptionService:
    if services.subscriptions is None:
        raise NotificationsDisabledError("Email notifications are not enabled on this server.")
    return services.subscriptions


def _page(title: str, body: str, status: int = 200) -> Response[bytes]:
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{escape(title)}</title></head><body><main><h1>{escape(title)}</h1>"
        f"{body}</main></body></html>"
    )
    return Response(
        html.encode(),
        status_code=status,
        media_type="text/html; charset=utf-8",
        # The token in the address never leaves for another site; "no-referrer" also made the
        # browser send "Origin: null" with the page's own button, which the origin check refuses.
        headers={"Cache-Control": "no-store", "Referrer-Policy": "same-origin"},
    )


def _failure(exc: DomainError) -> Response[bytes]:
    status = next((code for kind, code in STATUS_BY_ERROR.items() if isinstance(exc, kind)), 400)
    return _page("This link does not work", f"<p>{escape(exc.message)}</p>", status)


def _describe(subscription: Subscription) -> str:
    where = f"{escape(subscription.page)} ({escape(subscription.site)})"
    if subscription.kind.value == "replies":
        where = escape(subscription.site)
    state = "" if subscription.status.value == "confirmed" else " (not confirmed yet)"
    return f"{KIND_TEXT[subscription.kind.value]} {where}{state}"


def _button(action: str, label: str) -> str:
    return f'<form method="post" action="{escape(action)}"><button>{escape(label)}</button></form>'


# POST /api/v1/subscriptions
@post(
    BASE,
    status_code=HTTP_202_ACCEPTED,
    summary="Ask to be emailed about new comments or replies",
    tags=["subscriptions"],
    responses=MAIL_ERROR_RESPONSES,
)
async def subscribe(
    request: Request[Any, Any, Any],
    data: Body[SubscriptionIn],
    services: NamedDependency[Services],
) -> SubscriptionAcceptedOut:
    """Answers 202: a confirmation email is on its way; nothing else is sent before the
    address confirms. 503 ``notifications_disabled`` when the server has no mail server."""
    incoming = decode(data, SubscriptionIn)
    await _service(services).subscribe(
        SubscriptionRequest(incoming.site, incoming.page, incoming.email, incoming.kind),
        caller_from(request),
    )
    return SubscriptionAcceptedOut(status="pending")


# GET /api/v1/subscriptions/settings
@get(
    f"{BASE}/settings",
    summary="Whether this server sends notifications",
    tags=["subscriptions"],
    cache=60,
)
async def notification_settings(services: NamedDependency[Services]) -> NotificationSettingsOut:
    """The widget shows its "Notify of" choice only when ``enabled`` is true."""
    enabled = services.subscriptions is not None and services.subscriptions.enabled
    return NotificationSettingsOut(enabled=enabled, kinds=["all", "replies"] if enabled else [])


# GET /api/v1/subscriptions/confirm
@get(f"{BASE}/confirm", include_in_schema=False)
async def confirm_page(token: TOKEN, services: NamedDependency[Services]) -> Response[bytes]:
    """A page with a button: opening the link confirms nothing by itself."""
    try:
        subscription = await _service(services).show("confirm", token)
    except DomainError as exc:
        return _failure(exc)
    action = f"{BASE}/confirm?token={quote(token)}"
    return _page(
        "Confirm your notifications",
        f"<p>Email this address about {_describe(subscription)}?</p>"
        + _button(action, "Yes, confirm"),
    )


# POST /api/v1/subscriptions/confirm
@post(f"{BASE}/confirm", status_code=200, include_in_schema=False)
async def confirm(token: TOKEN, services: NamedDependency[Services]) -> Response[bytes]:
    """Confirm the subscription (idempotent)."""
    try:
        subscription = await _service(services).confirm_subscription(token)
    except DomainError as exc:
        return _failure(exc)
    return _page("Confirmed", f"<p>You will be emailed about {_describe(subscription)}.</p>")


# GET /api/v1/subscriptions/unsubscribe
@get(f"{BASE}/unsubscribe", include_in_schema=False)
async def unsubscribe_page(token: TOKEN, services: NamedDependency[Services]) -> Response[bytes]:
    """A page with a button: opening the link unsubscribes nothing by itself."""
    try:
        subscription = await _service(services).show("unsubscribe", token)
    except NotFoundError:
        return _page("Unsubscribed", "<p>This subscription has already ended.</p>")
    except DomainError as exc:
        return _failure(exc)
    action = f"{BASE}/unsubscribe?token={quote(token)}"
    return _page(
        "Unsubscribe",
        f"<p>Stop emails about {_describe(subscription)}?</p>" + _button(action, "Unsubscribe"),
    )


# POST /api/v1/subscriptions/unsubscribe
@post(f"{BASE}/unsubscribe", status_code=200, include_in_schema=False)
async def unsubscribe(token: TOKEN, services: NamedDependency[Services]) -> Response[bytes]:
    """Unsubscribe at once: the page's button, and RFC 8058 one-click
    (``List-Unsubscribe=One-Click`` in the body, which is not needed)."""
    try:
        await _service(services).unsubscribe(token)
    except DomainError as exc:
        return _failure(exc)
    return _page("Unsubscribed", "<p>You will get no more emails about this.</p>")


def _manage_page(token: str, subscriptions: list[Subscription], note: str = "") -> Response[bytes]:
    action = f"{BASE}/manage?token={quote(token)}"
    if not subscriptions:
        return _page("Your notifications", f"{note}<p>This address has no subscriptions.</p>")
    rows = "".join(
        f"<li>{_describe(s)} " + _button(f"{action}&remove={quote(s.id)}", "Unsubscribe") + "</li>"
        for s in subscriptions
    )
    return _page(
        "Your notifications",
        f"{note}<ul>{rows}</ul>" + _button(f"{action}&remove=all", "Unsubscribe from all"),
    )


# GET /api/v1/subscriptions/manage
@get(f"{BASE}/manage", include_in_schema=False)
async def manage_page(token: TOKEN, services: NamedDependency[Services]) -> Response[bytes]:
    """Every subscription of the address the link was sent to."""
    try:
        managed = await _service(services).manage(token)
    except DomainError as exc:
        return _failure(exc)
    return _manage_page(token, managed.subscriptions)


# POST /api/v1/subscriptions/manage
@post(f"{BASE}/manage", status_code=200, include_in_schema=False)
async def manage(
    token: TOKEN,
    services: NamedDependency[Services],
    remove: Annotated[str, QueryParameter(description="a subscription id, or all")],
) -> Response[bytes]:
    """End one subscription (``remove=<id>``) or all (``remove=all``) of the address."""
    service = _service(services)
    try:
        removed = await service.unsubscribe_managed(token, [] if remove == "all" else [remove])
        managed = await service.manage(token)
    except DomainError as exc:
        return _failure(exc)
    note = f"<p>Unsubscribed from {removed}.</p>"
    return _manage_page(token, managed.subscriptions, note)
