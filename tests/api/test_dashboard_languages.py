"""The dashboard in the staff member's language: the browser's (``Accept-Language``), or the
one chosen in its language menu (a cookie); Arabic reads right to left. On both databases."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import httpx
import pytest

from rostra.domain.dsa import NOTICE_CATEGORIES
from rostra.domain.languages import LANGUAGES, catalogue
from rostra.services.registry import Services
from rostra.web.admin.views import LANGUAGE_COOKIE
from tests.api.helpers import new_comment
from tests.api.staff_helpers import ADMIN as ADMIN_EMAIL
from tests.api.staff_helpers import MODERATOR, add_staff, sign_in

ADMIN = Path(__file__).resolve().parents[2] / "src" / "rostra" / "web" / "admin"
# Every page speaks the staff member's language.
TRANSLATED = tuple(sorted(path.stem for path in (ADMIN / "templates").glob("*.html")))
# The tables of English texts the pages and handlers look up (a text, a dict's values or the
# labels of (value, label) pairs), by module of the admin package.
LABELS = {
    "views.py": (
        "SCREEN_CATEGORIES",
        "REPORT_LABELS",
        "ACTION_WORDS",
        "STATUS_WORDS",
        "DONE_WORDS",
        "RULE_NAMES",
        "BAN_DONE",
        "EXPIRED_FORM",
        "ADMINS_ONLY",
    ),
    "context.py": ("KNOWN_BY", "STATE_WORDS", "VERDICT_WORDS"),
    "integrations.py": ("EVENT_LABELS", "EVENT_HINTS", "STATE_LABELS"),
    "campaigns.py": ("FIELD_LABELS",),
}
# What a handler hands a page to show: these keywords, and the message of these helpers
# (by position).
SHOWN_KEYWORDS = ("heading", "message", "error")
SHOWN_ARGUMENTS = {"_back": 1, "_to": 2}


def _texts_of(value: object) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set(value.values())
    assert isinstance(value, tuple), value
    return {label for _, label in value}


def _said_through_t(tree: ast.AST) -> set[str]:
    """The texts of the ``t("…")`` calls in a module, wherever a handler says something."""
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "t"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def dashboard_texts() -> set[str]:
    used: set[str] = set()
    for name in TRANSLATED:
        text = (ADMIN / "templates" / f"{name}.html").read_text()
        for double, single in re.findall(r"""\bt\((?:"((?:[^"\\]|\\.)*)"|'([^']*)')""", text):
            used.add(double.replace('\\"', '"') if double else single)
    for path in sorted(ADMIN.glob("*.py")):
        tree = ast.parse(path.read_text())
        tables = {
            node.targets[0].id: node.value
            for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
        }
        for table in LABELS.get(path.name, ()):
            used |= _texts_of(ast.literal_eval(tables[table]))
        used |= _said_through_t(tree)
    used |= set(NOTICE_CATEGORIES.values())  # the notices page shows a notice's category
    return used


def test_every_dashboard_text_is_in_every_language() -> None:
    used = dashboard_texts()
    assert {"Queue", "Ban author", "Audit log", "Approve selected", "Signed in"} <= used
    assert {"Article settings", "Chat alerts saved.", "Held", "Defamation"} <= used  # found
    for lang in LANGUAGES[1:]:
        table = catalogue(lang)
        assert used <= set(table), (lang, sorted(used - set(table)))
        for text in used:
            values = sorted(re.findall(r"%\((\w+)\)s", text))
            assert sorted(re.findall(r"%\((\w+)\)s", table[text])) == values, (lang, text)


def _bare_text(template: str) -> list[str]:
    """Words a template shows without ``t()``: its text between tags, and the labels,
    titles and placeholders in them, once the Jinja parts are out."""
    text = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", template, flags=re.S)
    words: list[str] = []
    for attribute in re.findall(r'(?:aria-label|title|placeholder|alt)="([^"]*)"', text):
        if "://" not in attribute and not attribute.startswith("!"):  # an example address
            words += re.findall(r"[^\W\d_]{2,}", attribute)
    words += re.findall(r"[^\W\d_]{2,}", re.sub(r"<[^>]*>", " ", text))
    return [word for word in words if word not in ("UTC", "Rostra", "Tab")]


