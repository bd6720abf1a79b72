"""The widget in the page's language: its table loaded only when the page asks for it, plural
rules per language, numbers, money and times in the reader's locale, right to left for Arabic."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

from tests.e2e.conftest import DemoServer, running_demo

pytestmark = pytest.mark.browser
# Runs before the loader's own DOMContentLoaded listener: the page "is" in this language.
SET_LANG = """lang => document.addEventListener("DOMContentLoaded", () => {
  document.querySelector("#rostra-thread").dataset.lang = lang;
  document.querySelector("[data-rostra-support]").dataset.lang = lang;
}, { once: true })"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    with running_demo(tmp_path_factory.mktemp("languages")) as demo:
        yield demo


def open_in(browser: object, server: DemoServer, lang: str | None) -> tuple[object, list[str]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    context.set_default_timeout(15_000)
    if lang:
        context.add_init_script(f"({SET_LANG})({lang!r})")
    page = context.new_page()
    tables: list[str] = []
    page.on(
        "request", lambda r: "/widget/lang-" in r.url and tables.append(r.url.rsplit("/", 1)[1])
    )
    page.goto(server.url + "/")
    return page, tables


@pytest.mark.parametrize(
    ("lang", "heading", "post", "sort"),
    [
        ("de", "13 Kommentare", "Kommentar senden", "Neueste"),
        ("ru", "13 комментариев", "Отправить", "Новые"),
        ("pl-PL", "13 komentarzy", "Opublikuj komentarz", "Najnowsze"),
        ("fr", "13 commentaires", "Publier", "Plus récents"),
    ],
)
def test_strings_plurals_and_numbers_follow_the_pages_language(
    browser: object, server: DemoServer, lang: str, heading: str, post: str, sort: str
) -> None:
    from playwright.sync_api import expect

    page, tables = open_in(browser, server, lang)
    thread = page.locator("#rostra-thread")  # type: ignore[attr-defined]
    expect(thread.get_by_role("heading", level=2)).to_have_text(heading)
    expect(thread.get_by_role("tab", name=sort)).to_be_visible()
    thread.locator("textarea").first.focus()
    expect(thread.get_by_role("button", name=post)).to_be_visible()
    # Times in the reader's language (the newest comment is half an hour old).
    expected_ago = page.evaluate(  # type: ignore[attr-defined]
        "l => new Intl.RelativeTimeFormat(l, { numeric: 'auto' }).format(-30, 'minute')", lang
    )
    expect(thread.locator("time").first).to_have_text(expected_ago)
    # Money in the campaign's currency, written the page's way.
    support = page.locator("[data-rostra-support]")  # type: ignore[attr-defined]
    raised = page.evaluate(  # type: ignore[attr-defined]
        "l => new Intl.NumberFormat(l, { style: 'currency', currency: 'GBP',"
        " maximumFractionDigits: 0 }).format(1860)",
        lang,
    )
    expect(support.locator(".nums strong")).to_have_text(raised)
    assert tables == [f"lang-{lang[:2]}.js"], tables
    page.context.close()  # type: ignore[attr-defined]


def test_arabic_reads_right_to_left_and_english_loads_no_table(
    browser: object, server: DemoServer
) -> None:
    from playwright.sync_api import expect

    page, tables = open_in(browser, server, "ar")
    thread = page.locator("#rostra-thread")  # type: ignore[attr-defined]
    expect(thread.get_by_role("tab", name="الأحدث")).to_be_visible()
    section = thread.locator("section").first
    expect(section).to_have_attribute("dir", "rtl")
    assert section.evaluate("el => getComputedStyle(el).direction") == "rtl"
    heading = thread.get_by_role("heading", level=2).inner_text()
    assert "تعليق" in heading, heading
    assert tables == ["lang-ar.js"], tables
    page.context.close()  # type: ignore[attr-defined]

    page, tables = open_in(browser, server, None)
    thread = page.locator("#rostra-thread")  # type: ignore[attr-defined]
    expect(thread.get_by_role("heading", level=2)).to_have_text(re.compile(r"^13 Comments$"))
    assert thread.locator("section").first.get_attribute("dir") is None
    assert tables == []
    page.context.close()  # type: ignore[attr-defined]


def test_the_api_answers_in_the_pages_language_not_the_browsers(
    browser: object, server: DemoServer, publisher: Callable[[str], str]
) -> None:
    """A German page on the publisher's site, read in a French browser: every API call the
    widget makes across origins says "de", so the server's messages come back in German."""
    from playwright.sync_api import expect

    api = server.url.replace("127.0.0.1", "localhost")  # another site than the page's
    page_url = publisher(
        '<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Kurier</title></head>'
        '<body><h1>Anderswo</h1><div id="rostra-thread" data-site="kurier" data-page="/wahl">'
        f'</div><script src="{api}/widget.js" async></script></body></html>'
    )
    subprocess.run(
        [sys.executable, "-m", "rostra", "site", "add", "kurier", "--origin", page_url,
         "--database", server.database],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    context = browser.new_context(locale="fr-FR")  # type: ignore[attr-defined]
    context.set_default_timeout(15_000)
    page = context.new_page()
    calls: list[object] = []
    page.on("request", lambda r: "/api/v1/" in r.url and calls.append(r))
    page.goto(page_url + "/")
    thread = page.locator("#rostra-thread")
    expect(thread.get_by_role("heading", level=2)).to_have_text("0 Kommentare")

    # A comment of one's own, then an edit with an edit token the server does not know: the
    # browser still offers the edit, and the server refuses it in the page's language.
    page.clock.install()  # the new site screens forms sent within seconds of opening
    box = thread.get_by_role("textbox", name="Ihr Kommentar")
    box.click()
    page.clock.fast_forward("00:10")
    box.fill("Die Brücke ist endlich wieder offen.")
    thread.get_by_label("Name", exact=True).fill("Jonas")
    thread.get_by_role("button", name="Kommentar senden").click()
    expect(thread.locator("ol.list > li")).to_have_count(1)
    page.evaluate(
        """() => {
          const all = JSON.parse(localStorage.getItem("rostra:tokens"));
          for (const id in all) all[id].t = "not-this-comments-token";
          localStorage.setItem("rostra:tokens", JSON.stringify(all));
        }"""
    )
    page.reload()
    thread.get_by_role("button", name="Bearbeiten").click()
    thread.get_by_role("textbox", name="Kommentar bearbeiten").fill("Die Brücke ist offen.")
    thread.get_by_role("button", name="Änderungen speichern").click()
    expect(thread.get_by_role("alert").filter(has_text="Bearbeitungsschlüssel")).to_have_text(
        "Der Bearbeitungsschlüssel gehört nicht zu diesem Kommentar."
    )
    sent = {r.url.split("?")[0]: r.all_headers().get("accept-language") for r in calls}  # type: ignore[attr-defined]
    # Every call of the widget's says "de"; only the live stream goes without (an EventSource
    # cannot send headers, and its events carry no sentences).
    assert sent.pop(f"{api}/api/v1/events", None) in ("fr-FR", None)
    assert f"{api}/api/v1/comments" in sent and len(sent) >= 3, sent  # the edit's PATCH too
    assert set(sent.values()) == {"de"}, sent
    context.close()  # type: ignore[attr-defined]
