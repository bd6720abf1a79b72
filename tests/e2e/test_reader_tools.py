"""What a reader does besides writing: following a thread without commenting ("Notify of"),
reporting with a reason, permalinks, the staff badge, no votes on one's own comment, an inline
comment's way back to its passage, the image lightbox; the account bar in the page's language.

One demo server for the module (its mail sink catches the confirmation mail)."""

from __future__ import annotations

import io
import re
import sqlite3
from collections.abc import Iterator

import pytest
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import DemoServer, running_demo
from tests.e2e.test_demo import open_mail

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)
SITE = "demo"
ARTICLE = "/2026/11/river-bridge-reopens"
SET_LANG = """lang => document.addEventListener("DOMContentLoaded", () => {
  document.querySelector("#rostra-thread").dataset.lang = lang;
}, { once: true })"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    with running_demo(tmp_path_factory.mktemp("reader")) as demo:
        yield demo


def stored(server: DemoServer, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(server.database.removeprefix("sqlite:///")) as db:
        return list(db.execute(sql, args))


def posted(server: DemoServer, body: str, name: str = "Ida Other") -> dict[str, object]:
    comment = {
        "site": SITE,
        "page": ARTICLE,
        "author_name": name,
        "body": body,
        "elapsed_ms": 60_000,
    }
    answer = server.http.post("/api/v1/comments", json=comment, headers={"Origin": server.url})
    assert answer.status_code == 201, answer.text
    result: dict[str, object] = answer.json()
    return result


def article(page: Page, comment_id: object) -> Locator:
    return page.locator(f"#rostra-thread li[data-id='{comment_id}'] > article")


def test_notify_of_subscribes_without_a_comment(new_page, server: DemoServer) -> None:
    page: Page = new_page()
    thread = page.locator("#rostra-thread")
    follow = thread.get_by_role("button", name="Notify of")
    expect(follow).to_have_attribute("aria-expanded", "false")
    follow.click()
    expect(follow).to_have_attribute("aria-expanded", "true")
    form = thread.locator("form.follow")
    email = form.get_by_label("Email")
    expect(email).to_be_focused()
    email.fill("")
    form.get_by_role("button", name="Subscribe").click()
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(form).to_contain_text("Give your email address to be notified.")
    # An address the server refuses: the reader reads a sentence, never a field's name.
    email.fill("not-an-address")
    form.get_by_role("button", name="Subscribe").click()
    expect(form).to_contain_text("Please give a valid email address.")
    expect(form).not_to_contain_text("'email'")
    email.fill("lena@example.org")
    form.get_by_label("Notify of").select_option("all")
    form.get_by_role("button", name="Subscribe").click()
    expect(form.get_by_role("status")).to_have_text(re.compile("Check your inbox to confirm"))
    expect(email).not_to_have_attribute("aria-invalid", "true")
    assert not stored(server, "SELECT id FROM comments WHERE author_name = 'lena@example.org'")
    ((status, kind),) = stored(
        server, "SELECT status, kind FROM subscriptions WHERE email = 'lena@example.org'"
    )
    assert (status, kind) == ("pending", "all")
    # Escape closes the form and gives focus back to the button.
    form.get_by_label("Email").press("Escape")
    expect(thread.locator("form.follow")).to_have_count(0)
    expect(follow).to_be_focused()

    text = open_mail(page, server, "lena@example.org", "Confirm your notifications")
    page.locator("pre a", has_text="/subscriptions/confirm").click()
    page.get_by_role("button", name="Yes, confirm").click()
    expect(page.get_by_role("heading", name="Confirmed")).to_be_visible()
    assert "new comments on" in text


def test_a_german_reader_follows_in_german_and_gets_german_mail_and_pages(
    browser, server: DemoServer
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    context.add_init_script(f"({SET_LANG})('de')")
    page = context.new_page()
    try:
        page.goto(server.url + "/")
        thread = page.locator("#rostra-thread")
        thread.get_by_role("button", name="Benachrichtigen bei").click()
        form = thread.locator("form.follow")
        form.get_by_label("E-Mail").fill("jonas@example.org")
        form.get_by_role("button", name="Abonnieren").click()
        expect(form.get_by_role("status")).to_have_text(re.compile("Postfach"))
        # The account bar (sign-in by email on the demo) speaks German too.
        bar = page.locator(".rostra-account")
        expect(bar.get_by_role("button", name="Anmeldelink per E-Mail senden")).to_be_visible()

        text = open_mail(page, server, "jonas@example.org", "Bestätigen Sie")
        assert "Hallo," in text and "neue Kommentare" in text
        page.locator("pre a", has_text="/subscriptions/confirm").click()
        expect(page.locator("html")).to_have_attribute("lang", "de")
        page.get_by_role("button", name="Ja, bestätigen").click()
        expect(page.get_by_role("heading", name="Bestätigt")).to_be_visible()
    finally:
        context.close()


def test_report_asks_for_a_reason_and_stores_it(new_page, server: DemoServer) -> None:
    target = posted(server, "The parade photos from the opening are on my blog.")
    page: Page = new_page()
    item = article(page, target["id"])
    report = item.get_by_role("button", name="Report", exact=True)
    report.click()
    expect(report).to_have_attribute("aria-expanded", "true")
    group = item.get_by_role("group", name="Why are you reporting this comment?")
    expect(group.get_by_role("radio")).to_have_count(5)
    item.get_by_role("button", name="Send report").click()
    expect(item.get_by_role("alert")).to_have_text("Choose a reason.")
    assert not stored(server, "SELECT 1 FROM comment_reports WHERE comment_id = ?", target["id"])
    group.get_by_label("Spam").check()
    item.get_by_label(re.compile("Anything else")).fill("Same link in three threads")
    item.get_by_role("button", name="Send report").click()
    expect(item.get_by_role("button", name="Reported to the moderators")).to_be_disabled()
    rows = stored(
        server,
        "SELECT category, reason FROM comment_reports WHERE comment_id = ?",
        target["id"],
    )
    assert rows == [("spam", "Same link in three threads")]


def test_no_vote_on_ones_own_comment(new_page, server: DemoServer) -> None:
    other = posted(server, "The old ferry landing should become a small park.")
    page: Page = new_page()
    page.clock.install()
    # A vote elsewhere first: this browser then has its voter identity when it posts.
    article(page, other["id"]).get_by_role("button", name="Upvote").click()
    expect(article(page, other["id"]).get_by_role("button", name="Upvote")).to_have_attribute(
        "aria-pressed", "true"
    )
    thread = page.locator("#rostra-thread")
    form = thread.locator("form.form").first
    form.get_by_role("textbox", name="Your comment").fill("My own view: it looks grand.")
    form.get_by_label("Name").fill("Mia Mine")
    page.clock.fast_forward("00:10")
    form.get_by_role("button", name="Post comment").click()
    mine = thread.locator("article.c", has_text="My own view")
    expect(mine).to_be_visible()
    expect(mine.locator(".score")).to_be_visible()
    expect(mine.get_by_role("button", name="Upvote")).to_have_count(0)
    expect(mine.get_by_role("button", name="Downvote")).to_have_count(0)
    # The server refuses it too, for a page that would still send it.
    comment_id = mine.locator("xpath=..").get_attribute("data-id")
    answer = page.evaluate(
        """async (id) => {
          const r = await fetch(`/api/v1/comments/${id}/vote`, {
            method: "POST", credentials: "include",
            headers: { "Content-Type": "application/json" }, body: JSON.stringify({ value: 1 }),
          });
          return [r.status, await r.json()];
        }""",
        comment_id,
    )
    assert answer[0] == 403, answer
    assert answer[1]["error"]["code"] == "own_comment"


def test_permalink_opens_at_its_comment_and_the_timestamp_links_to_it(
    new_page, server: DemoServer
) -> None:
    target = posted(server, "Read this one through its permalink.")
    page: Page = new_page(url=f"{server.url}/#comment-{target['id']}", height=600)
    item = article(page, target["id"])
    expect(item).to_have_class(re.compile(r"\btarget\b"))
    expect(item).to_be_in_viewport()
    link = item.locator("a.perma")
    expect(link).to_have_attribute("href", f"#comment-{target['id']}")
    other = page.locator("#rostra-thread a.perma").first
    other.click()
    assert page.evaluate("location.hash") == other.get_attribute("href")
    expect(page.locator("#rostra-thread article.target")).to_have_count(1)


def test_the_newsrooms_reply_wears_the_staff_badge(new_page) -> None:
    page: Page = new_page()
    badge = page.locator("#rostra-thread .badge", has_text="Staff")
    expect(badge.first).to_be_visible()


def test_an_inline_comments_quote_leads_back_to_its_passage(new_page) -> None:
    page: Page = new_page(height=600)
    thread = page.locator("#rostra-thread")
    # The quote is a link: it leads to a place on the page.
    quote = thread.get_by_role("link", name="18% over the revised budget").first
    quote.scroll_into_view_if_needed()
    quote.click()
    # The passage is highlighted (CSS Custom Highlight) and in view, and its paragraph has focus.
    assert page.wait_for_function(
        """() => {
          const h = CSS.highlights.get("rostra-here");
          const r = h && [...h][0];
          return r && r.toString() === "18% over the revised budget set in 2025";
        }"""
    )
    focused = page.evaluate(
        "() => document.activeElement.closest('[data-rostra-article]') !== null"
        " && document.activeElement.textContent.includes('18% over the revised budget')"
    )
    assert focused
    box = page.evaluate(
        """() => { const r = [...CSS.highlights.get("rostra-here")][0].getBoundingClientRect();
                   return [r.top, r.bottom, innerHeight]; }"""
    )
    assert box[0] >= 0 and box[1] <= box[2], box


def png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 20)).save(out, "PNG")
    return out.getvalue()


def test_an_image_opens_in_an_accessible_lightbox(new_page) -> None:
    page: Page = new_page()
    page.clock.install()
    thread = page.locator("#rostra-thread")
    box = thread.get_by_role("textbox", name="Your comment")
    box.click()
    box.fill("The new lane, seen from the bank.")
    thread.get_by_label("Name", exact=True).fill("Pia Photographer")
    thread.locator('input[type="file"]').set_input_files(
        {"name": "lane.png", "mimeType": "image/png", "buffer": png((1200, 800))}
    )
    thread.get_by_role("textbox", name="Describe the image").fill("The new lane")
    page.clock.fast_forward("00:10")
    thread.get_by_role("button", name="Post comment").click()
    link = thread.locator(".imgs a").first
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    link.click()
    dialog = page.get_by_role("dialog", name="The new lane")
    expect(dialog).to_be_visible()
    expect(dialog.locator("img")).to_have_attribute("src", href or "")
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    assert page.evaluate("location.href").endswith("/")  # the page stayed
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(link).to_be_focused()
    link.click()
    page.get_by_role("dialog").get_by_role("button", name="Close").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(link).to_be_focused()
