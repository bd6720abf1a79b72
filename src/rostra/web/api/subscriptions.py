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
from rostra.domain.languages import (
    RIGHT_TO_LEFT,
    preferred_language,
    reader_language,
    translate,
)
from rostra.domain.subscriptions import NotificationsDisabledError, Subscription
from rostra.services.registry import Services
from rostra.services.subscriptions import SubscriptionRequest, SubscriptionService
from rostra.web.decoding import Body, decode
from rostra.web.errors import MAIL_ERROR_RESPONSES, STATUS_BY_ERROR
from rostra.web.identity import caller_from
from rostra.web.schemas import NotificationSettingsOut, SubscriptionAcceptedOut, SubscriptionIn

BASE = "/api/v1/subscriptions"
TOKEN = Annotated[str, QueryParameter(description="the signed token from the email's link")]
LANG = Annotated[str | None, QueryParameter(description="the page's language (de, fr, …)")]


def _service(services: Services) -> SubscriptionService:
    if services.subscriptions is None:
        raise NotificationsDisabledError("Email notifications are not enabled on this server.")
    return services.subscriptions


def _lang(request: Request[Any, Any, Any], asked: str | None = None) -> str:
    """The page's language where no subscription says it: the one its form carried, else the
    browser's."""
    try:
        if asked:
            return reader_language(asked)
    except DomainError:
        pass
    return preferred_language(request.headers.get("accept-language"))


