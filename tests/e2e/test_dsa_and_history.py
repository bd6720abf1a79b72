"""In Chromium against ``rostra demo``: a reader sends an EU DSA notice from the widget, and a
moderator reads a comment author's history in the dashboard and leaves a note."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DemoServer
from tests.e2e.test_dashboard import demo_moderator, sign_in, staff_headers
from tests.e2e.test_widget import article, loaded, post, thread_of

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)


def test_reader_sends_a_notice_from_the_widget_and_gets_a_reference(
    new_page: Any, server: DemoServer
) -> None:
    comment = post(server, "The council met on Tuesday evening.", name="Loose Talker")
    page: Page = new_page()
    loaded(page)
    art = article(page, comment["id"])
    button = art.get_by_role("button", name="Report illegal content")
    button.click()
    form = thread_of(page).get_by_role("form", name="Report illegal content")
    expect(form.get_by_label("Kind of illegal content")).to_be_focused()
    form.get_by_label("Kind of illegal content").select_option("defamation")
    form.get_by_label("Why is it illegal?").fill("A false accusation of a crime, with no source.")
    form.get_by_label("Your name").fill("Mia Mayor")
    form.get_by_label("Your email (for the answer)").fill("mia@example.org")
    form.get_by_label(re.compile("in good faith")).check()
    # The same form is a page of its own, for readers who prefer it, in the widget's language.
    link = form.get_by_role("link", name="Open as a page")
    expect(link).to_have_attribute(
        "href", f"{server.url}/dsa/notice?comment={comment['id']}&lang=en"
    )
    form.get_by_role("button", name="Send notice").click()
    done = art.get_by_text(re.compile("reference is"))
    expect(done).to_contain_text(re.compile(r"reference is N[0-9A-Z_-]{15}"))
    reference = re.search(r"N[0-9A-Z_-]{15}", done.text_content() or "")
    assert reference is not None

    email, password = demo_moderator(server)
    listed = server.http.get(
        "/api/v1/moderation/dsa/notices", headers=staff_headers(server, email, password)
    ).json()["notices"]
    assert [(n["id"], n["category"], n["notifier_name"]) for n in listed] == [
        (reference.group(0), "defamation", "Mia Mayor")
    ]


def test_moderator_reads_the_author_history_and_leaves_a_note(
    new_page: Any, server: DemoServer
) -> None:
    first = post(
        server, "First remark on the bridge.", name="Nia Note", author_email="nia@example.org"
    )
    second = post(
        server, "Second remark on the bridge.", name="Nia Note", author_email="nia@example.org"
    )
    email, password = demo_moderator(server)
    headers = staff_headers(server, email, password)
    reported = server.http.post(
        f"/api/v1/moderation/comments/{first['id']}/reject",
        json={"reason": "off topic"},
        headers=headers,
    )
    assert reported.status_code == 200, reported.text
    moderator: Page = new_page(url=server.url + "/admin")
    sign_in(moderator, server, email, password)
    moderator.goto(f"{server.url}/admin/comments/{second['id']}/author")
    expect(moderator.get_by_role("heading", level=1)).to_contain_text("Nia Note")
    counts = moderator.locator("#author-counts")
    expect(counts).to_contain_text("Published")
    expect(counts.locator("div").filter(has_text="Rejected").locator("dd")).to_have_text("1")
    expect(moderator.locator("#author-trust")).to_contain_text("first-time review")
    expect(moderator.get_by_role("table").first).to_contain_text("First remark on the bridge.")
    moderator.get_by_label("A note for all staff").fill("Asked by mail to stay on topic.")
    moderator.get_by_role("button", name="Add note").click()
    expect(moderator.get_by_role("status")).to_have_text("The note is saved.")
    expect(moderator.locator("#author-notes")).to_contain_text("Asked by mail to stay on topic.")
    expect(moderator.locator("#author-notes")).to_contain_text(email)


def test_notice_page_author_page_and_notices_page_pass_axe(
    new_page: Any, server: DemoServer
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    comment = post(server, "Checked for accessibility.", name="Axe Reader")
    page: Page = new_page(url=f"{server.url}/dsa/notice?comment={comment['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Report illegal content")
    pages = {"notice page": page}
    moderator: Page = new_page(url=server.url + "/admin")
    email, password = demo_moderator(server)
    sign_in(moderator, server, email, password)
    for name, path in (
        ("author page", f"/admin/comments/{comment['id']}/author"),
        ("notices page", "/admin/notices"),
    ):
        other: Page = new_page(url=server.url + "/admin")
        other.context.add_cookies(moderator.context.cookies())
        other.goto(server.url + path)
        expect(other.get_by_role("heading", level=1)).to_be_visible()
        pages[name] = other
    for name, shown in pages.items():
        results = Axe().run(shown)
        assert results.violations_count == 0, f"{name}: {results.generate_report()}"
