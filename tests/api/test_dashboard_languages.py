"""The dashboard in the staff member's language: the browser's (``Accept-Language``), or the
one chosen in its language menu (a cookie); Arabic reads right to left. On both databases."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import httpx
import pytest

from rostra.domain.languages import LANGUAGES, catalogue
from rostra.services.registry import Services
from rostra.web.admin.views import LANGUAGE_COOKIE
from tests.api.helpers import new_comment
from tests.api.staff_helpers import MODERATOR, add_staff, sign_in

ADMIN = Path(__file__).resolve().parents[2] / "src" / "rostra" / "web" / "admin"
# The pages that speak the staff member's language; the others still read English.
TRANSLATED = ("base", "sign_in", "totp", "error", "queue", "bans", "audit")
LABELS = ("SCREEN_CATEGORIES", "REPORT_LABELS", "ACTION_WORDS", "STATUS_WORDS", "DONE_WORDS")


def dashboard_texts() -> set[str]:
    used: set[str] = set()
    for name in TRANSLATED:
        text = (ADMIN / "templates" / f"{name}.html").read_text()
        for double, single in re.findall(r"""\bt\((?:"((?:[^"\\]|\\.)*)"|'([^']*)')""", text):
            used.add(double.replace('\\"', '"') if double else single)
    for node in ast.parse((ADMIN / "views.py").read_text()).body:
        target = node.targets[0] if isinstance(node, ast.Assign) else None
        if isinstance(target, ast.Name) and target.id in (*LABELS, "RULE_NAMES"):
            used |= set(ast.literal_eval(node.value).values())  # type: ignore[attr-defined]
    return used


def test_every_dashboard_text_is_in_every_language() -> None:
    used = dashboard_texts()
    assert {"Queue", "Ban author", "Audit log", "Approve selected", "Signed in"} <= used
    for lang in LANGUAGES[1:]:
        table = catalogue(lang)
        assert used <= set(table), (lang, sorted(used - set(table)))
        for text in used:
            values = sorted(re.findall(r"%\((\w+)\)s", text))
            assert sorted(re.findall(r"%\((\w+)\)s", table[text])) == values, (lang, text)


@pytest.fixture
async def moderator(client: httpx.AsyncClient, services: Services) -> httpx.AsyncClient:
    await add_staff(services, MODERATOR, "moderator")
    await sign_in(client, MODERATOR)
    return client


async def test_the_dashboard_follows_the_browsers_language(
    moderator: httpx.AsyncClient,
) -> None:
    await new_comment(moderator, body="Pending? no, published; reported below.")
    german = {"Accept-Language": "de-DE, de;q=0.9, en;q=0.5"}
    queue = await moderator.get("/admin", headers=german)
    assert queue.status_code == 200
    assert '<html lang="de">' in queue.text and 'dir="rtl"' not in queue.text
    for shown in ("Warteschlange", "Abmelden", "Nichts wartet auf eine Entscheidung.", "Sperren"):
        assert shown in queue.text, shown
    bans = await moderator.get("/admin/bans", headers=german)
    assert "<h1>Aktive Sperren</h1>" in bans.text and "Keine Sperren." in bans.text
    audit = await moderator.get("/admin/audit", headers=german)
    assert "<h1>Protokoll</h1>" in audit.text and "Angemeldet" in audit.text

    arabic = await moderator.get("/admin/audit", headers={"Accept-Language": "ar"})
    assert '<html lang="ar" dir="rtl">' in arabic.text
    assert "<h1>السجل</h1>" in arabic.text
    # Languages the dashboard does not speak read English.
    for header in ("nl, zh;q=0.5", "", "en-GB, de"):
        english = await moderator.get("/admin/bans", headers={"Accept-Language": header})
        assert '<html lang="en">' in english.text and "<h1>Bans in force</h1>" in english.text


async def test_the_sign_in_page_and_its_errors_speak_the_language(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/admin/sign-in", headers={"Accept-Language": "fr"})
    assert "<h1>Connexion de l’équipe</h1>" in page.text
    refused = await client.post(
        "/admin/sign-in",
        data={"email": "x@example.org", "password": "wrong", "csrf_token": "forged"},
        headers={"Accept-Language": "fr"},
    )
    assert refused.status_code == 403
    assert "Le formulaire a expiré ou ne vient pas de cette page ; réessayez." in refused.text


async def test_a_language_chosen_in_the_menu_is_kept_over_the_browsers(
    moderator: httpx.AsyncClient,
) -> None:
    chosen = await moderator.post("/admin/language", data={"lang": "uk", "back": "/admin/bans"})
    assert chosen.status_code == 303 and chosen.headers["location"] == "/admin/bans"
    cookie = chosen.headers["set-cookie"]
    assert cookie.startswith(f"{LANGUAGE_COOKIE}=uk") and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie and "Path=/admin" in cookie
    bans = await moderator.get("/admin/bans", headers={"Accept-Language": "de"})
    assert '<html lang="uk">' in bans.text and "<h1>Чинні блокування</h1>" in bans.text
    assert '<option value="uk" lang="uk" selected>Українська</option>' in bans.text
    # Back to English by choice, whatever the browser says.
    await moderator.post("/admin/language", data={"lang": "en", "back": "/admin"})
    assert (
        "<h1>Bans in force</h1>"
        in (await moderator.get("/admin/bans", headers={"Accept-Language": "de"})).text
    )


@pytest.mark.parametrize(
    ("form", "location"),
    [
        ({"lang": "klingon", "back": "/admin/audit"}, "/admin/audit"),
        ({"lang": "de", "back": "https://evil.example/admin"}, "/admin"),
        ({"lang": "de", "back": "//evil.example/admin"}, "/admin"),
        ({"lang": "de"}, "/admin"),
    ],
)
async def test_a_bad_language_or_destination_is_not_taken(
    client: httpx.AsyncClient, form: dict[str, str], location: str
) -> None:
    response = await client.post("/admin/language", data=form)
    assert response.status_code == 303
    assert response.headers["location"] == location
    assert (LANGUAGE_COOKIE in response.headers.get("set-cookie", "")) == (form["lang"] == "de")
