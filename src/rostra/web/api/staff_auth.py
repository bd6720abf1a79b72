"""Staff sign-in: the signed ``rostra_staff`` cookie, CSRF checks and the session endpoints."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, delete, get, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers import BaseRouteHandler

from rostra.domain.staff import CsrfError, NotSignedInError, StaffUser
from rostra.services.moderation import ModerationService
from rostra.services.registry import Services
from rostra.services.staff import SESSION_LIFETIME, StaffService, StaffSession
from rostra.web.decoding import Body, decode
from rostra.web.errors import STAFF_ERROR_RESPONSES
from rostra.web.identity import LOOPBACK, session_signer, signed_session
from rostra.web.schemas import StaffSessionOut, StaffSignInIn, StaffUserOut

STAFF_COOKIE = "rostra_staff"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def staff_service(services: Services) -> StaffService:
    """The staff service (always wired by ``bootstrap``)."""
    if services.staff is None:  # pragma: no cover - a wiring bug
        raise RuntimeError("StaffService is not wired")
    return services.staff


def moderation_service(services: Services) -> ModerationService:
    """The moderation service (always wired by ``bootstrap``)."""
    if services.moderation is None:  # pragma: no cover - a wiring bug
        raise RuntimeError("ModerationService is not wired")
    return services.moderation


def session_token(request: Request[Any, Any, Any], services: Services) -> str | None:
    """The session id in a valid, unexpired signed cookie, else None."""
    lifetime = int(SESSION_LIFETIME.total_seconds())
    return signed_session(request, services.keyring, STAFF_COOKIE, "staff", lifetime)


async def staff_first(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard of the staff API: the session (and, on writes, its CSRF token) is
    checked before the body is read, so an anonymous caller learns nothing of a body's shape.
    The handlers still ask ``current_staff`` for the user."""
    assert isinstance(connection, Request)  # noqa: S101 - guards of HTTP routes get the request
    await current_staff(connection, connection.app.state["services"])


STAFF_GUARDS = [staff_first]


def set_session_cookie(
    request: Request[Any, Any, Any], response: Response[Any], services: Services, token: str
) -> None:
    """``rostra_staff``: HttpOnly, SameSite=Strict, Secure over https, 12 hours."""
    response.set_cookie(
        STAFF_COOKIE,
        session_signer(services.keyring, "staff").dumps(token),
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https" or request.url.hostname in LOOPBACK,
    )


def clear_session_cookie(response: Response[Any]) -> None:
    """Tell the browser to forget the staff cookie."""
    response.delete_cookie(STAFF_COOKIE, path="/")


async def current_staff(
    request: Request[Any, Any, Any], services: Services, *, csrf: str | None = None
) -> tuple[StaffUser, str]:
    """The signed-in staff member and the session token; raises 401 without a session and
    403 ``csrf_failed`` when a state-changing request lacks the session's CSRF token
    (``csrf`` is a form field's value; scripts send the ``X-CSRF-Token`` header)."""
    staff = staff_service(services)
    token = session_token(request, services)
    user = await staff.session_user(token)
    assert token is not None  # noqa: S101 - session_user refuses a missing token
    if request.method not in SAFE_METHODS:
        presented = request.headers.get(CSRF_HEADER) or csrf
        if not staff.csrf_matches(token, presented):
            raise CsrfError(
                "The CSRF token is missing or wrong; reload the page and try again.",
                field=CSRF_HEADER,
            )
    return user, token


async def is_staff_request(request: Request[Any, Any, Any], services: Services) -> bool:
    """True when the request carries a live staff session (a staff reply)."""
    if services.staff is None or STAFF_COOKIE not in request.cookies:
        return False
    try:
        await services.staff.session_user(session_token(request, services))
    except NotSignedInError:
        return False
    return True


async def is_acting_staff(request: Request[Any, Any, Any], services: Services) -> bool:
    """True when a live staff session *and* its CSRF token (``X-CSRF-Token``) came with a
    state-changing request: staff may then edit or delete any comment. Without the
    token the request is judged as a reader's (the author's edit token still works)."""
    if not await is_staff_request(request, services):
        return False
    token = session_token(request, services)
    return token is not None and staff_service(services).csrf_matches(
        token, request.headers.get(CSRF_HEADER)
    )


def user_out(user: StaffUser) -> StaffUserOut:
    """A staff account for the API."""
    return StaffUserOut(email=user.email, role=user.role.value, has_totp=user.has_totp)


def session_out(session: StaffSession, services: Services) -> StaffSessionOut:
    """The session answer: who, and the CSRF token."""
    return StaffSessionOut(user=user_out(session.user), csrf_token=session.csrf_token)


# POST /api/v1/moderation/session
@post(
    "/api/v1/moderation/session",
    status_code=200,
    summary="Staff sign-in",
    tags=["moderation"],
    responses=STAFF_ERROR_RESPONSES,
)
async def sign_in(
    request: Request[Any, Any, Any], data: Body[StaffSignInIn], services: NamedDependency[Services]
) -> Response[StaffSessionOut]:
    """Email and password (and ``totp`` when the account has one); sets the ``rostra_staff``
    cookie and answers the CSRF token for later state-changing requests."""
    incoming = decode(data, StaffSignInIn)
    client = request.client
    session = await staff_service(services).sign_in(
        incoming.email, incoming.password, client.host if client else None, incoming.totp
    )
    response: Response[StaffSessionOut] = Response(session_out(session, services))
    set_session_cookie(request, response, services, session.token)
    return response


# GET /api/v1/moderation/session
@get(
    "/api/v1/moderation/session",
    summary="The signed-in staff member",
    tags=["moderation"],
    responses=STAFF_ERROR_RESPONSES,
)
async def whoami(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> StaffSessionOut:
    """Who is signed in, and the session's CSRF token; 401 without a session."""
    user, token = await current_staff(request, services)
    return StaffSessionOut(
        user=user_out(user), csrf_token=staff_service(services).csrf_token(token)
    )


# DELETE /api/v1/moderation/session
@delete(
    "/api/v1/moderation/session",
    status_code=204,
    summary="Staff sign-out",
    tags=["moderation"],
    responses=STAFF_ERROR_RESPONSES,
)
async def sign_out(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[None]:
    """Ends the session on the server and clears the cookie (needs the CSRF token)."""
    _, token = await current_staff(request, services)
    await staff_service(services).sign_out(token)
    response: Response[None] = Response(None, status_code=204)
    clear_session_cookie(response)
    return response
