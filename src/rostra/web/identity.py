"""Who a request comes from: the signed voter cookie, the client address and the page origin."""

from __future__ import annotations

import secrets
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer
from litestar import Request, Response

from rostra.domain.accounts import Reader
from rostra.services.callers import Caller
from rostra.services.tokens import Keyring

VOTER_COOKIE = "rostra_voter"
VOTER_MAX_AGE = 365 * 24 * 3600
# Browsers treat these as secure contexts, so Secure cookies work there over plain http.
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


class VoterCookies:
    """Issues and reads the signed cookie that gives each browser one vote per comment."""

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring

    @property
    def _serializer(self) -> URLSafeSerializer:
        # Made on demand: most reads carry no cookie, and making one costs more than the
        # cached thread page they get (bench profile, docs/performance.md).
        return URLSafeSerializer(self._keyring.digest("cookie", "voter"), salt="voter")

    def read(self, request: Request[Any, Any, Any]) -> str | None:
        """The voter id in a valid cookie, else None (a forged cookie is simply ignored)."""
        raw = request.cookies.get(VOTER_COOKIE)
        if not raw:
            return None
        try:
            value = self._serializer.loads(raw)
        except BadSignature:
            return None
        return value if isinstance(value, str) and len(value) <= 64 else None

    def issue(self, request: Request[Any, Any, Any], response: Response[Any]) -> str:
        """A new voter id, set as a cookie on ``response``."""
        voter = secrets.token_urlsafe(16)
        set_widget_cookie(
            request, response, VOTER_COOKIE, self._serializer.dumps(voter), VOTER_MAX_AGE
        )
        return voter


def session_signer(keyring: Keyring, purpose: str) -> URLSafeTimedSerializer:
    """Signs and checks the session cookie of ``purpose`` (``staff``, ``reader``)."""
    return URLSafeTimedSerializer(keyring.digest("cookie", purpose), salt=purpose)


def signed_session(
    request: Request[Any, Any, Any], keyring: Keyring, cookie: str, purpose: str, max_age: int
) -> str | None:
    """The session id in a valid, unexpired signed ``cookie``, else None."""
    raw = request.cookies.get(cookie)
    if not raw:
        return None
    try:
        value = session_signer(keyring, purpose).loads(raw, max_age=max_age)
    except BadSignature:
        return None
    return value if isinstance(value, str) and len(value) <= 64 else None


def set_widget_cookie(
    request: Request[Any, Any, Any], response: Response[Any], name: str, value: str, max_age: int
) -> None:
    """Set a cookie the widget's API calls carry (the voter, a reader session; ``max_age`` 0
    deletes it): HttpOnly, for ``/api/`` only."""
    attributes = [f"{name}={value}", f"Max-Age={max_age}", "Path=/api/", "HttpOnly"]
    if request.url.scheme == "https" or request.url.hostname in LOOPBACK:
        # The widget calls us from the publisher's pages, a third-party context: browsers
        # keep such a cookie only as SameSite=None; Secure, and with third-party cookies
        # phased out only when Partitioned (CHIPS), i.e. kept per publisher site.
        attributes += ["Secure", "SameSite=None", "Partitioned"]
    else:
        attributes.append("SameSite=Lax")
    # Litestar's Cookie has no Partitioned attribute, so the header is written whole.
    response.headers["Set-Cookie"] = "; ".join(attributes)


def page_origin(request: Request[Any, Any, Any]) -> str | None:
    """The browser page's origin when it differs from ours; our own pages are first-party."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin or None
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    return None if origin == own else origin


def caller_from(
    request: Request[Any, Any, Any],
    voter: str | None = None,
    *,
    staff: bool = False,
    reader: Reader | None = None,
    new_voter: bool = False,
) -> Caller:
    """The ``Caller`` the services need, from one request (``staff``: it carried a valid staff
    session, checked by ``rostra.web.api.staff_auth.is_staff_request``; ``reader``: a signed-in
    reader, checked by ``rostra.web.api.accounts.signed_in_reader``, who votes as the account)."""
    client = request.client
    return Caller(
        reader=reader,
        voter=reader.voter if reader else f"v:{voter}" if voter else None,
        ip=client.host if client else None,
        origin=page_origin(request),
        edit_token=request.headers.get("x-edit-token"),
        staff=staff,
        new_voter=new_voter,
    )
