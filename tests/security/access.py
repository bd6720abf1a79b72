"""The access rules of every route, and a server with one client per persona, shared by the
access-control matrix (test_access_control.py) and the Origin tests (test_origin.py)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from rostra.services.registry import Services
from rostra.web.routes import route_table
from tests.api.helpers import comment_body
from tests.api.staff_helpers import ADMIN

PERSONAS = ("anonymous", "reader", "moderator", "admin")
WEBHOOK_URL = "https://93.184.215.14/hook"
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
BASE = "http://testserver"


@dataclass
class World:
    """One server, its readers and staff, each with their own cookie jar."""

    services: Services
    clients: dict[str, httpx.AsyncClient]
    author: httpx.AsyncClient
    app: Any = None
    csrf: dict[str, str] = field(default_factory=dict)
    authors: int = 0

    async def comment(
        self, site: str = "news", *, may_be_held: bool = False, **overrides: Any
    ) -> dict[str, Any]:
        """A fresh published comment (with its ``edit_token``) by an author of its own (so a
        ban of one author leaves the others free to post)."""
        self.authors += 1
        n = self.authors
        email = f"author{n}@example.org"
        transport = httpx.ASGITransport(app=self.app, client=(f"10.1.{n // 250}.{n % 250}", 4000))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as author:
            response = await author.post(
                "/api/v1/comments", json=comment_body(site=site, author_email=email, **overrides)
            )
        assert response.status_code in ((201, 202) if may_be_held else (201,)), response.text
        posted: dict[str, Any] = response.json()
        return posted

    async def ban(self) -> int:
        """The id of a ban in force."""
        assert self.services.moderation is not None and self.services.staff is not None
        comment = await self.comment()
        [admin] = [u for u in await self.services.staff.list_users() if u.email == ADMIN]
        from rostra.domain.staff import BanKind

        await self.services.moderation.ban(admin, comment["id"], [BanKind.EMAIL], days=1)
        bans = await self.services.moderation.list_bans(admin)
        return max(ban.id for ban in bans)


# A call: (method, path, keyword arguments for httpx), built fresh for each persona.
Call = tuple[str, str, dict[str, Any]]
Build = Callable[[World, str], Awaitable[Call]]


@dataclass(frozen=True)
class Rule:
    """Who may call a route, and how to call it."""

    kind: str
    build: Build
    ok: frozenset[int] = frozenset({200})


def _json(body: Any) -> dict[str, Any]:
    return {"json": body}


def simple(method: str, path: str, **kwargs: Any) -> Build:
    async def build(world: World, persona: str) -> Call:
        return method, path, kwargs

    return build


LEARNED = "Ghosting the gaffer in the car park tonight, bring the lads."


def on_comment(method: str, template: str, body: Any = None, **kwargs: Any) -> Build:
    async def build(world: World, persona: str) -> Call:
        # A comment taught to the screen as a threat holds every later comment that reads
        # like it on the site: the taught ones read like no other comment of these tests (and
        # the second is held by the first, which the route takes as well).
        taught = template.endswith("/learn")
        comment = await world.comment(**({"body": LEARNED, "may_be_held": True} if taught else {}))
        path = template.replace("{id}", comment["id"])
        extra = dict(kwargs)
        if body is not None:
            extra["json"] = (
                {k: [comment["id"]] if v == ["{id}"] else v for k, v in body.items()}
                if isinstance(body, dict)
                else body
            )
        return method, path, extra

    return build


def on_ban(method: str, template: str) -> Build:
    async def build(world: World, persona: str) -> Call:
        return method, template.replace("{id}", str(await world.ban())), {}

    return build


def admin_form(path: str, fields: dict[str, str] | None = None) -> Build:
    """A dashboard form post, with the persona's CSRF token when it has one."""

    async def build(world: World, persona: str) -> Call:
        data = {"csrf_token": world.csrf.get(persona, ""), **(fields or {})}
        return "POST", path, {"data": data}

    return build


def decide_form() -> Build:
    async def build(world: World, persona: str) -> Call:
        comment = await world.comment()
        data = {"csrf_token": world.csrf.get(persona, ""), "single": f"reject:{comment['id']}"}
        return "POST", "/admin/decide", {"data": data}

    return build


