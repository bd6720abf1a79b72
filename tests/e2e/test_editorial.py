"""Editorial controls in Chromium against the real ``rostra demo`` server: closing an article
in one click in the dashboard, the reader's "Comments are closed" in place of the composer with
the newsroom's message above the thread, and the Featured tab with its badge and note."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DemoServer
from tests.e2e.test_dashboard import (
    ARTICLE,
    SITE,
    demo_moderator,
    post_as_reader,
    sign_in,
    staff_headers,
)

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)


def _thread_id(server: DemoServer, headers: dict[str, str]) -> int:
    found = server.http.post(
        "/api/v1/moderation/threads", json={"site": SITE, "page": ARTICLE}, headers=headers
    )
    assert found.status_code == 200, found.text
    thread_id: int = found.json()["id"]
    return thread_id


def test_one_click_close_in_the_dashboard_shows_readers_that_comments_are_closed(
    new_page: Any, server: DemoServer
) -> None:
    posted = post_as_reader(server, "The new lights on the bridge look great.")
    assert posted.status_code == 201, posted.text
    email, password = demo_moderator(server)
    headers = staff_headers(server, email, password)
    thread_id = _thread_id(server, headers)
    message = server.http.patch(
        f"/api/v1/moderation/threads/{thread_id}",
        json={"message": "Please keep it **civil**: people were hurt."},
        headers=headers,
    )
    assert message.status_code == 200, message.text

    moderator: Page = new_page(url=server.url + "/admin")
    sign_in(moderator, server, email, password)
    moderator.get_by_role("link", name="Articles").click()
    moderator.get_by_label("Site").select_option(SITE)
    moderator.get_by_label("Article").fill(ARTICLE)
    moderator.get_by_role("button", name="Open").click()
    expect(moderator).to_have_url(re.compile(rf"/admin/threads/{thread_id}$"))
    expect(moderator.get_by_role("heading", level=2).first).to_have_text("Comments are open")
    moderator.get_by_role("button", name="Close comments").click()  # the one click
    expect(moderator.get_by_role("status")).to_have_text("Comments are closed on this article.")
    expect(moderator.get_by_role("heading", level=2).first).to_have_text("Comments are closed")

    reader: Page = new_page()
    thread = reader.locator("#rostra-thread")
    expect(thread.get_by_text("Comments are closed.")).to_be_visible()
    expect(thread.locator(".ed strong")).to_have_text("civil")
    expect(thread).to_contain_text("The new lights on the bridge look great.")
    expect(thread.get_by_label("Your comment")).to_be_hidden()
    expect(thread.get_by_role("button", name="Reply")).to_have_count(0)

    moderator.goto(server.url + "/admin/audit")
    expect(moderator.locator("tbody tr").first).to_contain_text("close_thread")
    expect(moderator.locator("tbody tr").first).to_contain_text(email)


def test_featured_tab_shows_the_pick_with_its_badge_and_note(
    new_page: Any, server: DemoServer
) -> None:
    picked = post_as_reader(server, "The footbridge deserves a plaque, too.")
    other = post_as_reader(server, "The new lights on the bridge look great.")
    assert picked.status_code == 201, picked.text
    assert other.status_code == 201, other.text
    email, password = demo_moderator(server)
    headers = staff_headers(server, email, password)
    response = server.http.post(
        f"/api/v1/moderation/comments/{picked.json()['id']}/feature",
        json={"note": "A view from the night shift."},
        headers=headers,
    )
    assert response.status_code == 200, response.text

    reader: Page = new_page()
    thread = reader.locator("#rostra-thread")
    tab = thread.get_by_role("tab", name="Featured")
    expect(tab).to_be_visible()
    # In the usual order the pick carries its badge where it stands.
    pick = thread.locator("article", has_text="deserves a plaque")
    expect(pick.locator(".badge")).to_have_text("Featured")
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    expect(thread.locator(".list > li")).to_have_count(1)
    expect(thread.locator(".list")).to_contain_text("deserves a plaque")
    expect(thread.locator(".list")).not_to_contain_text("The new lights on the bridge look great.")
    expect(thread.locator(".list .badge")).to_have_text("Featured")
    expect(thread.locator(".list .pick")).to_have_text(
        "Editor's note: A view from the night shift."
    )


def test_slow_mode_and_images_off_in_the_readers_words(new_page: Any, server: DemoServer) -> None:
    from tests.e2e.test_widget import write_comment

    reader: Page = new_page()
    thread = reader.locator("#rostra-thread")
    box = thread.get_by_role("textbox", name="Your comment")
    box.fill("Before the change.")  # the open composer offers an image
    expect(thread.get_by_role("button", name="Add image")).to_be_visible()

    email, password = demo_moderator(server)
    headers = staff_headers(server, email, password)
    thread_id = _thread_id(server, headers)
    changed = server.http.patch(
        f"/api/v1/moderation/threads/{thread_id}",
        json={"slow_mode_minutes": 10, "images": False},
        headers=headers,
    )
    assert changed.status_code == 200, changed.text

    reader.reload()
    slow = thread.get_by_text("Slow mode: one comment per reader every 10 minutes.")
    expect(slow).to_be_visible()
    write_comment(reader, "The footbridge deserves a plaque, too.")
    box.fill("And the lights look great.")
    expect(thread.get_by_role("button", name="Post comment")).to_be_visible()
    expect(thread.get_by_role("button", name="Add image")).to_have_count(0)
    thread.get_by_role("button", name="Post comment").click()
    expect(thread.get_by_text("Slow mode: you can comment again in 10 minutes.")).to_be_visible()
