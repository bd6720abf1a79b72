"""``/dsa/appeal``: the plain page where the author of a removed comment appeals the decision
(EU DSA Art. 20), reached from the signed link in the statement-of-reasons mail.

Built like the notice page (``rostra.web.notice_page``): server-rendered, no script, the
strict page CSP, and a pre-session form token in a signed cookie and a hidden field. The
link's own token says which decision is appealed; a changed, expired or used one is refused
with a page naming the problem.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from jinja2 import Environment, PackageLoader, select_autoescape
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler

from rostra.domain.dsa import MAX_APPEAL, Statement
from rostra.domain.errors import DomainError
from rostra.domain.languages import translate, translate_sentence
from rostra.services.dsa_statements import DEFAULT_GROUNDS
from rostra.services.registry import Services
from rostra.web.api.dsa_appeals import RECEIVED, appeal_service
from rostra.web.errors import STATUS_BY_ERROR
from rostra.web.identity import LOOPBACK, caller_from
from rostra.web.page_language import page_language, page_words

PATH = "/dsa/appeal"
COOKIE = "rostra_appeal"
MAX_AGE = 2 * 3600  # time to write an appeal

_templates = Environment(
    loader=PackageLoader("rostra.web", "pages"), autoescape=select_autoescape(default=True)
)
_PAGE = _templates.get_template("appeal.html")


def _serializer(services: Services) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(services.keyring.digest("cookie", "appeal"), salt="appeal")


def _status(exc: DomainError) -> int:
    return next((c for kind, c in STATUS_BY_ERROR.items() if isinstance(exc, kind)), 400)


def _page(
    request: Request[Any, Any, Any],
    services: Services,
    lang: str,
    status: int = 200,
    **context: Any,
) -> Response[str]:
    csrf = secrets.token_urlsafe(32)
    context.setdefault("explanation", "")
    if context.get("error"):
        context["error"] = translate_sentence(lang, context["error"])
    if context.get("received"):
        context["received"] = translate(lang, context["received"])
    statement = context.get("statement")
    if statement is not None and statement.ground in DEFAULT_GROUNDS.values():
        # Rostra's own words for a removal without a reason; staff's stay as written.
        context["ground"] = translate(lang, statement.ground)
    elif statement is not None:
        context["ground"] = statement.ground
    html = _PAGE.render(path=PATH, csrf=csrf, max_appeal=MAX_APPEAL, **page_words(lang), **context)
    response = Response(
        html,
        status_code=status,
        media_type="text/html; charset=utf-8",
        # The link's token is in the address: never sent on to another site.
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )
    response.set_cookie(
        COOKIE,
        _serializer(services).dumps(csrf),
        max_age=MAX_AGE,
        path=PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https" or request.url.hostname in LOOPBACK,
    )
    return response


def _decision(statement: Statement) -> dict[str, Any]:
    return {"statement": statement}


# GET /dsa/appeal?token=<signed token>
@get(PATH, include_in_schema=False)
async def appeal_page(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[str]:
    """The decision appealed, and the form to explain why it is wrong, in the language of the
    mail's link (``lang``) or else the browser's."""
    lang = page_language(request, request.query_params.get("lang"))
    token = (request.query_params.get("token") or "")[:512]
    try:
        statement = await appeal_service(services).statement(token)
    except DomainError as exc:
        return _page(request, services, lang, _status(exc), error=exc.message, code=exc.code)
    return _page(request, services, lang, token=token, **_decision(statement))


# POST /dsa/appeal
@post(PATH, include_in_schema=False, status_code=200)
async def send_appeal_form(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[str]:
    """Store the appeal and confirm it, or show the form again with what is wrong."""
    form = await request.form()
    lang = page_language(request, form.get("lang"))
    token = str(form.get("token") or "")[:512]
    explanation = str(form.get("explanation") or "")
    service = appeal_service(services)
    try:
        statement = await service.statement(token)
    except DomainError as exc:
        return _page(request, services, lang, _status(exc), error=exc.message, code=exc.code)
    raw = request.cookies.get(COOKIE) or ""
    try:
        expected = _serializer(services).loads(raw, max_age=MAX_AGE)
    except BadSignature:
        expected = None
    presented = str(form.get("csrf_token") or "")
    if not isinstance(expected, str) or not hmac.compare_digest(
        expected.encode(), presented.encode()
    ):
        return _page(
            request,
            services,
            lang,
            403,
            token=token,
            explanation=explanation,
            error="The form expired or did not come from this page; send it again.",
            code="form_expired",
            **_decision(statement),
        )
    try:
        await service.appeal(token, explanation, caller_from(request))
    except DomainError as exc:
        return _page(
            request,
            services,
            lang,
            _status(exc),
            token=token,
            explanation=explanation,
            error=exc.message,
            code=exc.code,
            **_decision(statement),
        )
    return _page(request, services, lang, 201, received=RECEIVED)


ROUTES: list[HTTPRouteHandler] = [appeal_page, send_appeal_form]