@pytest.mark.parametrize("name", TRANSLATED)
def test_no_template_shows_a_word_outside_t(name: str) -> None:
    assert _bare_text((ADMIN / "templates" / f"{name}.html").read_text()) == []


def _said(node: ast.expr) -> list[ast.expr]:
    """The texts an expression may come to (both sides of ``a if c else b``)."""
    if isinstance(node, ast.IfExp):
        return _said(node.body) + _said(node.orelse)
    return [node]


def test_no_handler_shows_an_english_text_outside_t() -> None:
    checked = 0
    for path in sorted(ADMIN.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            shown: list[ast.expr] = []
            if isinstance(node, ast.Call):
                shown += [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
                name = node.func.id if isinstance(node.func, ast.Name) else ""
                shown += node.args[SHOWN_ARGUMENTS[name] :] if name in SHOWN_ARGUMENTS else []
                if name.endswith("Error"):  # an error the page shows as its heading
                    shown += node.args[:1]
            elif isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id in ("message", "done")
                for target in node.targets
            ):
                shown.append(node.value)
            for value in (said for expression in shown for said in _said(expression)):
                checked += 1
                assert not isinstance(value, ast.Constant | ast.JoinedStr | ast.BinOp), (
                    f"{path.name}:{value.lineno} shows {ast.unparse(value)} without t()"
                )
    assert checked > 40  # the handlers were found


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


async def test_the_other_pages_and_their_messages_speak_the_language(
    client: httpx.AsyncClient, services: Services
) -> None:
    await add_staff(services, ADMIN_EMAIL, "admin")
    csrf = await sign_in(client, ADMIN_EMAIL)
    german = {"Accept-Language": "de"}
    articles = await client.get("/admin/threads", headers=german)
    assert '<html lang="de">' in articles.text
    assert "<h1>Artikeleinstellungen</h1>" in articles.text and "Artikel öffnen" in articles.text
    settings = await client.get("/admin/settings/news", headers=german)
    for shown in ("Modus", "Vormoderation: alles wartet", "Leserkonten", "Beibehalten: aus"):
        assert shown in settings.text, shown
    webhooks = await client.get("/admin/webhooks/news", headers=german)
    assert ">Endpunkte</h2>" in webhooks.text and "Noch keine Endpunkte." in webhooks.text
    # A handler's message reads German too, on the page it leads back to.
    saved = await client.post(
        "/admin/settings/news", data={"csrf_token": csrf, "mode": "pre"}, headers=german
    )
    assert saved.status_code == 303, saved.text
    back = await client.get(saved.headers["location"], headers=german)
    assert '<p class="message" role="status">Gespeichert.</p>' in back.text

    arabic = {"Accept-Language": "ar"}
    notices = await client.get("/admin/notices", headers=arabic)
    assert '<html lang="ar" dir="rtl">' in notices.text
    assert "<h2>تقرير الشفافية</h2>" in notices.text and "لا توجد بلاغات هنا." in notices.text
    refused = await client.post(
        "/admin/webhooks/news/chat",
        data={"csrf_token": csrf, "queue_threshold": "many"},
        headers=arabic,
    )
    assert refused.status_code == 400
    assert '<html lang="ar" dir="rtl">' in refused.text
    assert "<h1>أدخل عددًا صحيحًا (0 يوقف التنبيه).</h1>" in refused.text
    # A moderator is told in their language that the page is for admins.
    await add_staff(services, MODERATOR, "moderator")
    await sign_in(client, MODERATOR)
    closed = await client.get("/admin/settings", headers=arabic)
    assert closed.status_code == 403
    assert "<h1>لا يغيّر إعدادات الموقع إلا المديرون.</h1>" in closed.text


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
