"""The one place where failures become HTTP answers of the contract's error shape."""

from __future__ import annotations

import math
import re
from typing import Any

import structlog
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotFoundException,
    ValidationException,
)
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from rostra.domain.accounts import ReaderNotSignedInError, TokenRejectedError
from rostra.domain.campaigns import PaymentProviderError, PaymentsDisabledError
from rostra.domain.errors import (
    CommentRejectedError,
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationError,
)
from rostra.domain.images import ImageTooLargeError, UnsupportedImageError
from rostra.domain.languages import preferred_language, reader_language, translate_sentence
from rostra.domain.oidc import OidcProviderUnavailableError
from rostra.domain.staff import NotSignedInError
from rostra.domain.subscriptions import LinkError, NotificationsDisabledError
from rostra.web.decoding import BODY_LANGUAGE
from rostra.web.schemas import Error, ErrorBody

log = structlog.get_logger("rostra.web")

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    TokenRejectedError: 401,  # A refused single sign-on token; `code` says why
    ReaderNotSignedInError: 401,  # reader endpoints without a session
    NotSignedInError: 401,  # staff endpoints without a session
    ValidationError: 400,
    PermissionDeniedError: 403,
    NotFoundError: 404,
    ConflictError: 409,
    CommentRejectedError: 422,
    RateLimitedError: 429,
    ImageTooLargeError: 413,
    UnsupportedImageError: 415,
    NotificationsDisabledError: 503,  # no ROSTRA_SMTP_URL
    LinkError: 400,  # expired or tampered signed links
    PaymentsDisabledError: 503,  # no payment provider keys
    PaymentProviderError: 502,  # the provider failed
    OidcProviderUnavailableError: 502,  # the OIDC provider failed
}
CODE_BY_STATUS = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}
# msgspec says where a value failed as "... - at `$.anchor.exact`" or "... - at `$[0]`".
MISSING_PARAMETER = re.compile(r"Missing required \w* ?parameter '([^']+)'")


# Staff read English: their API and the dashboard's own pages answer in it.
STAFF_PATHS = ("/api/v1/moderation", "/admin")


def request_language(request: Request[Any, Any, Any]) -> str:
    """The reader's language for this request: the ``lang`` of its body (the widget's), else
    the first of ``Accept-Language`` that Rostra speaks (the widget sends the page's language
    there on every call); "" for English."""
    asked = request.scope.get("state", {}).get(BODY_LANGUAGE)
    if asked:
        try:
            lang = reader_language(asked)
        except DomainError:  # a bad 'lang' is itself the error being answered
            lang = ""
        if lang or str(asked).lower().startswith("en"):
            return lang
    return preferred_language(request.headers.get("accept-language"))


def reader_message(request: Request[Any, Any, Any], message: str) -> str:
    """``message`` in the reader's language (``request_language``); English for staff. Only
    the sentence changes; ``code`` and ``field`` are what clients key on."""
    if request.url.path.startswith(STAFF_PATHS):
        return message
    return translate_sentence(request_language(request), message)


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None,
    headers: dict[str, str] | None = None,
    retry_after: int | None = None,
) -> Response[Any]:
    """An error answer in the contract's shape."""
    return Response(
        ErrorBody(Error(code=code, message=message, field=field, retry_after=retry_after)),
        status_code=status,
        headers=headers,
        media_type="application/json",
    )


def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    """Expected failures raised by the services."""
    status = next((code for kind, code in STATUS_BY_ERROR.items() if isinstance(exc, kind)), 400)
    headers = None
    retry_after = None
    if isinstance(exc, RateLimitedError):
        retry_after = math.ceil(exc.retry_after)
        headers = {"Retry-After": str(retry_after)}
    message = reader_message(request, exc.message)
    return error_response(
        status, exc.code, message, exc.field, headers=headers, retry_after=retry_after
    )


ERROR_RESPONSES = {
    status: ResponseSpec(data_container=ErrorBody, description=description)
    for status, description in (
        (400, "A field breaks a rule or has the wrong type; `field` names it."),
        (403, "Not allowed: wrong edit token, closed edit window, or a foreign page origin."),
        (404, "Unknown site or comment."),
        (413, "The request body is too large."),
        (422, "Screening refused the comment; `message` tells the author why."),
        (429, "Too many requests from this reader; `Retry-After` says when to try again."),
    )
}
# The staff API (the fuzzing found 401 undeclared): no staff session, or it ended.
STAFF_ERROR_RESPONSES = {
    **ERROR_RESPONSES,
    401: ResponseSpec(
        data_container=ErrorBody,
        description="No staff session, or it ended (`unauthorized`); or, when signing in, "
        "wrong credentials (`invalid_credentials`) or a missing code (`totp_required`).",
    ),
}
# Image uploads (the access matrix met an undeclared 415).
IMAGE_ERROR_RESPONSES = {
    **ERROR_RESPONSES,
    415: ResponseSpec(
        data_container=ErrorBody,
        description="The bytes are not a JPEG, PNG, WebP or GIF image (`unsupported_image_type`).",
    ),
}
# Endpoints that need email: the server runs without ROSTRA_SMTP_URL.
MAIL_ERROR_RESPONSES = {
    **ERROR_RESPONSES,
    503: ResponseSpec(
        data_container=ErrorBody,
        description="Email notifications are not enabled on this server "
        "(`notifications_disabled`).",
    ),
}


def handle_validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """Litestar's query, path and header parameter errors (bodies are decoded strictly by
    ``rostra.web.decoding``), reduced to one field and one sentence."""
    details = exc.extra if isinstance(exc.extra, list) else []
    first = details[0] if details and isinstance(details[0], dict) else {}
    message = str(first.get("message") or exc.detail or "The request is not valid.")
    field: str | None = first.get("key") or None
    if field == "data":  # Litestar's name for a missing or unreadable body
        message = reader_message(request, "The request needs a JSON object as its body.")
        return error_response(400, "invalid", message, None)
    if missing := MISSING_PARAMETER.search(message):
        field = missing.group(1)
        message = f"'{field}' is required"
    return error_response(400, "invalid", reader_message(request, message.rstrip(".") + "."), field)


def handle_http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """Framework errors (unknown route, wrong method, body too large) in the contract's shape."""
    status = exc.status_code
    code = CODE_BY_STATUS.get(status, "error")
    message = exc.detail
    if isinstance(exc, NotFoundException) and message in ("Not Found", ""):
        message = f"Nothing at {request.url.path}."
    elif status == 413:
        message = "The request body is too large."
    return error_response(status, code, reader_message(request, message), None, headers=exc.headers)


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A bug: log it with its traceback, tell the client nothing internal."""
    if isinstance(exc, RecursionError):
        # Input nested too deep for some parser (JSON is refused before it gets
        # there): the client's doing, so one line without the traceback, which ran to 60 KB.
        log.warning("input_too_deep", path=request.url.path, method=request.method)
        message = reader_message(request, "The request is nested too deeply.")
        return error_response(400, "invalid", message, None)
    log.exception("unhandled_error", path=request.url.path, method=request.method)
    return error_response(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "internal_error",
        reader_message(request, "Something went wrong on our side; it has been logged."),
        None,
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: handle_domain_error,
    ValidationException: handle_validation,
    HTTPException: handle_http_error,
    Exception: handle_unexpected,
}