def lift_form() -> Build:
    async def build(world: World, persona: str) -> Call:
        ban = await world.ban()
        return (
            "POST",
            f"/admin/bans/{ban}/lift",
            {"data": {"csrf_token": world.csrf.get(persona, "")}},
        )

    return build


NOTICE = {
    "category": "defamation",
    "explanation": "A false claim about a named person.",
    "name": "Nell",
    "email": "nell@example.org",
    "good_faith": True,
}


def notice_json() -> Build:
    async def build(world: World, persona: str) -> Call:
        comment = await world.comment()
        return "POST", "/api/v1/dsa/notices", {"json": {**NOTICE, "comment_id": comment["id"]}}

    return build


async def _notice(world: World) -> str:
    """The reference of a fresh open notice."""
    from rostra.services.callers import Caller
    from rostra.services.dsa import NoticeForm

    assert world.services.dsa is not None
    comment = await world.comment()
    ack = await world.services.dsa.submit(
        NoticeForm(
            comment["id"], "other", "Illegal, says the test.", "Nell", "n@example.org", True
        ),
        Caller(ip="192.0.2.77"),
    )
    return ack.notice.id


def on_notice(form: bool) -> Build:
    async def build(world: World, persona: str) -> Call:
        reference = await _notice(world)
        if form:
            data = {
                "csrf_token": world.csrf.get(persona, ""),
                "action": "keep",
                "reason": "Lawful.",
            }
            return "POST", f"/admin/notices/{reference}/decide", {"data": data}
        body = {"action": "keep", "reason": "Lawful."}
        return "POST", f"/api/v1/moderation/dsa/notices/{reference}/decision", {"json": body}

    return build


def appeal_form() -> Build:
    async def build(world: World, persona: str) -> Call:
        data = {"csrf_token": world.csrf.get(persona, ""), "action": "uphold", "reason": "Fine."}
        return "POST", "/admin/appeals/SNONE/decide", {"data": data}

    return build


def note_form() -> Build:
    async def build(world: World, persona: str) -> Call:
        comment = await world.comment()
        data = {"csrf_token": world.csrf.get(persona, ""), "body": "Seen before."}
        return "POST", f"/admin/comments/{comment['id']}/notes", {"data": data}

    return build


CAMPAIGN_FORM = {"site": "news", "goal": "500.00", "currency": "USD", "title": "Keep us going"}


def on_campaign(method: str, suffix: str, fields: dict[str, str] | None = None) -> Build:
    """A call on a fresh campaign of site "news", started by the admin."""

    async def build(world: World, persona: str) -> Call:
        started = await world.clients["admin"].post(
            "/admin/campaigns", data={"csrf_token": world.csrf["admin"], **CAMPAIGN_FORM}
        )
        assert started.status_code == 303, started.text
        path = started.headers["location"].split("?")[0] + suffix
        if fields is None:
            return method, path, {}
        return method, path, {"data": {"csrf_token": world.csrf.get(persona, ""), **fields}}

    return build


SETTINGS = {
    "mode": "post",
    "hold_threshold": 0.5,
    "reject_threshold": 0.9,
    "banned_words": [],
    "watched_words": [],
    "max_links": 3,
    "min_seconds_to_submit": 0,
    "report_threshold": 3,
}
SETTINGS_FORM = {k: str(v) for k, v in SETTINGS.items() if not isinstance(v, list)}
READ = "/api/v1/comments?site=news&page=/a"


async def _thread_id(world: World) -> int:
    """The id of the thread of /a on the site "news" (made if nobody commented there yet)."""
    assert world.services.editorial is not None
    thread = await world.services.editorial.find_thread("news", "/a", create=True)
    return thread.id


def on_thread(method: str, template: str, **kwargs: Any) -> Build:
    async def build(world: World, persona: str) -> Call:
        return method, template.replace("{id}", str(await _thread_id(world))), dict(kwargs)

    return build


