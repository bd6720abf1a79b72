"""``/dsa/notice``: the plain page where anyone reports illegal content (EU DSA Art. 16).

The widget's "Report illegal content" links here with the comment's id. A server-rendered
form, no script: the page's CSP (``rostra.web.middleware.security_headers``) allows forms to
post only to this server, and a pre-session token (random, in a signed cookie and a hidden
field; both must come back) keeps other sites from posting it in a visitor's name.
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

from rostra.domain.dsa import MAX_EXPLANATION, MAX_NAME, NOTICE_CATEGORIES
from rostra.domain.errors import DomainError
from rostra.domain.languages import translate, translate_sentence
from rostra.services.dsa import NoticeForm
from rostra.services.registry import Services
from rostra.web.api.dsa import acknowledgement_text, dsa_service
from rostra.web.errors import STATUS_BY_ERROR
from rostra.web.identity import LOOPBACK, caller_from
from rostra.web.page_language import page_language, page_words

PATH = "/dsa/notice"
COOKIE = "rostra_notice"
MAX_AGE = 2 * 3600  # time to write a notice

_templates = Environment(
    loader=PackageLoader("rostra.web", "pages"), autoescape=select_autoescape(default=True)
)
_PAGE = _templates.get_template("notice.html")


def _serializer(services: Services) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(services.keyring.digest("cookie", "notice"), salt="notice")


async def _excerpt(services: Services, comment_id: str) -> str:
    return await dsa_service(services).reportable_text(comment_id) or ""


def _page(
    request: Request[Any, Any, Any],
    services: Services,
    lang: str,
    status: int = 200,
    **context: Any,
) -> Response[str]:
    token = secrets.token_urlsafe(32)
    context.setdefault("form", {"category": "", "explanation": "", "name": "", "email": ""})
    if context.get("error"):
        context["error"] = translate_sentence(lang, context["error"])
    html = _PAGE.render(
        path=PATH,
        csrf=token,
        categories=[(key, translate(lang, label)) for key, label in NOTICE_CATEGORIES.items()],
        **page_words(lang),
        max_explanation=MAX_EXPLANATION,
        max_name=MAX_NAME,
        **context,
    )
    response = Response(
        html,
        status_code=status,
        media_type="text/html; charset=utf-8",
        headers={"Cache-Control": "no-store", "Referrer-Policy": "same-origin"},
    )
    response.set_cookie(
        COOKIE,
        _serializer(services).dumps(token),
        max_age=MAX_AGE,
        path=PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https" or request.url.hostname in LOOPBACK,
    )
    return response


# GET /dsa/notice?comment=<id>
@get(PATH, include_in_schema=False)
async def notice_page(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[str]:
    """The notice form for one comment, in the widget's language (``lang``) or the browser's."""
    lang = page_language(request, request.query_params.get("lang"))
    comment = (request.query_params.get("comment") or "")[:64]
    excerpt = await _excerpt(services, comment)
    if not excerpt:
        return _page(
            request, services, lang, 404, comment=comment, error="There is no such comment."
        )
    return _page(request, services, lang, comment=comment, excerpt=excerpt)


# POST /dsa/notice
@post(PATH, include_in_schema=False, status_code=200)
async def send_notice_form(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[str]:
    """Store the notice and show its reference, or the form again with what is wrong."""
    form = await request.form()
    lang = page_language(request, form.get("lang"))
    fields = {k: str(form.get(k) or "") for k in ("category", "explanation", "name", "email")}
    comment = str(form.get("comment") or "")[:64]
    excerpt = await _excerpt(services, comment)
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
            comment=comment,
            excerpt=excerpt,
            form=fields,
            error="The form expired or did not come from this page; send it again.",
        )
    try:
        ack = await dsa_service(services).submit(
            NoticeForm(
                comment,
                fields["category"] or None,
                fields["explanation"],
                fields["name"],
                fields["email"],
                form.get("good_faith") == "yes",
                lang,
            ),
            caller_from(request),
        )
    except DomainError as exc:
        status = next((c for kind, c in STATUS_BY_ERROR.items() if isinstance(exc, kind)), 400)
        return _page(
            request,
            services,
            lang,
            status,
            comment=comment,
            excerpt=excerpt,
            form=fields,
            error=exc.message,
        )
    message = acknowledgement_text(ack, lang)
    return _page(request, services, lang, 201, reference=ack.notice.id, message=message)


ROUTES: list[HTTPRouteHandler] = [notice_page, send_notice_form]
