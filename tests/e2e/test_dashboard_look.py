"""The dashboard's look in Chromium at phone and desktop widths: axe-core finds no serious or
critical violation on any of its pages (light and dark), no control's label wraps onto a second
line, keyboard focus is always visible, and the queue is operated from the keyboard.

Every page is checked with rows in its tables and its forms showing (see ``look_server`` and
``signed_in`` for what is seeded). One ``rostra demo`` serves the whole module: the tests only
read its pages (and the keyboard test approves a comment of its own), so they do not depend on
each other's state or order.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import DemoServer, free_port, running_demo
from tests.e2e.test_dashboard import (
    ADMIN,
    ADMIN_PASSWORD,
    ARTICLE,
    SITE,
    post_as_reader,
    pre_moderate,
    staff_headers,
)

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)

WIDTHS = (390, 1280)
SERIOUS = {"serious", "critical"}
TOTP_USER = "second.factor@demo.example"


@pytest.fixture(scope="module")
def look_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """The demo with an admin, the site in pre-moderation, a held comment, a ban, a legal
    notice still open and one decided, a webhook endpoint with a failed delivery, and a staff
    account with a second factor. Webhooks may go to loopback, where nobody listens, so the
    delivery fails and its row shows an error."""
    with running_demo(
        tmp_path_factory.mktemp("look"),
        ROSTRA_WEBHOOKS_ALLOW_PRIVATE="on",
        # Each test signs the second-factor account in again to reach its code step; more
        # than the default five a minute from this one address.
        ROSTRA_RATE_LIMIT_LOGIN="60/minute",
    ) as server:
        pre_moderate(server)
        held = post_as_reader(server, "The new footbridge lights are far too bright at night.")
        assert held.status_code == 202, held.text
        banned = post_as_reader(server, "Visit my garden shop", author_email="s@example.org")
        assert banned.status_code == 202, banned.text
        headers = staff_headers(server, ADMIN, ADMIN_PASSWORD)
        send_notices(server, headers)
        add_failing_webhook(server, headers)
        add_staff_with_second_factor(server)
        yield server


def send_notices(server: DemoServer, headers: dict[str, str]) -> None:
    """Two notices on a published comment of the demo; the second is decided (kept)."""
    listed = server.http.get("/api/v1/comments", params={"site": SITE, "page": ARTICLE})
    comment = listed.json()["comments"][0]["id"]
    ids = []
    for name in ("Mia Mayor", "Bartholomew Featherstonehaugh-Worthington"):
        sent = server.http.post(
            "/api/v1/dsa/notices",
            json={"comment_id": comment, "category": "defamation", "good_faith": True,
                  "explanation": "A false accusation of a crime, with no source at all.",
                  "name": name, "email": "a-rather-long-address.for-notices@example.org"},
        )  # fmt: skip
        assert sent.status_code == 201, sent.text
        ids.append(sent.json()["reference"])
    decided = server.http.post(
        f"/api/v1/moderation/dsa/notices/{ids[1]}/decision",
        json={"action": "keep", "reason": "Fair comment on a public matter."},
        headers=headers,
    )
    assert decided.status_code == 200, decided.text


def add_failing_webhook(server: DemoServer, headers: dict[str, str]) -> None:
    """An endpoint with a long address on a closed loopback port, and a test event to it."""
    url = f"http://127.0.0.1:{free_port()}/hooks/rostra/comment-events-for-the-newsroom-desk"
    added = server.http.post(
        f"/api/v1/moderation/sites/{SITE}/webhooks",
        json={"url": url, "events": ["comment.created", "comment.published", "comment.rejected"],
              "description": "The newsroom's editorial desk alerting system"},
        headers=headers,
    )  # fmt: skip
    assert added.status_code == 201, added.text
    endpoint = added.json()["endpoint"]["id"]
    sent = server.http.post(f"/api/v1/moderation/webhooks/{endpoint}/test", headers=headers)
    assert sent.status_code == 202, sent.text


def add_staff_with_second_factor(server: DemoServer) -> None:
    """A moderator whose sign-in asks for an authenticator code (the real CLI)."""
    add = ["add", TOTP_USER, "--role", "moderator", "--password-stdin"]
    for command, stdin in ((add, ADMIN_PASSWORD + "\n"), (["totp", TOTP_USER], "")):
        done = subprocess.run(
            [sys.executable, "-m", "rostra", "user", *command, "--database", server.database],
            input=stdin, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def signed_in(browser: Browser, look_server: DemoServer) -> dict[str, Any]:
    """The admin's session (cookies), signed in once through the form; each test's context
    starts from it. A ban is made, and the banned author's comment rejected, through the queue so
    the bans page and the author's history have rows, and the demo
    article gets a message from the newsroom and a featured comment."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(look_server.url + "/admin/sign-in")
    page.get_by_label("Email").fill(ADMIN)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Queue")
    item = page.locator(".queue .item", has_text="Visit my garden shop")
    item.get_by_label("Ban by").select_option("email")
    item.get_by_role("button", name="Ban author").click()
    expect(page.get_by_role("status")).to_contain_text("banned")
    item.get_by_role("button", name="Reject", exact=True).click()  # a decision in their history
    expect(item).to_have_count(0)
    page.goto(f"{look_server.url}/admin/threads?site={SITE}&page={ARTICLE}")
    page.get_by_label("Message from the newsroom", exact=False).fill("Please stay on topic.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_be_visible()
    page.get_by_label("Note").first.fill("A fine first-hand account")
    page.get_by_role("button", name="Feature", exact=True).first.click()
    expect(page.locator(".featured")).to_have_count(1)
    state: dict[str, Any] = context.storage_state()  # type: ignore[assignment]
    context.close()
    return state


@pytest.fixture(scope="module")
def page_urls(look_server: DemoServer, signed_in: dict[str, Any]) -> list[str]:
    """Every dashboard page a signed-in admin reaches by address, each with rows in its tables:
    the queue, articles (the finder, an article nobody commented on yet, and one article's
    settings), legal notices (open and decided), an author's history, bans, the audit log,
    reader support and a campaign, the settings index and the demo site's settings, webhooks
    (the index and the demo site's endpoints and deliveries) and an error page."""
    cookie = session_cookie(signed_in)
    opened = look_server.http.get(
        "/admin/threads", params={"site": SITE, "page": ARTICLE}, headers={"Cookie": cookie}
    )
    assert opened.status_code == 303, opened.text  # the finder sends on to the article's page
    author = linked(look_server, signed_in, "/admin/bans", r"/admin/comments/[^/]+/author")
    campaign = linked(look_server, signed_in, "/admin/campaigns", r"/admin/campaigns/[^\"]+")
    found = [
        "/admin",
        "/admin/threads",
        f"/admin/threads?site={SITE}&page=/2026/12/an-article-nobody-has-commented-on-yet",
        opened.headers["location"],
        "/admin/notices",
        "/admin/notices?status=dismissed",
        author,  # the banned author: a rejection and a ban in their history
        "/admin/bans",
        "/admin/audit",
        "/admin/campaigns",
        campaign,
        "/admin/settings",
        f"/admin/settings/{SITE}",
        "/admin/webhooks",
        f"/admin/webhooks/{SITE}",
        "/admin/settings/no-such-site",  # the error page
    ]
    return [look_server.url + path for path in found]


@pytest.fixture
def dashboard(
    browser: Browser, signed_in: dict[str, Any], look_server: DemoServer
) -> Iterator[Any]:
    """dashboard(width, color_scheme, signed_in=True, locale) -> a page in a fresh context; uncaught
    JavaScript errors fail the test."""
    contexts = []
    errors: list[str] = []

    def open_context(
        width: int, color_scheme: str = "light", session: bool = True, locale: str = "en-US"
    ) -> Page:
        context = browser.new_context(
            locale=locale,  # also the Accept-Language header, which picks the language
            viewport={"width": width, "height": 900},
            color_scheme=color_scheme,  # type: ignore[arg-type]
            storage_state=signed_in if session else None,  # type: ignore[arg-type]
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield open_context
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def session_cookie(signed_in: dict[str, Any]) -> str:
    return "; ".join(f"{c['name']}={c['value']}" for c in signed_in["cookies"])


def linked(server: DemoServer, signed_in: dict[str, Any], page: str, pattern: str) -> str:
    """The first address matching ``pattern`` that ``page`` links to (the session cookie is
    Secure, which httpx keeps off plain http, so it travels as an explicit header)."""
    listed = server.http.get(page, headers={"Cookie": session_cookie(signed_in)}).text
    found = re.search(f'href="({pattern})"', listed)
    assert found, listed
    return found.group(1)


def serious_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    assert results.response["testEngine"]["name"] == "axe-core"
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


# JavaScript: the controls whose label must stay on one line, as "what: lines" for those that
# wrap. A label's lines are the distinct tops of its text's boxes (a Range over its own text,
# not the field inside it).
WRAPPED = """() => {
  const lines = (nodes) => {
    const tops = new Set();
    for (const node of nodes) {
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) if (r.width > 0) tops.add(Math.round(r.top));
    }
    return tops.size;
  };
  const out = [];
  const visible = (el) => el.getClientRects().length > 0;
  for (const el of document.querySelectorAll('button, nav a, summary, .button')) {
    if (visible(el) && lines([el]) > 1) out.push(`${el.textContent.trim()}: ${lines([el])}`);
  }
  for (const label of document.querySelectorAll('label')) {
    const own = [...label.childNodes].filter(
      (n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (visible(label) && own.length && lines(own) > 1)
      out.push(`${label.textContent.trim()}: ${lines(own)}`);
  }
  return out;
}"""


def layout_problems(page: Page, width: int) -> list[str]:
    """What is wrong with the page's layout at ``width``: a control whose label wraps, or the
    page scrolling sideways (a wide table scrolls inside its own region instead)."""
    page.locator("details.keys").evaluate_all("(all) => all.forEach((d) => d.open = true)")
    problems = [f"{page.url}: {w}" for w in page.evaluate(WRAPPED)]
    wide = page.evaluate("document.documentElement.scrollWidth")
    if wide > width:
        problems.append(f"{page.url}: the page is {wide} px wide, wider than the window")
    return problems


def signed_out_pages(page: Page, server: DemoServer) -> Iterator[Page]:
    """The sign-in form, then the authenticator-code step it leads to for an account with a
    second factor (yielded in turn, ``page`` showing each)."""
    page.goto(server.url + "/admin/sign-in")
    expect(page.locator("form.card")).to_be_visible()
    yield page
    page.locator("input[name=email]").fill(TOTP_USER)
    page.locator("input[name=password]").fill(ADMIN_PASSWORD)
    page.locator("form.card button[type=submit]").click()
    expect(page.locator("input[name=code]")).to_be_visible()
    yield page


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_finds_no_serious_violation_on_any_page(
    dashboard: Any, look_server: DemoServer, page_urls: list[str], width: int
) -> None:
    found: list[str] = []
    for shown in signed_out_pages(dashboard(width, session=False), look_server):
        found += serious_violations(shown)
    for scheme in ("light", "dark"):
        page = dashboard(width, scheme)
        for url in page_urls:
            page.goto(url)
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            found += serious_violations(page)
    assert not found, "\n".join(found)


def test_every_page_has_rows_in_its_tables(dashboard: Any, page_urls: list[str]) -> None:
    """The pages checked here show what they are for: each table has a row that is not the
    placeholder for an empty one, and the notice, endpoint and article pages their entries."""
    page = dashboard(1280)
    for url in page_urls:
        page.goto(url)
        for table in page.locator("main table").all():
            expect(table.locator("tbody td:not([colspan])").first).to_be_visible()
    page.goto(next(url for url in page_urls if url.endswith("/admin/notices")))
    expect(page.locator(".item.notice form")).to_have_count(1)
    page.goto(next(url for url in page_urls if "/admin/threads/" in url))
    expect(page.locator(".featured")).to_have_count(1)
    expect(page.locator("textarea[name=message]")).to_have_value("Please stay on topic.")
    page.goto(next(url for url in page_urls if url.endswith("/admin/webhooks/" + SITE)))
    expect(page.locator("table.deliveries tbody tr").first).to_contain_text("newsroom-desk")


@pytest.mark.parametrize("width", WIDTHS)
def test_no_control_label_wraps_and_no_page_scrolls_sideways(
    dashboard: Any, look_server: DemoServer, page_urls: list[str], width: int
) -> None:
    wrapped: list[str] = []
    for shown in signed_out_pages(dashboard(width, session=False), look_server):
        wrapped += layout_problems(shown, width)
    page = dashboard(width)
    for url in page_urls:
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        wrapped += layout_problems(page, width)
    assert not wrapped, "\n".join(wrapped)
    # The check itself sees a label that wraps (one squeezed into 60 px) and a page wider
    # than the window (a table too wide for it, outside any scrolling region).
    page.evaluate(
        """() => {
          const label = document.createElement('label');
          label.append('A caption far too long for its box ', document.createElement('input'));
          label.style.display = 'block';
          label.style.width = '60px';
          document.querySelector('main').append(label);
          const cell = document.createElement('table').insertRow().insertCell();
          cell.textContent = 'wide '.repeat(200);
          cell.style.whiteSpace = 'nowrap';  // set through the CSSOM, which the CSP allows
          document.querySelector('main').append(cell.closest('table'));
        }"""
    )
    seen = layout_problems(page, width)
    assert [w for w in seen if "A caption far too long" in w], seen
    assert [w for w in seen if "wider than the window" in w], seen


# German labels run longest; Arabic reads right to left.
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(
    ("locale", "queue"), [("de-DE", "Warteschlange"), ("ar", "قائمة الانتظار")]
)
def test_in_german_and_arabic_no_label_wraps_and_axe_passes(
    dashboard: Any,
    look_server: DemoServer,
    page_urls: list[str],
    width: int,
    locale: str,
    queue: str,
) -> None:
    problems: list[str] = []
    for shown in signed_out_pages(dashboard(width, session=False, locale=locale), look_server):
        problems += layout_problems(shown, width)
    page = dashboard(width, locale=locale)
    for url in page_urls:
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", locale[:2])
        problems += layout_problems(page, width)
        problems += serious_violations(page)
    page.goto(look_server.url + "/admin")
    expect(page.get_by_role("heading", level=1)).to_contain_text(queue)
    if locale == "ar":
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_keyboard_focus_is_always_visible(
    dashboard: Any, look_server: DemoServer, scheme: str
) -> None:
    page = dashboard(1280, scheme)
    page.goto(look_server.url + "/admin")
    expect(page.locator(".queue .item").first).to_be_visible()
    seen = set()
    for _ in range(25):
        page.keyboard.press("Tab")
        ring = page.evaluate(
            """() => {
              const el = document.activeElement;
              const style = getComputedStyle(el);
              return {tag: el.tagName + ' ' + (el.textContent || el.name || '').trim().slice(0, 30),
                      style: style.outlineStyle, width: parseFloat(style.outlineWidth),
                      color: style.outlineColor,
                      background: getComputedStyle(document.body).backgroundColor};
            }"""
        )
        seen.add(ring["tag"])
        assert ring["style"] == "solid" and ring["width"] >= 3, ring
        assert ring["color"] != ring["background"], ring
    assert len(seen) > 10, seen  # the walk went through many controls, not one


def test_the_queue_is_operated_from_the_keyboard_and_its_shortcuts_are_on_the_page(
    dashboard: Any, look_server: DemoServer
) -> None:
    posted = post_as_reader(look_server, "Approve me from the keyboard, please.")
    assert posted.status_code == 202, posted.text
    page = dashboard(390)
    page.goto(look_server.url + "/admin")
    shortcuts = page.locator("details.keys")
    shortcuts.get_by_text("Keyboard shortcuts").press("Enter")
    for key in ("j", "k", "x", "a", "r"):
        expect(shortcuts.locator("kbd", has_text=key).first).to_be_visible()
    item = page.locator(f'.queue .item[data-id="{posted.json()["id"]}"]')
    page.locator("body").click(position={"x": 1, "y": 1})
    count = page.locator(".queue .item").count()
    index = [
        page.locator(".queue .item").nth(i).get_attribute("data-id") for i in range(count)
    ].index(posted.json()["id"])
    for _ in range(index + 1):
        page.keyboard.press("j")
    expect(item).to_be_focused()
    expect(item).to_have_class("item current")
    page.keyboard.press("a")
    expect(page.get_by_role("status")).to_have_text("Approved.")
    expect(item).to_have_count(0)


def test_no_dashboard_page_names_an_environment_variable_or_internal_field(
    dashboard: Any, page_urls: list[str]
) -> None:
    page = dashboard(1280)
    for url in page_urls:
        page.goto(url)
        text = page.locator("main").inner_text()
        for internal in ("ROSTRA_", "author_email", "sign_in", "_id", "report_threshold"):
            assert internal not in text, (url, internal)