def thread_form(action: str) -> Build:
    """The dashboard's one-click close (or reopen) of an article."""

    async def build(world: World, persona: str) -> Call:
        data = {"csrf_token": world.csrf.get(persona, ""), "reason": "Legal hold."}
        return "POST", f"/admin/threads/{await _thread_id(world)}/{action}", {"data": data}

    return build


def feature_form() -> Build:
    async def build(world: World, persona: str) -> Call:
        comment = await world.comment()
        data = {"csrf_token": world.csrf.get(persona, ""), "note": "Worth reading."}
        return "POST", f"/admin/comments/{comment['id']}/feature", {"data": data}

    return build


# Kinds: public (anyone), author (edit token, or staff), staff, admin (staff API), staff-page,
# admin-page, staff-form, admin-form (the dashboard), reader-account (a signed-in reader
# only), signed-link (a signed, single-purpose URL only), webhook (a signature only),
# operator (this machine or the metrics token only).
ACCESS: dict[tuple[str, str], Rule] = {
    ("POST", "/api/v1/comments"): Rule(
        "public", simple("POST", "/api/v1/comments", **_json(comment_body())), frozenset({201})
    ),
    ("GET", "/api/v1/comments"): Rule("public", simple("GET", READ)),
    ("PATCH", "/api/v1/comments/{comment_id}"): Rule(
        "author", on_comment("PATCH", "/api/v1/comments/{id}", {"body": "changed"})
    ),
    ("DELETE", "/api/v1/comments/{comment_id}"): Rule(
        "author", on_comment("DELETE", "/api/v1/comments/{id}"), frozenset({204})
    ),
    ("POST", "/api/v1/comments/{comment_id}/vote"): Rule(
        "public", on_comment("POST", "/api/v1/comments/{id}/vote", {"value": 1})
    ),
    ("POST", "/api/v1/counts"): Rule(
        "public", simple("POST", "/api/v1/counts", **_json({"site": "news", "pages": ["/a"]}))
    ),
    ("POST", "/api/v1/preview"): Rule(
        "public", simple("POST", "/api/v1/preview", **_json({"body": "*hi*"}))
    ),
    # The endless stream cannot be read through ASGITransport; a bad query answers at once.
    ("GET", "/api/v1/events"): Rule(
        "public", simple("GET", "/api/v1/events?site=nope&page=/a"), frozenset({404})
    ),
    ("GET", "/api/v1/anchors"): Rule("public", simple("GET", "/api/v1/anchors?site=news&page=/a")),
    ("POST", "/api/v1/anchors/placements"): Rule(
        "public",
        simple(
            "POST",
            "/api/v1/anchors/placements",
            **_json({"site": "news", "page": "/a", "text": "x"}),
        ),
    ),
    ("GET", "/healthz"): Rule("public", simple("GET", "/healthz")),
    # Probes call from the load balancer; the checks name no host, key or message.
    ("GET", "/readyz"): Rule("public", simple("GET", "/readyz")),
    # Only this machine, or a scraper with ROSTRA_METRICS_TOKEN; the personas call from afar.
    ("GET", "/metrics"): Rule("operator", simple("GET", "/metrics")),
    ("POST", "/api/v1/subscriptions"): Rule(
        "public",
        simple(
            "POST",
            "/api/v1/subscriptions",
            **_json({"site": "news", "page": "/a", "email": "r@example.org", "kind": "all"}),
        ),
        frozenset({202}),
    ),
    ("GET", "/api/v1/subscriptions/settings"): Rule(
        "public", simple("GET", "/api/v1/subscriptions/settings")
    ),
    ("GET", "/api/v1/subscriptions/confirm"): Rule(
        "signed-link", simple("GET", "/api/v1/subscriptions/confirm?token=forged")
    ),
    ("POST", "/api/v1/subscriptions/confirm"): Rule(
        "signed-link", simple("POST", "/api/v1/subscriptions/confirm?token=forged")
    ),
    ("GET", "/api/v1/subscriptions/unsubscribe"): Rule(
        "signed-link", simple("GET", "/api/v1/subscriptions/unsubscribe?token=forged")
    ),
    ("POST", "/api/v1/subscriptions/unsubscribe"): Rule(
        "signed-link", simple("POST", "/api/v1/subscriptions/unsubscribe?token=forged")
    ),
    ("GET", "/api/v1/subscriptions/manage"): Rule(
        "signed-link", simple("GET", "/api/v1/subscriptions/manage?token=forged")
    ),
    ("POST", "/api/v1/subscriptions/manage"): Rule(
        "signed-link", simple("POST", "/api/v1/subscriptions/manage?token=forged")
    ),
    ("POST", "/api/v1/images"): Rule(
        "public",
        simple("POST", "/api/v1/images", files={"file": ("a.png", b"not an image", "image/png")}),
        frozenset({415}),  # what any reader gets for these bytes; tests/api/test_images.py
    ),
    ("GET", "/media/{name}"): Rule("public", simple("GET", "/media/nope.png"), frozenset({404})),
    ("POST", "/api/v1/comments/{comment_id}/report"): Rule(
        "public", on_comment("POST", "/api/v1/comments/{id}/report", {"reason": "spam"})
    ),
    ("POST", "/api/v1/moderation/session"): Rule(
        "public",
        simple(
            "POST", "/api/v1/moderation/session", **_json({"email": "x@y.example", "password": "x"})
        ),
        frozenset({401}),  # wrong credentials for everyone; tests/api/test_staff_auth.py
    ),
    ("GET", "/api/v1/moderation/session"): Rule(
        "staff", simple("GET", "/api/v1/moderation/session")
    ),
    ("DELETE", "/api/v1/moderation/session"): Rule(
        "staff", simple("DELETE", "/api/v1/moderation/session"), frozenset({204})
    ),
    ("GET", "/api/v1/moderation/queue"): Rule("staff", simple("GET", "/api/v1/moderation/queue")),
    **{
        ("POST", f"/api/v1/moderation/comments/{{comment_id}}/{action}"): Rule(
            "staff",
            on_comment("POST", f"/api/v1/moderation/comments/{{id}}/{action}", body),
            frozenset({status}),
        )
        for action, body, status in (
            ("approve", {}, 200),
            ("reject", {"reason": "off topic"}, 200),
            ("spam", {}, 200),
            ("learn", {"category": "threat"}, 200),
            ("ban", {"by": ["email"], "days": 1}, 201),
            ("pin", None, 200),
        )
    },
    ("DELETE", "/api/v1/moderation/comments/{comment_id}/pin"): Rule(
        "staff", on_comment("DELETE", "/api/v1/moderation/comments/{id}/pin"), frozenset({204})
    ),
    ("POST", "/api/v1/moderation/bulk"): Rule(
        "staff",
        on_comment("POST", "/api/v1/moderation/bulk", {"action": "reject", "ids": ["{id}"]}),
    ),
    ("GET", "/api/v1/moderation/bans"): Rule("staff", simple("GET", "/api/v1/moderation/bans")),
    ("DELETE", "/api/v1/moderation/bans/{ban_id}"): Rule(
        "staff", on_ban("DELETE", "/api/v1/moderation/bans/{id}"), frozenset({204})
    ),
    ("GET", "/api/v1/moderation/audit"): Rule("staff", simple("GET", "/api/v1/moderation/audit")),
    ("GET", "/api/v1/moderation/sites/{site}/settings"): Rule(
        "admin", simple("GET", "/api/v1/moderation/sites/news/settings")
    ),
    ("PUT", "/api/v1/moderation/sites/{site}/settings"): Rule(
        "admin", simple("PUT", "/api/v1/moderation/sites/news/settings", **_json(SETTINGS))
    ),
    ("GET", "/api/v1/campaigns/{site}"): Rule(
        "public", simple("GET", "/api/v1/campaigns/nope"), frozenset({404})
    ),
    ("POST", "/api/v1/campaigns/{site}/checkout"): Rule(
        "public",
        simple("POST", "/api/v1/campaigns/nope/checkout", **_json({"amount": "5.00"})),
        frozenset({404, 503}),  # unknown site, or no payment provider on this server
    ),
    ("GET", "/api/v1/campaigns/{site}/events"): Rule(
        "public", simple("GET", "/api/v1/campaigns/nope/events"), frozenset({404})
    ),
    ("POST", "/api/v1/payments/webhook/{provider}"): Rule(
        "webhook", simple("POST", "/api/v1/payments/webhook/stripe", content=b"{}")
    ),
    ("POST", "/api/v1/auth/sso"): Rule(
        "public",
        simple("POST", "/api/v1/auth/sso", **_json({"site": "news", "token": "forged"})),
        frozenset({400, 401, 403, 404, 503}),  # no session from a forged token
    ),
    ("DELETE", "/api/v1/auth/session"): Rule(
        "reader-account", simple("DELETE", "/api/v1/auth/session")
    ),
    ("POST", "/api/v1/auth/email"): Rule(
        "public",
        simple(
            "POST",
            "/api/v1/auth/email",
            **_json(
                {
                    "site": "news",
                    "email": "r@example.org",
                    "name": "R",
                    "page_url": "https://news.example/a",
                }
            ),
        ),
        frozenset({202, 403}),  # accepted, or refused: the site does not offer email links
    ),
    ("POST", "/api/v1/auth/email/redeem"): Rule(
        "public",
        simple("POST", "/api/v1/auth/email/redeem", **_json({"site": "news", "token": "forged"})),
        frozenset({400, 401, 403}),  # no session from a forged link, for anyone
    ),
    ("GET", "/api/v1/auth/oidc"): Rule("public", simple("GET", "/api/v1/auth/oidc?site=news")),
    ("GET", "/api/v1/auth/oidc/start"): Rule(
        "public",
        simple("GET", "/api/v1/auth/oidc/start?site=news&origin=https://news.example"),
        frozenset({403}),  # the site has no provider, for everyone
    ),
    ("GET", "/api/v1/auth/oidc/callback"): Rule(
        "public",
        simple("GET", "/api/v1/auth/oidc/callback?state=forged&code=forged"),
        frozenset({400}),  # an unknown state opens nothing, for anyone
    ),
    ("POST", "/api/v1/auth/oidc/redeem"): Rule(
        "public",
        simple("POST", "/api/v1/auth/oidc/redeem", **_json({"site": "news", "token": "forged"})),
        frozenset({401}),  # no session from a forged hand-off, for anyone
    ),
    ("GET", "/api/v1/me"): Rule("reader-account", simple("GET", "/api/v1/me")),
    ("GET", "/api/v1/me/comments"): Rule("reader-account", simple("GET", "/api/v1/me/comments")),
    ("POST", "/api/v1/me/claim"): Rule(
        "reader-account", simple("POST", "/api/v1/me/claim", **_json({}))
    ),
    ("GET", "/api/v1/me/export"): Rule("reader-account", simple("GET", "/api/v1/me/export")),
    ("DELETE", "/api/v1/me"): Rule("reader-account", simple("DELETE", "/api/v1/me")),
    ("POST", "/api/v1/me/avatar"): Rule(
        "reader-account",
        simple("POST", "/api/v1/me/avatar", files={"file": ("a.png", b"x", "image/png")}),
    ),
    ("DELETE", "/api/v1/me/avatar"): Rule("reader-account", simple("DELETE", "/api/v1/me/avatar")),
    ("GET", "/widget.js"): Rule("public", simple("GET", "/widget.js")),
    ("GET", "/widget/{name}"): Rule("public", simple("GET", "/widget/thread.js")),
    ("GET", "/"): Rule("public", simple("GET", "/")),
    ("GET", "/admin"): Rule("staff-page", simple("GET", "/admin")),
    ("POST", "/admin/decide"): Rule("staff-form", decide_form(), frozenset({303})),
    ("GET", "/admin/sign-in"): Rule("public", simple("GET", "/admin/sign-in")),
    ("POST", "/admin/sign-in"): Rule(
        "public",
        admin_form("/admin/sign-in", {"email": "x@y.example", "password": "x"}),
        frozenset({400, 401, 403}),  # wrong credentials (or no sign-in CSRF cookie) for all
    ),
    ("POST", "/admin/sign-in/totp"): Rule(
        "public",
        admin_form("/admin/sign-in/totp", {"challenge": "forged", "code": "000000"}),
        frozenset({400, 401, 403}),
    ),
    ("POST", "/admin/sign-out"): Rule(
        "staff-form", admin_form("/admin/sign-out"), frozenset({303})
    ),
    ("GET", "/admin/audit"): Rule("staff-page", simple("GET", "/admin/audit")),
    ("GET", "/admin/bans"): Rule("staff-page", simple("GET", "/admin/bans")),
    ("POST", "/admin/bans/{ban_id}/lift"): Rule("staff-form", lift_form(), frozenset({303})),
    ("GET", "/admin/settings"): Rule("admin-page", simple("GET", "/admin/settings")),
    ("GET", "/admin/settings/{site}"): Rule("admin-page", simple("GET", "/admin/settings/news")),
    ("POST", "/admin/settings/{site}"): Rule(
        "admin-form", admin_form("/admin/settings/news", SETTINGS_FORM), frozenset({303})
    ),
    ("GET", "/admin/static/{name}"): Rule("public", simple("GET", "/admin/static/admin.css")),
    # Deciding with context and EU DSA notices: staff read and decide, admins export; anyone
    # may send a notice (the page's form needs the token of its signed cookie, for everyone).
    ("GET", "/api/v1/moderation/comments/{comment_id}/author"): Rule(
        "staff", on_comment("GET", "/api/v1/moderation/comments/{id}/author")
    ),
    ("POST", "/api/v1/moderation/comments/{comment_id}/author/notes"): Rule(
        "staff",
        on_comment("POST", "/api/v1/moderation/comments/{id}/author/notes", {"body": "Seen."}),
        frozenset({201}),
    ),
    ("POST", "/api/v1/dsa/notices"): Rule("public", notice_json(), frozenset({201})),
    ("GET", "/api/v1/moderation/dsa/notices"): Rule(
        "staff", simple("GET", "/api/v1/moderation/dsa/notices")
    ),
    ("POST", "/api/v1/moderation/dsa/notices/{notice_id}/decision"): Rule(
        "staff", on_notice(form=False)
    ),
    ("GET", "/api/v1/moderation/dsa/export"): Rule(
        "admin", simple("GET", "/api/v1/moderation/dsa/export")
    ),
    ("GET", "/dsa/notice"): Rule("public", on_comment("GET", "/dsa/notice?comment={id}")),
    ("POST", "/dsa/notice"): Rule(
        "public",
        simple("POST", "/dsa/notice", data={"csrf_token": "forged", "comment": "x"}),
        frozenset({403}),
    ),
    # Appeals against removals: the author's signed link is the only key (a changed one is
    # refused for everyone); staff decide. An unknown appeal answers 404 once access is granted.
    ("POST", "/api/v1/dsa/appeals"): Rule(
        "public",
        simple("POST", "/api/v1/dsa/appeals", json={"token": "forged", "explanation": "x" * 20}),
        frozenset({400}),
    ),
    ("GET", "/dsa/appeal"): Rule(
        "public", simple("GET", "/dsa/appeal?token=forged"), frozenset({400})
    ),
    ("POST", "/dsa/appeal"): Rule(
        "public",
        simple("POST", "/dsa/appeal", data={"csrf_token": "forged", "token": "forged"}),
        frozenset({400}),
    ),
    ("GET", "/api/v1/moderation/dsa/appeals"): Rule(
        "staff", simple("GET", "/api/v1/moderation/dsa/appeals")
    ),
    ("POST", "/api/v1/moderation/dsa/appeals/{statement_id}/decision"): Rule(
        "staff",
        simple(
            "POST",
            "/api/v1/moderation/dsa/appeals/SNONE/decision",
            json={"action": "uphold", "reason": "Fine."},
        ),
        frozenset({404}),
    ),
    ("POST", "/admin/appeals/{statement_id}/decide"): Rule(
        "staff-form", appeal_form(), frozenset({303})
    ),
    ("GET", "/admin/comments/{comment_id}/author"): Rule(
        "staff-page", on_comment("GET", "/admin/comments/{id}/author")
    ),
    ("POST", "/admin/comments/{comment_id}/notes"): Rule(
        "staff-form", note_form(), frozenset({303})
    ),
    ("GET", "/admin/notices"): Rule("staff-page", simple("GET", "/admin/notices")),
    ("GET", "/admin/notices/export"): Rule("admin-page", simple("GET", "/admin/notices/export")),
    ("POST", "/admin/notices/{notice_id}/decide"): Rule(
        "staff-form", on_notice(form=True), frozenset({303})
    ),
    # The reader-account settings of a site: admins only.
    ("POST", "/admin/settings/{site}/accounts"): Rule(
        "admin-form", admin_form("/admin/settings/news/accounts"), frozenset({303, 400})
    ),
    ("POST", "/admin/settings/{site}/forget"): Rule(
        "admin-form",
        admin_form("/admin/settings/news/forget", {"email": "nobody@example.org"}),
        frozenset({303, 400, 404}),
    ),
    # The campaign pages: every staff member may look, only admins change.
    ("GET", "/admin/campaigns"): Rule("staff-page", simple("GET", "/admin/campaigns")),
    ("POST", "/admin/campaigns"): Rule(
        "admin-form", admin_form("/admin/campaigns", CAMPAIGN_FORM), frozenset({303})
    ),
    ("GET", "/admin/campaigns/{campaign_id}"): Rule("staff-page", on_campaign("GET", "")),
    ("POST", "/admin/campaigns/{campaign_id}"): Rule(
        "admin-form", on_campaign("POST", "", CAMPAIGN_FORM), frozenset({303})
    ),
    ("POST", "/admin/campaigns/{campaign_id}/donations"): Rule(
        "admin-form", on_campaign("POST", "/donations", {"amount": "5.00"}), frozenset({303})
    ),
    # Per-article settings and editor's picks: every staff member.
    ("GET", "/api/v1/moderation/threads"): Rule(
        "staff",
        simple("GET", "/api/v1/moderation/threads?site=news&page=/a"),
        frozenset({200, 404}),
    ),
    ("POST", "/api/v1/moderation/threads"): Rule(
        "staff", simple("POST", "/api/v1/moderation/threads", json={"site": "news", "page": "/a"})
    ),
    ("GET", "/api/v1/moderation/threads/{thread_id}"): Rule(
        "staff", on_thread("GET", "/api/v1/moderation/threads/{id}")
    ),
    ("PATCH", "/api/v1/moderation/threads/{thread_id}"): Rule(
        "staff", on_thread("PATCH", "/api/v1/moderation/threads/{id}", json={"images": False})
    ),
    ("POST", "/api/v1/moderation/comments/{comment_id}/feature"): Rule(
        "staff", on_comment("POST", "/api/v1/moderation/comments/{id}/feature", {"note": "Good."})
    ),
    ("DELETE", "/api/v1/moderation/comments/{comment_id}/feature"): Rule(
        "staff", on_comment("DELETE", "/api/v1/moderation/comments/{id}/feature"), frozenset({204})
    ),
    ("GET", "/admin/threads"): Rule("staff-page", simple("GET", "/admin/threads")),
    ("POST", "/admin/threads"): Rule(
        "staff-form", admin_form("/admin/threads", {"site": "news", "page": "/b"}), frozenset({303})
    ),
    ("GET", "/admin/threads/{thread_id}"): Rule(
        "staff-page", on_thread("GET", "/admin/threads/{id}")
    ),
    ("POST", "/admin/threads/{thread_id}/{action}"): Rule(
        "staff-form", thread_form("close"), frozenset({303})
    ),
    ("POST", "/admin/comments/{comment_id}/{action}"): Rule(
        "staff-form", feature_form(), frozenset({303})
    ),
    # Reactions and mention suggestions: readers, as votes are.
    ("POST", "/api/v1/comments/{comment_id}/reaction"): Rule(
        "public", on_comment("POST", "/api/v1/comments/{id}/reaction", {"reaction": "👍"})
    ),
    ("GET", "/api/v1/mentions"): Rule(
        "public", simple("GET", "/api/v1/mentions?site=news&page=/a&q=")
    ),
    # The dashboard's language menu needs no session: it only sets how the pages read.
    ("POST", "/admin/language"): Rule(
        "public", simple("POST", "/admin/language", data={"lang": "de"}), frozenset({303})
    ),
    # Feeds and the latest-comments embed are public; webhooks and chat alerts are
    # for admins (a public address literal: no resolver involved).
    ("GET", "/api/v1/feeds/{site}"): Rule("public", simple("GET", "/api/v1/feeds/news")),
    ("GET", "/api/v1/feeds/{site}/rss"): Rule("public", simple("GET", "/api/v1/feeds/news/rss")),
    ("GET", "/api/v1/latest"): Rule("public", simple("GET", "/api/v1/latest?site=news")),
    ("GET", "/api/v1/moderation/sites/{site}/webhooks"): Rule(
        "admin", simple("GET", "/api/v1/moderation/sites/news/webhooks")
    ),
    ("POST", "/api/v1/moderation/sites/{site}/webhooks"): Rule(
        "admin",
        simple(
            "POST",
            "/api/v1/moderation/sites/news/webhooks",
            **_json({"url": WEBHOOK_URL, "events": ["comment.created"]}),
        ),
        frozenset({201}),
    ),
    ("DELETE", "/api/v1/moderation/webhooks/{endpoint_id}"): Rule(
        "admin", simple("DELETE", "/api/v1/moderation/webhooks/nope"), frozenset({404})
    ),
    ("POST", "/api/v1/moderation/webhooks/{endpoint_id}/test"): Rule(
        "admin", simple("POST", "/api/v1/moderation/webhooks/nope/test"), frozenset({404})
    ),
    ("GET", "/api/v1/moderation/sites/{site}/webhook-deliveries"): Rule(
        "admin", simple("GET", "/api/v1/moderation/sites/news/webhook-deliveries")
    ),
    ("POST", "/api/v1/moderation/webhook-deliveries/{delivery_id}/resend"): Rule(
        "admin",
        simple("POST", "/api/v1/moderation/webhook-deliveries/999999/resend"),
        frozenset({404}),
    ),
    ("GET", "/api/v1/moderation/sites/{site}/chat-alerts"): Rule(
        "admin", simple("GET", "/api/v1/moderation/sites/news/chat-alerts")
    ),
    ("PUT", "/api/v1/moderation/sites/{site}/chat-alerts"): Rule(
        "admin", simple("PUT", "/api/v1/moderation/sites/news/chat-alerts", **_json({}))
    ),
    ("GET", "/admin/webhooks"): Rule("admin-page", simple("GET", "/admin/webhooks")),
    ("GET", "/admin/webhooks/{site}"): Rule("admin-page", simple("GET", "/admin/webhooks/news")),
    ("POST", "/admin/webhooks/{site}"): Rule(
        "admin-form",
        admin_form("/admin/webhooks/news", {"url": WEBHOOK_URL, "events": "report.created"}),
    ),
    ("POST", "/admin/webhook-endpoints/{endpoint_id}/remove"): Rule(
        "admin-form", admin_form("/admin/webhook-endpoints/nope/remove"), frozenset({404})
    ),
    ("POST", "/admin/webhook-endpoints/{endpoint_id}/test"): Rule(
        "admin-form", admin_form("/admin/webhook-endpoints/nope/test"), frozenset({404})
    ),
    ("POST", "/admin/webhooks/{site}/chat"): Rule(
        "admin-form", admin_form("/admin/webhooks/news/chat"), frozenset({303})
    ),
    ("POST", "/admin/webhook-deliveries/{delivery_id}/resend"): Rule(
        "admin-form", admin_form("/admin/webhook-deliveries/999999/resend"), frozenset({404})
    ),
}


def _template(path: str) -> str:
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


def routes() -> set[tuple[str, str]]:
    """(method, path) of every route the server has, HEAD and OPTIONS aside."""
    return {
        (method, _template(path))
        for handler in route_table(demo=False)
        for path in handler.paths
        for method in handler.http_methods
        if method not in ("HEAD", "OPTIONS")
    }
