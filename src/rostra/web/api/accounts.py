"""Reader accounts: single sign-on, the ``rostra_reader`` session cookie with its
CSRF check, the reader's profile and history, and their data (export, deletion).

The widget runs on the publisher's pages and calls us cross-site, so the session cookie is
``SameSite=None; Secure; Partitioned`` and a browser sends it with any request to us, also one
another site forges. Every state-changing request that carries the cookie must therefore also
carry the session's CSRF token in ``X-CSRF-Token``, which only the widget learned (from the
sign-in answer or ``GET /api/v1/me``); :func:`signed_in_reader` is the one place that checks it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import QueryParameter

from rostra.domain.accounts import Reader, ReaderNotSignedInError
from rostra.domain.errors import ValidationError
from rostra.domain.staff import CsrfError
from rostra.services.accounts import SESSION_LIFETIME, AccountService, ReaderSession
from rostra.services.registry import Services
from rostra.web.decoding import Body, decode
from rostra.web.errors import ERROR_RESPONSES, MAIL_ERROR_RESPONSES
from rostra.web.identity import caller_from, session_signer, set_widget_cookie, signed_session
from rostra.web.schemas import (
    ClaimedOut,
    EmailLinkIn,
    EmailLinkSentOut,
    ErrorBody,
    ForgottenOut,
    ReaderCommentOut,
    ReaderHistoryOut,
    ReaderOut,
    ReaderSessionOut,
    SsoSignInIn,
)

READER_COOKIE = "rostra_reader"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ACCOUNT_ERROR_RESPONSES = {
    **ERROR_RESPONSES,
    401: ResponseSpec(
        data_container=ErrorBody,
        description="No reader session (`sign_in_required`), or a refused sign-in token "
        "(`token_expired`, `token_invalid`, `token_replayed`, … see docs/api.md).",
    ),
}


def account_service(services: Services) -> AccountService:
    """The account service (always wired by ``bootstrap``)."""
    if services.accounts is None:  # pragma: no cover - a wiring bug
        raise RuntimeError("AccountService is not wired")
    return services.accounts


def session_token(request: Request[Any, Any, Any], services: Services) -> str | None:
    """The session id in a valid, unexpired signed cookie, else None."""
    lifetime = int(SESSION_LIFETIME.total_seconds())
    return signed_session(request, services.keyring, READER_COOKIE, "reader", lifetime)


async def signed_in_reader(request: Request[Any, Any, Any], services: Services) -> Reader | None:
    """The reader of the request's session, or None for a guest (no cookie, or one whose
    session ended). A state-changing request with a live session needs the session's CSRF
    token in ``X-CSRF-Token``; without it this raises ``csrf_failed`` (403)."""
    if services.accounts is None or READER_COOKIE not in request.cookies:
        return None
    token = session_token(request, services)
    try:
        reader = await services.accounts.session_reader(token)
    except ReaderNotSignedInError:
        return None
    assert token is not None  # noqa: S101 - session_reader refuses a missing token
    if request.method not in SAFE_METHODS and not services.accounts.csrf_matches(
        token, request.headers.get(CSRF_HEADER)
    ):
        raise CsrfError(
            "The CSRF token is missing or wrong; sign in again or reload the page.",
            field=CSRF_HEADER,
        )
    return reader


async def current_reader(request: Request[Any, Any, Any], services: Services) -> tuple[Reader, str]:
    """The signed-in reader and the session token; 401 ``sign_in_required`` for guests."""
    reader = await signed_in_reader(request, services)
    token = session_token(request, services)
    if reader is None or token is None:
        raise ReaderNotSignedInError("Sign in first.", field=None)
    return reader, token


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def reader_out(reader: Reader) -> ReaderOut:
    """The account as its owner sees it."""
    return ReaderOut(
        id=reader.id,
        site=reader.site,
        name=reader.name,
        avatar=reader.avatar_url,
        email=reader.email,
        sign_in=reader.method.value,
    )


def _session_response(
    request: Request[Any, Any, Any], services: Services, session: ReaderSession
) -> Response[ReaderSessionOut]:
    response: Response[ReaderSessionOut] = Response(
        ReaderSessionOut(
            reader=reader_out(session.reader),
            csrf_token=session.csrf_token,
            expires_at=_time(session.expires_at) or "",
        )
    )
    set_widget_cookie(
        request,
        response,
        READER_COOKIE,
        session_signer(services.keyring, "reader").dumps(session.token),
        int(SESSION_LIFETIME.total_seconds()),
    )
    return response


# POST /api/v1/auth/sso
@post(
    "/api/v1/auth/sso",
    status_code=200,
    summary="Sign a reader in with the publisher's token",
    tags=["accounts"],
    responses=ACCOUNT_ERROR_RESPONSES,
)
async def sign_in_with_sso(
    request: Request[Any, Any, Any], data: Body[SsoSignInIn], services: NamedDependency[Services]
) -> Response[ReaderSessionOut]:
    """Checks the JWT the publisher signed for this reader (audience: the site), creates or
    updates the account, sets the ``rostra_reader`` cookie and answers the CSRF token."""
    incoming = decode(data, SsoSignInIn)
    session = await account_service(services).sign_in_with_sso(
        incoming.site,
        incoming.token,
        caller_from(request),  # the site's pages only
    )
    return _session_response(request, services, session)


# POST /api/v1/auth/email
@post(
    "/api/v1/auth/email",
    status_code=202,
    summary="Email a reader a single-use sign-in link",
    tags=["accounts"],
    responses={**ACCOUNT_ERROR_RESPONSES, **MAIL_ERROR_RESPONSES},
)
async def request_email_link(
    request: Request[Any, Any, Any], data: Body[EmailLinkIn], services: NamedDependency[Services]
) -> EmailLinkSentOut:
    """For sites that offer it: mails a link back to ``page_url`` that signs the reader in
    (once, within 15 minutes). The answer is the same whether or not the address has an account."""
    incoming = decode(data, EmailLinkIn)
    client = request.client
    await account_service(services).request_email_link(
        incoming.site,
        incoming.email,
        incoming.name,
        incoming.page_url,
        client.host if client else None,
        incoming.lang,
    )
    return EmailLinkSentOut("sent")


# POST /api/v1/auth/email/redeem
@post(
    "/api/v1/auth/email/redeem",
    status_code=200,
    summary="Sign in with a mailed link's token",
    tags=["accounts"],
    responses=ACCOUNT_ERROR_RESPONSES,
)
async def redeem_email_link(
    request: Request[Any, Any, Any], data: Body[SsoSignInIn], services: NamedDependency[Services]
) -> Response[ReaderSessionOut]:
    """The token from the link's ``#rostra-signin=`` fragment; opens a session like SSO does."""
    incoming = decode(data, SsoSignInIn)
    session = await account_service(services).sign_in_with_link(incoming.site, incoming.token)
    return _session_response(request, services, session)


