"""Reader features in a real browser against the real server (``rostra demo``): reactions beside
votes and the "New" marks of unread comments."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.e2e.test_widget import (
    ARTICLE,
    SITE,
    article,
    loaded,
    post,
    stored,
    thread_of,
    top_level_ids,
)

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)


def accessibility_violations(page: Page) -> list[str]:
    """axe-core's findings inside the thread (its shadow root included), leaving out the
    decorative initials of avatars (``.av``, aria-hidden), whose contrast axe flags on the
    thread page with or without the reader features."""
    results = Axe().run(page, context="#rostra-thread")
    return [
        f"{v['id']}: {n['target']}"
        for v in results.response["violations"]
        for n in v["nodes"]
        if ".av[" not in str(n["target"])
    ]


def test_a_reader_reacts_and_sees_the_count_change(new_page, server):
    target = post(server, "Reactions are on by default.", name="Rosa Reader")
    page: Page = new_page()
    loaded(page)
    comment = article(page, target["id"])
    react = comment.get_by_role("button", name="React")
    expect(react).to_have_attribute("aria-expanded", "false")
    react.click()
    expect(react).to_have_attribute("aria-expanded", "true")
    assert accessibility_violations(page) == []
    comment.get_by_role("group", name="Choose a reaction").get_by_role("button", name="😮").click()

    chip = comment.get_by_role("button", name="😮: 1 reaction")
    expect(chip).to_have_attribute("aria-pressed", "true")
    expect(chip).to_be_focused()
    after = stored(server, target["id"])
    assert after is not None and after["reactions"] == {"😮": 1}

    # Another reader's reaction arrives live; choosing again takes one's own back.
    other = server.http.post(f"/api/v1/comments/{target['id']}/reaction", json={"reaction": "😮"})
    assert other.status_code == 200, other.text
    expect(comment.get_by_role("button", name="😮: 2 reactions")).to_be_visible()
    comment.get_by_role("button", name="😮: 2 reactions").click()
    expect(comment.get_by_role("button", name="😮: 1 reaction")).to_have_attribute(
        "aria-pressed", "false"
    )
    assert (stored(server, target["id"]) or {})["reactions"] == {"😮": 1}

    # The "Most reacted" tab puts it first.
    thread_of(page).get_by_role("tab", name="Most reacted").click()
    expect(thread_of(page).locator("ol.list > li").first).to_have_attribute(
        "data-id", top_level_ids(server, sort="reactions")[0]
    )
    assert top_level_ids(server, sort="reactions")[0] == target["id"]

    page.reload()
    loaded(page)
    expect(article(page, target["id"]).get_by_role("button", name="😮: 1 reaction")).to_be_visible()


def test_a_returning_reader_sees_which_comments_are_new(new_page, server):
    page: Page = new_page()
    loaded(page)
    expect(thread_of(page).locator(".new")).to_have_count(0)  # a first visit marks nothing
    old = top_level_ids(server)[0]

    fresh = post(server, "Posted while the reader was away.", name="Nora Newcomer")
    page.reload()
    loaded(page)
    marked = article(page, fresh["id"])
    badge = marked.locator(".new")
    expect(badge).to_have_count(1)
    expect(badge).to_contain_text("New")
    expect(badge.locator(".sr")).to_have_text("New since your last visit")  # not colour alone
    assert accessibility_violations(page) == []
    expect(article(page, old).locator(".new")).to_have_count(0)

    page.reload()  # seen now: no longer new
    loaded(page)
    expect(article(page, fresh["id"])).to_be_visible()
    expect(thread_of(page).locator(".new")).to_have_count(0)
    seen = page.evaluate("() => Object.keys(JSON.parse(localStorage.getItem('rostra:seen')))")
    assert seen == [f"{SITE} {ARTICLE}"]


def test_typing_at_suggests_the_threads_authors_and_links_the_mention(new_page, server):
    marta = post(server, "The bridge was closed for two years.", name="Marta Mentioned")
    page: Page = new_page()
    loaded(page)
    thread = thread_of(page)
    box = thread.get_by_role("textbox", name="Your comment")
    box.click()
    box.press_sequentially("Thanks @ment")
    names = thread.get_by_role("listbox", name="People in this thread")
    expect(names).to_be_visible()
    expect(names.get_by_role("option")).to_have_text(["Marta Mentioned"])
    expect(names.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    assert accessibility_violations(page) == []
    box.press("Enter")
    expect(names).to_be_hidden()
    expect(box).to_have_value("Thanks @Marta Mentioned ")
    box.press_sequentially("for the dates.")
    thread.get_by_label("Name", exact=True).fill("Ada Reader")
    thread.get_by_role("button", name="Post comment").click()

    mention = (
        thread.locator("ol.list > li")
        .first.locator(":scope > article")
        .get_by_role("link", name="@Marta Mentioned")
    )
    expect(mention).to_have_attribute("href", f"#comment-{marta['id']}")
    mention.click()
    expect(article(page, marta["id"])).to_have_class(re.compile(r"\btarget\b"))
