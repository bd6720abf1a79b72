"""The moderator dashboard at ``/admin``: Jinja2 pages, HTML forms with CSRF tokens, one small
script served as a file (the CSP allows no inline scripts)."""

from __future__ import annotations

import hmac
import secrets
from contextvars import ContextVar
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, urlencode

from itsdangerous import BadSignature, URLSafeTimedSerializer
from jinja2 import Environment, PackageLoader, select_autoescape
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.response import Redirect

from rostra.domain.errors import DomainError, PermissionDeniedError
from rostra.domain.languages import (
    LANGUAGES,
    RIGHT_TO_LEFT,
    preferred_language,
    translate_sentence,
)
from rostra.domain.moderation import ModerationMode, ModerationSettings, Reason
from rostra.domain.staff import (
    LEARN_CATEGORIES,
    BanKind,
    NotSignedInError,
    StaffUser,
    learn_category,
)
from rostra.domain.subscriptions import article_url
from rostra.services.moderation import Decision
from rostra.services.registry import Services
from rostra.services.staff import SecondFactorChallenge
from rostra.web.api.staff_auth import (
    clear_session_cookie,
    current_staff,
    moderation_service,
    session_token,
    set_session_cookie,
    staff_service,
)
from rostra.web.errors import STATUS_BY_ERROR
from rostra.web.identity import LOOPBACK

ADMIN_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
STATIC = {"admin.js": "text/javascript", "admin.css": "text/css"}

