"""Sign-in with a site's OpenID Connect provider, in a popup the widget opens.

``start`` redirects to the provider and binds the login to this browser with a short-lived,
signed ``rostra_oidc`` cookie (``SameSite=Lax``: the provider's redirect back is a top-level
navigation, so the cookie comes along, and a login another site starts in its own browser does
not). ``callback`` answers a small page that posts the outcome to the publisher page that opened
the popup (``postMessage`` to that page's origin only, one of the site's origins) and closes.
The widget then redeems the hand-off token from the publisher's page (``redeem``), so the
session cookie is set where the embedded widget's requests carry it.
"""

from __future__ import annotations

import json
import secrets
from html import escape
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from rostra.domain.errors import DomainError
from rostra.services.accounts_ports import PendingLogin
from rostra.services.oidc import OidcService
from rostra.services.registry import Services
from rostra.web.api.accounts import ACCOUNT_ERROR_RESPONSES, _session_response
from rostra.web.decoding import Body, decode
from rostra.web.errors import STATUS_BY_ERROR
from rostra.web.identity import LOOPBACK, session_signer, signed_session
from rostra.web.schemas import OidcProviderOut, OidcRedeemIn, OidcSiteOut, ReaderSessionOut

BASE = "/api/v1/auth/oidc"
STATE_COOKIE = "rostra_oidc"
STATE_COOKIE_AGE = 600  # the login's own lifetime
MESSAGE_TYPE = "rostra-oidc"


def _service(services: Services) -> OidcService:
    if services.oidc is None:  # pragma: no cover - a wiring bug
        raise RuntimeError("OidcService is not wired")
    return services.oidc


def _callback_uri(request: Request[Any, Any, Any], services: Services) -> str:
    return _service(services).redirect_uri(str(request.base_url))


def _state_cookie(request: Request[Any, Any, Any], value: str, max_age: int) -> str:
    attributes = [
        f"{STATE_COOKIE}={value}",
        f"Max-Age={max_age}",
        f"Path={BASE}/",
        "HttpOnly",
        "SameSite=Lax",
    ]
    if request.url.scheme == "https" or request.url.hostname in LOOPBACK:
        attributes.append("Secure")
    return "; ".join(attributes)


# GET /api/v1/auth/oidc
@get(
    BASE,
    summary="The site's OpenID Connect provider, if it has one",
    tags=["accounts"],
    responses=ACCOUNT_ERROR_RESPONSES,
)
async def site_provider(
    services: NamedDependency[Services],
    site: Annotated[str, QueryParameter(description="the site's name", max_length=64)],
) -> OidcSiteOut:
    """The widget offers "Sign in with <name>" when ``provider`` is not null."""
    found = await _service(services).provider_of(site)
    if found is None:
        return OidcSiteOut(provider=None)
    start = f"{BASE}/start?site={site}"
    return OidcSiteOut(provider=OidcProviderOut(name=found.name, start_url=start))


# GET /api/v1/auth/oidc/start
@get(
    f"{BASE}/start",
    summary="Start signing in with the site's provider (opened in a popup)",
    tags=["accounts"],
    status_code=302,
    responses=ACCOUNT_ERROR_RESPONSES,
)
async def start_login(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    site: Annotated[str, QueryParameter(description="the site's name", max_length=64)],
    origin: Annotated[
        str,
        QueryParameter(
            description="the publisher page's origin (one of the site's), told the outcome",
            max_length=2048,
        ),
    ],
) -> Response[None]:
    """Redirects to the provider's authorization endpoint (code flow, PKCE S256, state,
    nonce) and sets the ``rostra_oidc`` cookie that binds the login to this browser."""
    client = request.client
    url, state = await _service(services).start_login(
        site, origin, _callback_uri(request, services), client.host if client else None
    )
    cookie = session_signer(services.keyring, "oidc").dumps(state)
    return Response(
        None,
        status_code=302,
        headers={
            "Location": url,
            "Cache-Control": "no-store",
            "Set-Cookie": _state_cookie(request, cookie, STATE_COOKIE_AGE),
        },
    )


def _page(
    request: Request[Any, Any, Any],
    title: str,
    text: str,
    status: int,
    message: dict[str, Any],
    origin: str | None,
) -> Response[bytes]:
    nonce = secrets.token_urlsafe(16)
    script = ""
    if origin:
        payload = json.dumps({"type": MESSAGE_TYPE, **message}).replace("<", "\\u003c")
        target = json.dumps(origin).replace("<", "\\u003c")
        # Only the page that opened the popup, on the origin the login started from, hears it.
        script = (
            f'<script nonce="{nonce}">if (window.opener) {{ window.opener.postMessage('
            f"{payload}, {target}); }} setTimeout(function () {{ window.close(); }}, "
            f"{300 if status == 200 else 8000});</script>"
        )
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="robots" content="noindex">'
        f"<title>{escape(title)}</title></head><body><main><h1>{escape(title)}</h1>"
        f"<p>{escape(text)}</p></main>{script}</body></html>"
    )
    return Response(
        html.encode(),
        status_code=status,
        media_type="text/html; charset=utf-8",
        headers={
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "Content-Security-Policy": (
                f"default-src 'none'; script-src 'nonce-{nonce}'; "
                "style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
            ),
            # The state is used (or refused): the binding cookie is done either way.
            "Set-Cookie": _state_cookie(request, "", 0),
        },
    )


# GET /api/v1/auth/oidc/callback
@get(f"{BASE}/callback", include_in_schema=False)
async def callback(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
) -> Response[bytes]:
    """Where the provider sends the browser back: checks state, code and ID token, then posts
    the hand-off token (or the refusal) to the publisher's page."""
    # Read by hand: ``state`` is a name Litestar reserves for the application state.
    query = request.query_params
    state, code = query.get("state"), query.get("code")
    error, error_description = query.get("error"), query.get("error_description")
    service = _service(services)
    login: PendingLogin | None = None
    try:
        browser_state = signed_session(
            request, services.keyring, STATE_COOKIE, "oidc", STATE_COOKIE_AGE
        )
        login = await service.take_login(state, browser_state)
        result = await service.finish_login(
            login, _callback_uri(request, services), code, error, error_description
        )
    except DomainError as exc:
        status = next(
            (status for kind, status in STATUS_BY_ERROR.items() if isinstance(exc, kind)), 400
        )
        return _page(
            request,
            "Sign-in failed",
            exc.message,
            status,
            {"error": {"code": exc.code, "message": exc.message, "field": exc.field}},
            login.origin if login else None,
        )
    return _page(
        request,
        "Signed in",
        "You are signed in; this window closes by itself.",
        200,
        {"site": login.site, "token": result.handoff},
        result.origin,
    )


# POST /api/v1/auth/oidc/redeem
@post(
    f"{BASE}/redeem",
    status_code=200,
    summary="Open the session of a finished provider sign-in",
    tags=["accounts"],
    responses=ACCOUNT_ERROR_RESPONSES,
)
async def redeem(
    request: Request[Any, Any, Any], data: Body[OidcRedeemIn], services: NamedDependency[Services]
) -> Response[ReaderSessionOut]:
    """The widget sends the token the popup posted to it; sets the ``rostra_reader`` cookie
    and answers the CSRF token, as the other sign-ins do. A token works once, for two minutes."""
    incoming = decode(data, OidcRedeemIn)
    session = await _service(services).redeem(incoming.site, incoming.token)
    return _session_response(request, services, session)
