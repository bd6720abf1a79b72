"""The dashboard's look in Chromium at phone and desktop widths: axe-core finds no serious or
critical violation on any of its pages (light and dark), no control's label wraps onto a second
line, keyboard focus is always visible, and the queue is operated from the keyboard.

One ``rostra demo`` serves the whole module: the tests only read its pages (and the keyboard
test approves a comment of its own), so they do not depend on each other's state or order.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import DemoServer, running_demo
from tests.e2e.test_dashboard import ADMIN, ADMIN_PASSWORD, SITE, post_as_reader, pre_moderate

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)

WIDTHS = (390, 1280)
SERIOUS = {"serious", "critical"}


@pytest.fixture(scope="module")
def look_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """The demo with an admin, the site in pre-moderation, a held comment and a ban."""
    with running_demo(tmp_path_factory.mktemp("look")) as server:
        pre_moderate(server)
        held = post_as_reader(server, "The new footbridge lights are far too bright at night.")
        assert held.status_code == 202, held.text
        banned = post_as_reader(server, "Visit my garden shop", author_email="s@example.org")
        assert banned.status_code == 202, banned.text
        yield server


@pytest.fixture(scope="module")
def signed_in(browser: Browser, look_server: DemoServer) -> dict[str, Any]:
    """The admin's session (cookies), signed in once through the form; each test's context
    starts from it. A ban is made through the queue so the bans page has a row."""
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
    state: dict[str, Any] = context.storage_state()  # type: ignore[assignment]
    context.close()
    return state


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


def pages(server: DemoServer) -> list[str]:
    """Every dashboard page a signed-in admin reaches by address: the queue, bans, audit log,
    reader support, the settings index, the demo site's settings and an error page."""
    found = [
        "/admin",
        "/admin/bans",
        "/admin/audit",
        "/admin/campaigns",
        "/admin/settings",
        f"/admin/settings/{SITE}",
        "/admin/settings/no-such-site",  # the error page
    ]
    return [server.url + path for path in found]


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


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_finds_no_serious_violation_on_any_page(
    dashboard: Any, look_server: DemoServer, width: int
) -> None:
    found: list[str] = []
    signed_out = dashboard(width, session=False)
    signed_out.goto(look_server.url + "/admin/sign-in")
    expect(signed_out.get_by_role("heading", level=1)).to_have_text("Staff sign-in")
    found += serious_violations(signed_out)
    for scheme in ("light", "dark"):
        page = dashboard(width, scheme)
        for url in pages(look_server):
            page.goto(url)
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            found += serious_violations(page)
        page.get_by_role("link", name="Reader support").click()
        page.locator("tbody a").first.click()  # the demo's campaign
        expect(page.get_by_role("heading", name="Ledger")).to_be_visible()
        found += serious_violations(page)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("width", WIDTHS)
def test_no_control_label_wraps_and_no_page_scrolls_sideways(
    dashboard: Any, look_server: DemoServer, width: int
) -> None:
    page = dashboard(width)
    wrapped: list[str] = []
    for url in pages(look_server):
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.locator("details.keys").evaluate_all("(all) => all.forEach((d) => d.open = true)")
        wrapped += [f"{url}: {w}" for w in page.evaluate(WRAPPED)]
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > width:
            wrapped.append(f"{url}: the page is {wide} px wide, wider than the window")
    assert not wrapped, "\n".join(wrapped)
    # The check itself sees a label that wraps: one squeezed into 60 px.
    page.evaluate(
        """() => {
          const label = document.createElement('label');
          label.append('A caption far too long for its box ', document.createElement('input'));
          label.style.display = 'block';
          label.style.width = '60px';
          document.querySelector('main').append(label);
        }"""
    )
    assert [w for w in page.evaluate(WRAPPED) if w.startswith("A caption far too long")]


# German labels run longest; Arabic reads right to left.
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(
    ("locale", "queue"), [("de-DE", "Warteschlange"), ("ar", "قائمة الانتظار")]
)
def test_in_german_and_arabic_no_label_wraps_and_axe_passes(
    dashboard: Any, look_server: DemoServer, width: int, locale: str, queue: str
) -> None:
    page = dashboard(width, locale=locale)
    problems: list[str] = []
    for url in pages(look_server):
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", locale[:2])
        page.locator("details.keys").evaluate_all("(all) => all.forEach((d) => d.open = true)")
        problems += [f"{url}: {w}" for w in page.evaluate(WRAPPED)]
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > width:
            problems.append(f"{url}: the page is {wide} px wide, wider than the window")
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
    dashboard: Any, look_server: DemoServer
) -> None:
    page = dashboard(1280)
    for url in pages(look_server):
        page.goto(url)
        text = page.locator("main").inner_text()
        for internal in ("ROSTRA_", "author_email", "sign_in", "_id", "report_threshold"):
            assert internal not in text, (url, internal)