templates = Environment(
    loader=PackageLoader("rostra.web.admin", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


# The dashboard speaks the staff member's language: the one chosen in its language menu (a
# cookie), else the browser's. Set for each request before its handler runs, so every page,
# banner and error page renders in it without each route passing it along.
LANGUAGE_COOKIE = "rostra_admin_lang"
LANGUAGE_NAMES = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "it": "Italiano",
    "pt": "Português",
    "pl": "Polski",
    "ru": "Русский",
    "uk": "Українська",
    "ar": "العربية",
}
_language: ContextVar[str] = ContextVar("dashboard_language", default="")
_here: ContextVar[str] = ContextVar("dashboard_page", default="/admin")


async def dashboard_language(request: Request[Any, Any, Any]) -> None:
    """Before each handler: the language of the dashboard page it may render."""
    if not request.url.path.startswith("/admin"):
        return
    _here.set(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        _language.set("" if chosen == "en" else chosen)
    else:
        _language.set(preferred_language(request.headers.get("accept-language")))


def t(text: Any, **values: object) -> Any:
    """``text`` (English, as the templates and labels write it) in the page's language;
    autoescaping happens in the template, after the values are in."""
    if not isinstance(text, str):  # a label looked up from data: shown as it is
        return text
    found = translate_sentence(_language.get(), text)
    return found % values if values else found


templates.globals["t"] = t


def _headers() -> dict[str, str]:
    return {
        "Content-Security-Policy": ADMIN_CSP,
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-store",
    }


def render(name: str, status: int = 200, **context: Any) -> Response[str]:
    """A dashboard page."""
    lang = _language.get()
    body = templates.get_template(f"{name}.html").render(
        lang=lang or "en",
        rtl=lang in RIGHT_TO_LEFT,
        languages=LANGUAGE_NAMES,
        here=_here.get(),
        **context,
    )
    return Response(
        body, status_code=status, media_type="text/html; charset=utf-8", headers=_headers()
    )


def redirect(path: str, **query: str) -> Response[Any]:
    """A 303 to another dashboard page (after a form post)."""
    target = f"{path}?{urlencode(query)}" if query else path
    return Redirect(target, status_code=303, headers=_headers())


def _status(exc: DomainError) -> int:
    return next((code for kind, code in STATUS_BY_ERROR.items() if isinstance(exc, kind)), 400)


RULE_NAMES = {
    "banned_words": "Banned words",
    "watched_words": "Watched words",
    "links": "Too many links",
    "duplicate": "Repeated text",
    "honeypot": "Bot trap",
    "too_fast": "Sent too fast",
    "mode": "Review",
    "staff": "Staff",
    "thread": "Article",
}


def describe(reason: Reason) -> str:
    """A screening reason as an editor reads it: the screen's category, score and the words
    that weighed most ("Screen: threat 0.93 (kids, school)"), or the rule and what it found."""
    if reason.rule.startswith("model:"):
        return str(t("Screen: %(detail)s", detail=reason.detail.replace("_", " ")))
    return f"{t(RULE_NAMES.get(reason.rule, reason.rule))}: {reason.detail}"


async def _staff(
    request: Request[Any, Any, Any], services: Services, csrf: str | None = None
) -> tuple[StaffUser, str]:
    return await current_staff(request, services, csrf=csrf)


async def _form(request: Request[Any, Any, Any]) -> Any:
    return await request.form()


# The screen's categories as editors read them (queue's "reject and learn", settings).
SCREEN_CATEGORIES = {
    "threat": "Threat",
    "violence": "Call to violence",
    "dehumanization": "Dehumanization",
    "insult": "Insult or harassment",
    "sexual_harassment": "Sexual harassment",
    "self_harm": "Urging self-harm",
    "personal_data": "Personal data (doxxing)",
    "spam": "Spam or scam",
}


# What readers said a reported comment is (domain.staff.REPORT_CATEGORIES), in editors' words.
REPORT_LABELS = {
    "spam": "Spam",
    "abuse": "Abuse or harassment",
    "off_topic": "Off topic",
    "misinformation": "False information",
    "other": "Something else",
}
# The audit log's actions and a comment's state as editors read them.
ACTION_WORDS = {
    "sign_in": "Signed in",
    "sign_out": "Signed out",
    "sign_in_failed": "Sign-in failed",
    "approve": "Approved",
    "reject": "Rejected",
    "spam": "Marked as spam",
    "ban": "Banned the author",
    "unban": "Lifted a ban",
    "pin": "Pinned",
    "unpin": "Unpinned",
    "settings": "Changed site settings",
    "learn": "Taught the screen",
    "campaign": "Changed a campaign",
    "donation": "Recorded a donation",
    "forget_reader": "Deleted a reader's account",
}
STATUS_WORDS = {"pending": "held", "published": "published, reported"}
DONE_WORDS = {"approve": "Approved.", "reject": "Rejected.", "spam": "Marked as spam."}


def _page_context(user: StaffUser, token: str, services: Services, page: str) -> dict[str, Any]:
    return {
        "user": user,
        "csrf": staff_service(services).csrf_token(token),
        "page": page,
        "screen_categories": [(c, SCREEN_CATEGORIES[c]) for c in LEARN_CATEGORIES],
        "report_labels": REPORT_LABELS,
        "status_words": STATUS_WORDS,
        "action_words": ACTION_WORDS,
        "category_words": SCREEN_CATEGORIES,
    }


# GET /admin
@get("/admin", include_in_schema=False)
async def queue_page(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    """The queue: held and reported comments with their reasons, filters and actions."""
    try:
        user, token = await _staff(request, services)
    except NotSignedInError:
        return redirect("/admin/sign-in")
    site = request.query_params.get("site") or None
    q = request.query_params.get("q") or None
    try:
        offset = max(0, int(request.query_params.get("offset") or 0))
    except ValueError:
        offset = 0
    limit = 50
    context = _page_context(user, token, services, "queue")
    items: list[Any] = []
    next_offset = None
    try:
        page = await moderation_service(services).queue(
            user, site=site, search=q, limit=limit, offset=offset
        )
        items, next_offset = page.items, page.next_offset
    except DomainError as exc:
        context["error"] = exc.message
    decisions = {item.comment.id: [describe(r) for r in item.screening] for item in items}
    sites = await services.sites.list_sites()
    origins = {s.name: s.origins for s in sites}
    # A page is linked only as the article's address on its site (a path joined to
    # the site's origin, or an http(s) address), never as written: an imported identifier
    # such as "javascript:…" stays text.
    links = {item.comment.id: article_url(origins.get(item.site, ()), item.page) for item in items}
    return render(
        "queue",
        items=items,
        decisions=decisions,
        links=links,
        sites=sites,
        site=site,
        q=q,
        back=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
        next_offset=next_offset,
        message=request.query_params.get("message"),
        **context,
    )


# "Ban author" by: the form's choice -> what is banned.
BAN_CHOICES = {
    "email": [BanKind.EMAIL],
    "ip": [BanKind.IP],
    "both": [BanKind.EMAIL, BanKind.IP],
}
BAN_DONE = {
    "email": "The author is banned by email address.",
    "ip": "The author is banned by network address.",
    "both": "The author is banned by email and network address.",
}


def _without_message(back: str) -> str:
    """``back`` without the ``message`` of an earlier action."""
    path, _, query = back.partition("?")
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "message"]
    return f"{path}?{urlencode(kept)}" if kept else path


# POST /admin/decide
@post("/admin/decide", include_in_schema=False, status_code=303)
async def decide(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    """Approve, reject, spam or ban one comment (``single``), or decide the selected ones."""
    form = await _form(request)
    try:
        user, _ = await _staff(request, services, form.get("csrf_token"))
    except NotSignedInError:
        return redirect("/admin/sign-in")
    except PermissionDeniedError as exc:
        return render("error", _status(exc), heading=exc.message, user=None)
    back = form.get("back") or "/admin"
    if not back.startswith("/admin"):
        back = "/admin"
    back = _without_message(back)  # the banner shows this action's result, not the last one's
    reason = form.get("reason") or None
    moderation = moderation_service(services)
    single = form.get("single") or ""
    try:
        if single:
            action, _, comment_id = single.partition(":")
            if action == "ban":
                days_text = form.get(f"days:{comment_id}") or ""
                days = int(days_text) if days_text.isdigit() else None
                by = BAN_CHOICES.get(form.get(f"by:{comment_id}") or "email")
                if by is None:
                    raise ValueError(form.get(f"by:{comment_id}"))
                await moderation.ban(user, comment_id, by, days=days, reason=reason)
                message = t(BAN_DONE[form.get(f"by:{comment_id}") or "email"])
            elif action == "learn":
                chosen = form.get(f"learn:{comment_id}") or ""
                category = learn_category(chosen)
                if category is None:  # check before the comment is rejected
                    raise ValueError(chosen)
                await moderation.decide(user, comment_id, Decision.REJECT, reason)
                learned = await moderation.learn(user, comment_id, category)
                label = t(SCREEN_CATEGORIES.get(category, category))
                message = (
                    t("Rejected, and learned as %(category)s.", category=label)
                    if learned
                    else t(
                        "Rejected, and learned as %(category)s (stored for when the trained "
                        "screen is switched on).",
                        category=label,
                    )
                )
            else:
                await moderation.decide(user, comment_id, Decision(action), reason)
                message = t(DONE_WORDS[action])
        else:
            ids = form.getall("ids", [])
            result = await moderation.decide_many(
                user, ids, Decision(form.get("action") or ""), reason
            )
            message = t(
                "Done for %(done)s; failed for %(failed)s.",
                done=len(result.done),
                failed=len(result.failed),
            )
    except (DomainError, ValueError) as exc:
        message = exc.message if isinstance(exc, DomainError) else t("Unknown action.")
    separator = "&" if "?" in back else "?"
    return Redirect(
        f"{back}{separator}{urlencode({'message': message})}", status_code=303, headers=_headers()
    )


# The sign-in form has no session to bind a CSRF token to, so it gets a pre-session token:
# random, in a signed cookie and in a hidden field; a post must bring both (double submit), so
# another site cannot sign a browser in to an account of its choosing.
SIGN_IN_COOKIE = "rostra_sign_in"
SIGN_IN_MAX_AGE = 3600


def _sign_in_serializer(services: Services) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(services.keyring.digest("cookie", "sign-in"), salt="sign-in")


def _sign_in_form(
    request: Request[Any, Any, Any],
    services: Services,
    name: str,
    status: int = 200,
    **context: Any,
) -> Response[str]:
    """A sign-in step's page with a fresh pre-session token (cookie and hidden field)."""
    token = secrets.token_urlsafe(32)
    response = render(name, status, user=None, csrf=token, **context)
    response.set_cookie(
        SIGN_IN_COOKIE,
        _sign_in_serializer(services).dumps(token),
        max_age=SIGN_IN_MAX_AGE,
        path="/admin/sign-in",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https" or request.url.hostname in LOOPBACK,
    )
    return response


def _sign_in_token_matches(request: Request[Any, Any, Any], services: Services, form: Any) -> bool:
    raw = request.cookies.get(SIGN_IN_COOKIE) or ""
    try:
        expected = _sign_in_serializer(services).loads(raw, max_age=SIGN_IN_MAX_AGE)
    except BadSignature:
        return False
    presented = form.get("csrf_token") or ""
    return isinstance(expected, str) and hmac.compare_digest(expected.encode(), presented.encode())


EXPIRED_FORM = "The form expired or did not come from this page; try again."


# GET /admin/sign-in
@get("/admin/sign-in", include_in_schema=False)
async def sign_in_page(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    """The sign-in form."""
    return _sign_in_form(request, services, "sign_in")


# POST /admin/sign-in
@post("/admin/sign-in", include_in_schema=False, status_code=303)
async def sign_in(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    """Check email and password; the TOTP step follows when the account has one."""
    form = await _form(request)
    email = (form.get("email") or "")[:254]
    if not _sign_in_token_matches(request, services, form):
        return _sign_in_form(request, services, "sign_in", 403, error=t(EXPIRED_FORM), email=email)
    client = request.client
    try:
        session = await staff_service(services).sign_in(
            email, form.get("password") or "", client.host if client else None
        )
    except SecondFactorChallenge as challenge:
        return _sign_in_form(request, services, "totp", challenge=challenge.challenge)
    except DomainError as exc:
        return _sign_in_form(
            request, services, "sign_in", _status(exc), error=exc.message, email=email
        )
    response = redirect("/admin")
    set_session_cookie(request, response, services, session.token)
    return response


# POST /admin/sign-in/totp
@post("/admin/sign-in/totp", include_in_schema=False, status_code=303)
async def sign_in_totp(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    """The second step: the authenticator code."""
    form = await _form(request)
    client = request.client
    challenge = form.get("challenge") or ""
    if not _sign_in_token_matches(request, services, form):
        return _sign_in_form(request, services, "sign_in", 403, error=t(EXPIRED_FORM))
    try:
        session = await staff_service(services).complete_sign_in(
            challenge, form.get("code") or "", client.host if client else None
        )
    except DomainError as exc:
        return _sign_in_form(
            request, services, "totp", _status(exc), challenge=challenge, error=exc.message
        )
    response = redirect("/admin")
    set_session_cookie(request, response, services, session.token)
    return response


# POST /admin/sign-out
@post("/admin/sign-out", include_in_schema=False, status_code=303)
async def sign_out(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    """End the session."""
    form = await _form(request)
    try:
        await _staff(request, services, form.get("csrf_token"))
    except NotSignedInError:
        return redirect("/admin/sign-in")
    except PermissionDeniedError as exc:
        return render("error", _status(exc), heading=exc.message, user=None)
    token = session_token(request, services)
    if token:
        await staff_service(services).sign_out(token)
    response = redirect("/admin/sign-in")
    clear_session_cookie(response)
    return response


# GET /admin/audit
@get("/admin/audit", include_in_schema=False)
async def audit_page(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    """The audit log, newest first."""
    try:
        user, token = await _staff(request, services)
    except NotSignedInError:
        return redirect("/admin/sign-in")
    try:
        offset = max(0, int(request.query_params.get("offset") or 0))
    except ValueError:
        offset = 0
    entries = await moderation_service(services).audit_details(user, 100, offset)
    return render(
        "audit",
        entries=entries,
        next_offset=offset + 100 if len(entries) == 100 else None,
        **_page_context(user, token, services, "audit"),
    )


# GET /admin/bans
@get("/admin/bans", include_in_schema=False)
async def bans_page(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    """Bans in force, each with a "Lift" button."""
    try:
        user, token = await _staff(request, services)
    except NotSignedInError:
        return redirect("/admin/sign-in")
    bans = await moderation_service(services).ban_details(user)
    return render(
        "bans",
        bans=bans,
        message=request.query_params.get("message"),
        **_page_context(user, token, services, "bans"),
    )


# POST /admin/bans/{ban_id}/lift
@post("/admin/bans/{ban_id:int}/lift", include_in_schema=False, status_code=303)
async def lift_ban(
    request: Request[Any, Any, Any], ban_id: FromPath[int], services: NamedDependency[Services]
) -> Response[Any]:
    """Lift a ban."""
    form = await _form(request)
    try:
        user, _ = await _staff(request, services, form.get("csrf_token"))
        await moderation_service(services).unban(user, ban_id)
    except NotSignedInError:
        return redirect("/admin/sign-in")
    except DomainError as exc:
        return render("error", _status(exc), heading=exc.message, user=None)
    return redirect("/admin/bans", message=t("The ban is lifted."))


ADMINS_ONLY = "Only admins may change site settings."


# GET /admin/settings
@get("/admin/settings", include_in_schema=False)
async def settings_index(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    """The list of sites whose settings an admin can change."""
    return await _settings_page(request, services, None)


# GET /admin/settings/{site}
@get("/admin/settings/{site:str}", include_in_schema=False)
async def settings_page(
    request: Request[Any, Any, Any], site: FromPath[str], services: NamedDependency[Services]
) -> Response[Any]:
    """One site's moderation settings (admins only)."""
    return await _settings_page(request, services, site)


async def _settings_page(
    request: Request[Any, Any, Any], services: Services, site: str | None
) -> Response[Any]:
    try:
        user, token = await _staff(request, services)
    except NotSignedInError:
        return redirect("/admin/sign-in")
    context = _page_context(user, token, services, "settings")
    if not user.is_admin:
        return render("error", 403, heading=t(ADMINS_ONLY), **context)
    settings = None
    accounts = None  # reader-account settings (web/admin/accounts.py saves them)
    if site is not None:
        try:
            settings = await moderation_service(services).site_settings(user, site)
            if services.accounts is not None:
                accounts = await services.accounts.site_settings(site)
        except DomainError as exc:
            return render("error", _status(exc), heading=exc.message, **context)
    return render(
        "settings",
        sites=await services.sites.list_sites(),
        site=site,
        settings=settings,
        accounts=accounts,
        message=request.query_params.get("message"),
        **context,
    )


# POST /admin/settings/{site}
@post("/admin/settings/{site:str}", include_in_schema=False, status_code=303)
async def save_settings(
    request: Request[Any, Any, Any], site: FromPath[str], services: NamedDependency[Services]
) -> Response[Any]:
    """Save a site's moderation settings (admins only)."""
    form = await _form(request)
    try:
        user, token = await _staff(request, services, form.get("csrf_token"))
    except NotSignedInError:
        return redirect("/admin/sign-in")
    except PermissionDeniedError as exc:
        return render("error", _status(exc), heading=exc.message, user=None)
    context = _page_context(user, token, services, "settings")
    try:
        settings = ModerationSettings(
            mode=ModerationMode(form.get("mode") or "post"),
            hold_threshold=float(form.get("hold_threshold") or 0.5),
            reject_threshold=float(form.get("reject_threshold") or 0.9),
            banned_words=_lines(form.get("banned_words")),
            watched_words=_lines(form.get("watched_words")),
            max_links=int(form.get("max_links") or 3),
            min_seconds_to_submit=int(form.get("min_seconds_to_submit") or 3),
            report_threshold=int(form.get("report_threshold") or 3),
            read_only_after_days=int(form.get("read_only_after_days") or 0),
            trust_approved=int(form.get("trust_approved") or 1),
            trust_clean_days=int(form.get("trust_clean_days") or 0),
            category_holds={
                category: float(form[f"hold:{category}"])
                for category in LEARN_CATEGORIES
                if (form.get(f"hold:{category}") or "").strip()
            },
        )
    except ValueError:
        return render("error", 400, heading=t("A number or the mode is not valid."), **context)
    try:
        await moderation_service(services).update_site_settings(
            user, site, settings, form.get("reason") or None
        )
    except DomainError as exc:
        return render("error", _status(exc), heading=exc.message, **context)
    return redirect(f"/admin/settings/{site}", message=t("Saved."))


def _lines(text: str | None) -> tuple[str, ...]:
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())[:1000]


# GET /admin/static/{name}
@get("/admin/static/{name:str}", include_in_schema=False)
async def static_file(name: FromPath[str]) -> Response[bytes]:
    """The dashboard's stylesheet and script."""
    if name not in STATIC:
        raise NotFoundException(f"No file {name!r}.")
    body = resources.files("rostra.web.admin").joinpath("static", name).read_bytes()
    return Response(body, media_type=STATIC[name], headers={"Cache-Control": "public, max-age=300"})


# POST /admin/language
@post("/admin/language", include_in_schema=False, status_code=303)
async def choose_language(request: Request[Any, Any, Any]) -> Response[Any]:
    """Remember the dashboard language chosen in its menu (signed in or not: it is only how
    the pages read, so it needs no session), and go back to the page it was chosen on."""
    form = await _form(request)
    back = form.get("back") or "/admin"
    if not back.startswith("/admin") or back.startswith("//"):
        back = "/admin"
    lang = form.get("lang") or ""
    response = redirect(back)
    if lang in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            lang,
            max_age=365 * 24 * 3600,
            path="/admin",
            httponly=True,
            secure=request.url.scheme == "https",
            samesite="strict",
        )
    return response


ADMIN_ROUTES: list[HTTPRouteHandler] = [
    queue_page,  # GET  /admin
    decide,  # POST /admin/decide
    sign_in_page,  # GET  /admin/sign-in
    sign_in,  # POST /admin/sign-in
    sign_in_totp,  # POST /admin/sign-in/totp
    sign_out,  # POST /admin/sign-out
    audit_page,  # GET  /admin/audit
    bans_page,  # GET  /admin/bans
    lift_ban,  # POST /admin/bans/{id}/lift
    settings_index,  # GET  /admin/settings
    settings_page,  # GET  /admin/settings/{site}
    save_settings,  # POST /admin/settings/{site}
    static_file,  # GET  /admin/static/{name}
    choose_language,  # POST /admin/language
]