def _page(lang: str, title: str, body: str, status: int = 200) -> Response[bytes]:
    """A small page in ``lang``: ``title`` is English (translated here); ``body`` is HTML
    already in ``lang``."""
    title = translate(lang, title)
    direction = ' dir="rtl"' if lang in RIGHT_TO_LEFT else ""
    html = (
        f'<!doctype html><html lang="{lang or "en"}"{direction}><head><meta charset="utf-8">'
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


def _say(lang: str, text: str, **values: object) -> str:
    """``<p>text</p>`` in ``lang``, its values escaped."""
    found = escape(translate(lang, text))
    if values:
        found = found % {
            k: v if isinstance(v, _Html) else escape(str(v)) for k, v in values.items()
        }
    return f"<p>{found}</p>"


class _Html(str):
    """A value already escaped for ``_say``."""


def _failure(lang: str, exc: DomainError) -> Response[bytes]:
    status = next((code for kind, code in STATUS_BY_ERROR.items() if isinstance(exc, kind)), 400)
    return _page(lang, "This link does not work", _say(lang, exc.message), status)


def _describe(lang: str, subscription: Subscription) -> _Html:
    if subscription.kind.value == "replies":
        text = translate(lang, "replies to your comments on %(site)s") % {
            "site": escape(subscription.site)
        }
    else:
        where = f"{escape(subscription.page)} ({escape(subscription.site)})"
        text = translate(lang, "new comments on %(page)s") % {"page": where}
    if subscription.status.value != "confirmed":
        text += " " + escape(translate(lang, "(not confirmed yet)"))
    return _Html(text)


def _button(lang: str, action: str, label: str) -> str:
    return (
        f'<form method="post" action="{escape(action)}">'
        f"<button>{escape(translate(lang, label))}</button></form>"
    )


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
        SubscriptionRequest(
            incoming.site, incoming.page, incoming.email, incoming.kind, incoming.lang
        ),
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
async def confirm_page(
    request: Request[Any, Any, Any], token: TOKEN, services: NamedDependency[Services]
) -> Response[bytes]:
    """A page with a button: opening the link confirms nothing by itself. It speaks the
    language the reader subscribed in."""
    try:
        subscription = await _service(services).show("confirm", token)
    except DomainError as exc:
        return _failure(_lang(request), exc)
    lang = subscription.lang
    action = f"{BASE}/confirm?token={quote(token)}&lang={lang}"
    return _page(
        lang,
        "Confirm your notifications",
        _say(lang, "Email this address about %(what)s?", what=_describe(lang, subscription))
        + _button(lang, action, "Yes, confirm"),
    )


# POST /api/v1/subscriptions/confirm
@post(f"{BASE}/confirm", status_code=200, include_in_schema=False)
async def confirm(
    request: Request[Any, Any, Any],
    token: TOKEN,
    services: NamedDependency[Services],
    lang: LANG = None,
) -> Response[bytes]:
    """Confirm the subscription (idempotent)."""
    try:
        subscription = await _service(services).confirm_subscription(token)
    except DomainError as exc:
        return _failure(_lang(request, lang), exc)
    chosen = subscription.lang
    return _page(
        chosen,
        "Confirmed",
        _say(chosen, "You will be emailed about %(what)s.", what=_describe(chosen, subscription)),
    )


# GET /api/v1/subscriptions/unsubscribe
@get(f"{BASE}/unsubscribe", include_in_schema=False)
async def unsubscribe_page(
    request: Request[Any, Any, Any], token: TOKEN, services: NamedDependency[Services]
) -> Response[bytes]:
    """A page with a button: opening the link unsubscribes nothing by itself."""
    try:
        subscription = await _service(services).show("unsubscribe", token)
    except NotFoundError:
        lang = _lang(request)
        return _page(lang, "Unsubscribed", _say(lang, "This subscription has already ended."))
    except DomainError as exc:
        return _failure(_lang(request), exc)
    lang = subscription.lang
    action = f"{BASE}/unsubscribe?token={quote(token)}&lang={lang}"
    return _page(
        lang,
        "Unsubscribe",
        _say(lang, "Stop emails about %(what)s?", what=_describe(lang, subscription))
        + _button(lang, action, "Unsubscribe"),
    )


# POST /api/v1/subscriptions/unsubscribe
@post(f"{BASE}/unsubscribe", status_code=200, include_in_schema=False)
async def unsubscribe(
    request: Request[Any, Any, Any],
    token: TOKEN,
    services: NamedDependency[Services],
    lang: LANG = None,
) -> Response[bytes]:
    """Unsubscribe at once: the page's button, and RFC 8058 one-click
    (``List-Unsubscribe=One-Click`` in the body, which is not needed)."""
    chosen = _lang(request, lang)
    try:
        await _service(services).unsubscribe(token)
    except DomainError as exc:
        return _failure(chosen, exc)
    return _page(chosen, "Unsubscribed", _say(chosen, "You will get no more emails about this."))


def _manage_page(
    lang: str, token: str, subscriptions: list[Subscription], note: str = ""
) -> Response[bytes]:
    action = f"{BASE}/manage?token={quote(token)}&lang={lang}"
    if not subscriptions:
        return _page(
            lang, "Your notifications", note + _say(lang, "This address has no subscriptions.")
        )
    rows = "".join(
        f"<li>{_describe(lang, s)} "
        + _button(lang, f"{action}&remove={quote(s.id)}", "Unsubscribe")
        + "</li>"
        for s in subscriptions
    )
    return _page(
        lang,
        "Your notifications",
        f"{note}<ul>{rows}</ul>" + _button(lang, f"{action}&remove=all", "Unsubscribe from all"),
    )


# GET /api/v1/subscriptions/manage
@get(f"{BASE}/manage", include_in_schema=False)
async def manage_page(
    request: Request[Any, Any, Any], token: TOKEN, services: NamedDependency[Services]
) -> Response[bytes]:
    """Every subscription of the address the link was sent to, in the language of its newest."""
    try:
        managed = await _service(services).manage(token)
    except DomainError as exc:
        return _failure(_lang(request), exc)
    return _manage_page(_manage_lang(request, managed.subscriptions), token, managed.subscriptions)


def _manage_lang(
    request: Request[Any, Any, Any], found: list[Subscription], asked: str | None = None
) -> str:
    newest = max(found, key=lambda s: s.created_at, default=None)
    return newest.lang if newest and newest.lang else _lang(request, asked)


# POST /api/v1/subscriptions/manage
@post(f"{BASE}/manage", status_code=200, include_in_schema=False)
async def manage(
    request: Request[Any, Any, Any],
    token: TOKEN,
    services: NamedDependency[Services],
    remove: Annotated[str, QueryParameter(description="a subscription id, or all")],
    lang: LANG = None,
) -> Response[bytes]:
    """End one subscription (``remove=<id>``) or all (``remove=all``) of the address."""
    service = _service(services)
    try:
        removed = await service.unsubscribe_managed(token, [] if remove == "all" else [remove])
        managed = await service.manage(token)
    except DomainError as exc:
        return _failure(_lang(request, lang), exc)
    chosen = _manage_lang(request, managed.subscriptions, lang)
    note = _say(chosen, "Unsubscribed from %(n)s.", n=removed)
    return _manage_page(chosen, token, managed.subscriptions, note)