# GET /api/v1/me
@get(
    "/api/v1/me",
    summary="The signed-in reader",
    tags=["accounts"],
    responses=ACCOUNT_ERROR_RESPONSES,
)
async def whoami(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> ReaderSessionOut:
    """Who is signed in, and the session's CSRF token; 401 ``sign_in_required`` for guests."""
    reader, token = await current_reader(request, services)
    accounts = account_service(services)
    return ReaderSessionOut(reader_out(reader), accounts.csrf_token(token), expires_at="")


# DELETE /api/v1/auth/session
@delete(
    "/api/v1/auth/session",
    status_code=204,
    summary="Sign the reader out",
    tags=["accounts"],
    responses=ACCOUNT_ERROR_RESPONSES,
)
async def sign_out(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[None]:
    """Ends the session and clears the cookie (needs the CSRF token)."""
    _, token = await current_reader(request, services)
    await account_service(services).sign_out(token)
    response: Response[None] = Response(None, status_code=204)
    set_widget_cookie(request, response, READER_COOKIE, "", 0)
    return response


# GET /api/v1/me/comments
@get(
    "/api/v1/me/comments",
    summary="The signed-in reader's comments",
    tags=["accounts"],
    responses=ACCOUNT_ERROR_RESPONSES,
)
async def my_comments(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    before: Annotated[
        str | None, QueryParameter(description="next_before of the previous page")
    ] = None,
    limit: Annotated[int, QueryParameter(description="comments per page, 1-100")] = 50,
) -> ReaderHistoryOut:
    """The reader's comments on their site, newest first (deleted ones left out)."""
    reader, _ = await current_reader(request, services)
    moment = None
    if before is not None:
        try:
            moment = datetime.fromisoformat(before.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(
                "'before' must be a time as given in next_before.", field="before"
            ) from None
        if moment.tzinfo is None:
            raise ValidationError("'before' needs a time zone.", field="before")
    found = await account_service(services).history(reader, moment, limit)
    return ReaderHistoryOut(
        comments=[
            ReaderCommentOut(
                id=item.id,
                site=item.site,
                page=item.page,
                parent_id=item.parent_id,
                status=item.status,
                body=item.body,
                created_at=_time(item.created_at) or "",
                edited_at=_time(item.edited_at),
            )
            for item in found
        ],
        next_before=_time(found[-1].created_at) if len(found) == limit else None,
    )


# POST /api/v1/me/claim
@post(
    "/api/v1/me/claim",
    status_code=200,
    summary="Claim guest comments written with the account's address",
    tags=["accounts"],
    responses=ACCOUNT_ERROR_RESPONSES,
)
async def claim_comments(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> ClaimedOut:
    """Guest comments on the site with the account's (verified) address join the account."""
    reader, _ = await current_reader(request, services)
    return ClaimedOut(await account_service(services).claim_comments(reader))


# GET /api/v1/me/export
@get(
    "/api/v1/me/export",
    summary="Everything stored about the signed-in reader",
    tags=["accounts"],
    responses=ACCOUNT_ERROR_RESPONSES,
)
async def export_my_data(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[dict[str, Any]]:
    """The account, comments, votes and subscriptions as one JSON document."""
    reader, _ = await current_reader(request, services)
    data = await account_service(services).export(reader)
    return Response(
        data,
        headers={
            "Content-Disposition": 'attachment; filename="rostra-my-data.json"',
            "Cache-Control": "no-store",
        },
    )


# DELETE /api/v1/me
@delete(
    "/api/v1/me",
    status_code=200,
    summary="Delete the signed-in reader's account and personal data",
    tags=["accounts"],
    responses=ACCOUNT_ERROR_RESPONSES,
)
async def forget_me(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[ForgottenOut]:
    """Deletes the account; comments are removed or anonymized as the site's policy says."""
    reader, _ = await current_reader(request, services)
    report = await account_service(services).forget(reader.id, actor="reader")
    response: Response[ForgottenOut] = Response(
        ForgottenOut(
            comments_removed=report.comments_removed,
            comments_anonymized=report.comments_anonymized,
            votes_unlinked=report.votes_unlinked,
            subscriptions_deleted=report.addresses_forgotten,
        )
    )
    set_widget_cookie(request, response, READER_COOKIE, "", 0)
    return response
