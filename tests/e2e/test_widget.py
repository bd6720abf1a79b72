"""The comment widget in a real browser against the real server (``rostra demo``).

Every test opens the demo article, whose thread is ``/2026/11/river-bridge-reopens`` on site
``demo``, and checks what a reader sees and what the server stored. Expected orders and counts are
read from the API rather than copied from the demo's seed data.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect

from rostra.web.pages import widget_file
from tests.e2e.conftest import DemoServer

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)

SITE = "demo"
ARTICLE = "/2026/11/river-bridge-reopens"
COUNT = re.compile(r"^\d+ Comments?$")


# Helpers ------------------------------------------------------------------------------------


def post(server: DemoServer, body: str, name: str = "API Reader", **extra: Any) -> dict[str, Any]:
    """Post a comment through the HTTP API, as another reader would."""
    response = server.http.post(
        "/api/v1/comments",
        json={"site": SITE, "page": ARTICLE, "author_name": name, "body": body, **extra},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def top_level_ids(server: DemoServer, sort: str = "newest") -> list[str]:
    """Every top-level comment id in the server's order, following the cursors."""
    ids: list[str] = []
    cursor = None
    while True:
        params = {"site": SITE, "page": ARTICLE, "sort": sort, "limit": "20"}
        if cursor:
            params["cursor"] = cursor
        data = server.http.get("/api/v1/comments", params=params).json()
        ids += [c["id"] for c in data["comments"]]
        if not (cursor := data["next_cursor"]):
            return ids


def find(comments: list[dict[str, Any]], comment_id: str) -> dict[str, Any] | None:
    for c in comments:
        if c["id"] == comment_id:
            return c
        if hit := find(c["replies"], comment_id):
            return hit
    return None


def stored(server: DemoServer, comment_id: str) -> dict[str, Any] | None:
    """The comment as the API shows it now (first page, newest first), or None."""
    data = server.http.get(
        "/api/v1/comments", params={"site": SITE, "page": ARTICLE, "limit": "100"}
    ).json()
    return find(data["comments"], comment_id)


def thread_of(page: Page) -> Locator:
    return page.locator("#rostra-thread")


def loaded(page: Page) -> Locator:
    """Wait until the thread shows its comment count; returns the count heading."""
    heading = thread_of(page).get_by_role("heading", level=2)
    expect(heading).to_have_text(COUNT)
    return heading


def count_in(heading: Locator) -> int:
    return int((heading.text_content() or "").split()[0])


def article(page: Page, comment_id: str) -> Locator:
    return thread_of(page).locator(f'li[data-id="{comment_id}"] > article')


def first_article(page: Page) -> Locator:
    return thread_of(page).locator("ol.list > li").first.locator(":scope > article")


def shown_ids(page: Page) -> list[str]:
    return list(
        thread_of(page).locator("ol.list > li").evaluate_all("els => els.map(e => e.dataset.id)")
    )


def expect_order(page: Page, ids: list[str]) -> None:
    """Wait until the top-level comments are exactly ``ids``, in that order."""
    try:
        page.wait_for_function(
            """ids => JSON.stringify(ids) === JSON.stringify([...document
                 .querySelector('#rostra-thread').shadowRoot.querySelectorAll('ol.list > li')]
                 .map(li => li.dataset.id))""",
            arg=ids,
            timeout=10_000,
        )
    except PlaywrightError as exc:  # report the order we did see
        raise AssertionError(f"expected order {ids}, the page shows {shown_ids(page)}") from exc


def write_comment(page: Page, body: str, name: str = "Ada Reader") -> Locator:
    """Post from the top form; returns the new comment's article once it is shown."""
    thread = thread_of(page)
    thread.get_by_role("textbox", name="Your comment").fill(body)
    thread.get_by_label("Name", exact=True).fill(name)
    thread.get_by_role("button", name="Post comment").click()
    new = first_article(page)
    expect(new).to_contain_text(name)
    return new


# Posting ------------------------------------------------------------------------------------


def test_posted_comment_appears_first_with_focus_and_is_stored(new_page, server):
    page = new_page()
    thread = thread_of(page)
    heading = loaded(page)
    before = count_in(heading)
    box = thread.get_by_role("textbox", name="Your comment")
    expect(box).to_have_attribute("placeholder", "Would love your thoughts, please comment.")
    expect(thread.get_by_role("combobox", name="Notify of")).to_have_count(
        0
    )  # no subscriptions yet

    box.fill("The new cycle lane is a **real** improvement.")
    thread.get_by_label("Name", exact=True).fill("Ada Reader")
    thread.get_by_label("Email").fill("ada@example.org")
    thread.get_by_role("button", name="Post comment").click()

    new = first_article(page)
    expect(new.locator(".name")).to_have_text("Ada Reader")
    expect(new.locator(".body strong")).to_have_text("real")
    expect(new.locator("time")).to_have_text("just now")
    expect(new).to_be_focused()
    expect(heading).to_have_text(f"{before + 1} Comments")
    expect(box).to_have_value("")
    expect(thread.get_by_role("status")).to_have_text("Your comment was posted.")
    new_id = thread.locator("ol.list > li").first.get_attribute("data-id")
    assert new_id and new_id == top_level_ids(server)[0]
    assert "ada@example.org" not in repr(stored(server, new_id))

    page.reload()
    expect(article(page, new_id)).to_contain_text("The new cycle lane is a real improvement.")
    expect(thread.get_by_label("Name", exact=True)).to_have_value("Ada Reader")  # remembered
    expect(thread.get_by_label("Email")).to_have_value("ada@example.org")


def test_errors_are_shown_next_to_the_field_they_concern(shared_page):
    page = shared_page()
    thread = thread_of(page)
    loaded(page)
    box = thread.get_by_role("textbox", name="Your comment")
    name = thread.get_by_label("Name", exact=True)
    email = thread.get_by_label("Email")
    post_button = thread.get_by_role("button", name="Post comment")

    box.click()
    post_button.click()
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(box).to_be_focused()
    error_id = (box.get_attribute("aria-describedby") or "").split()[0]
    expect(thread.locator(f"#{error_id}")).to_have_text("Please write a comment first.")

    box.fill("Checking the error messages.")
    expect(box).not_to_have_attribute("aria-invalid", "true")
    post_button.click()
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description("Please tell us your name.")

    name.fill("Eve Example")
    email.fill("not-an-email")
    post_button.click()  # the server rejects the address and names the field
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile("not an email address"))
    expect(email).to_be_focused()
    expect(name).not_to_have_attribute("aria-invalid", "true")

    email.fill("eve@example.org")
    post_button.click()
    expect(first_article(page)).to_contain_text("Checking the error messages.")


def test_keyboard_only_reader_can_post(shared_page):
    page = shared_page()
    thread = thread_of(page)
    loaded(page)
    box = thread.get_by_role("textbox", name="Your comment")
    for _ in range(60):
        page.keyboard.press("Tab")
        if box.evaluate("el => el.getRootNode().activeElement === el"):
            break
    else:
        pytest.fail("Tab never reached the comment box")

    page.keyboard.type("Posted without touching a mouse.")
    page.keyboard.press("Tab")
    expect(thread.get_by_label("Name", exact=True)).to_be_focused()
    page.keyboard.type("Kim Keys")
    page.keyboard.press("Tab")
    expect(thread.get_by_label("Email")).to_be_focused()
    page.keyboard.press("Tab")  # the demo sends mail, so "Notify of" is offered
    expect(thread.get_by_role("combobox", name="Notify of")).to_be_focused()
    page.keyboard.press("Tab")  # the tab order is the visual order
    expect(thread.get_by_role("button", name="Add image")).to_be_focused()
    page.keyboard.press("Tab")
    expect(thread.get_by_role("button", name="Preview")).to_be_focused()
    page.keyboard.press("Tab")
    expect(thread.get_by_role("button", name="Post comment")).to_be_focused()
    page.keyboard.press("Enter")

    new = first_article(page)
    expect(new).to_contain_text("Posted without touching a mouse.")
    expect(new).to_contain_text("Kim Keys")
    expect(new).to_be_focused()


def test_markup_in_comments_is_shown_as_text(new_page, server):
    page = new_page()
    thread = thread_of(page)
    loaded(page)
    payload = '<script>window.rostraPwned = 1</script><img src=x onerror="window.rostraPwned = 2">'
    thread.get_by_role("textbox", name="Your comment").fill(payload)
    thread.get_by_label("Name", exact=True).fill("<b>Mallory</b>")

    preview = thread.get_by_role("button", name="Preview")
    preview.click()
    expect(preview).to_have_attribute("aria-pressed", "true")
    expect(thread.locator(".preview")).to_contain_text("<script>window.rostraPwned = 1</script>")
    preview.click()
    thread.get_by_role("button", name="Post comment").click()

    for _ in ("as posted", "as loaded from the server"):
        new = first_article(page)
        expect(new.locator(".body")).to_contain_text("<script>window.rostraPwned = 1</script>")
        expect(new.locator(".body")).to_contain_text('<img src=x onerror="window.rostraPwned = 2">')
        expect(new.locator(".name")).to_have_text("<b>Mallory</b>")
        expect(new.locator("script, img, b")).to_have_count(0)
        assert page.evaluate("window.rostraPwned") is None
        page.reload()
        loaded(page)


# Replies, votes, sorting, paging --------------------------------------------------------------


def test_reply_form_opens_under_its_comment_and_the_reply_lands_there(new_page, server):
    parent = post(server, "Which bus routes come back on Monday?", name="Parent Person")
    page = new_page()
    thread = thread_of(page)
    loaded(page)
    parent_article = article(page, parent["id"])
    reply_button = parent_article.get_by_role("button", name="Reply", exact=True)

    reply_button.click()
    expect(reply_button).to_have_attribute("aria-expanded", "true")
    box = thread.get_by_role("textbox", name="Reply to Parent Person")
    expect(box).to_be_focused()
    page.keyboard.press("Escape")
    expect(box).to_have_count(0)
    expect(reply_button).to_be_focused()
    expect(reply_button).to_have_attribute("aria-expanded", "false")

    reply_button.click()
    box.fill("The 14 and the 22, from Monday.")
    form = thread.locator(f'li[data-id="{parent["id"]}"] > .slot')
    form.get_by_label("Name", exact=True).fill("Replying Reader")
    form.get_by_role("button", name="Post reply").click()

    reply = thread.locator(f'li[data-id="{parent["id"]}"] > ol.replies > li > article')
    expect(reply).to_contain_text("The 14 and the 22, from Monday.")
    expect(reply).to_be_focused()
    expect(box).to_have_count(0)
    replies = (stored(server, parent["id"]) or {})["replies"]
    assert [r["body_html"] for r in replies] == ["<p>The 14 and the 22, from Monday.</p>"]

    collapse = parent_article.get_by_role("button", name="Collapse")
    expect(collapse).to_have_attribute("aria-expanded", "true")
    collapse.click()
    expect(reply).to_be_hidden()
    expand = parent_article.get_by_role("button", name="Expand 1 reply")
    expect(expand).to_have_attribute("aria-expanded", "false")
    expand.click()
    expect(reply).to_be_visible()


def test_vote_persists_and_clicking_again_withdraws_it(new_page, server):
    target = post(server, "Vote on this comment.")
    page = new_page()
    loaded(page)

    def controls() -> tuple[Locator, Locator, Locator]:
        a = article(page, target["id"])
        return (
            a.get_by_role("button", name="Upvote"),
            a.get_by_role("button", name="Downvote"),
            a.locator(".score"),
        )

    up, down, score = controls()
    expect(score).to_have_text("0")
    expect(up).to_have_attribute("aria-pressed", "false")
    up.click()
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(score).to_have_text("1")

    page.reload()  # the voter cookie and my_vote bring the state back
    up, down, score = controls()
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(score).to_have_text("1")

    up.click()
    expect(up).to_have_attribute("aria-pressed", "false")
    expect(score).to_have_text("0")
    down.click()
    expect(down).to_have_attribute("aria-pressed", "true")
    expect(up).to_have_attribute("aria-pressed", "false")
    expect(score).to_have_text("-1")
    assert (stored(server, target["id"]) or {})["score"] == -1


def test_sort_tabs_show_the_servers_order_and_follow_arrow_keys(new_page, server):
    liked, quiet = post(server, "Liked a lot."), post(server, "Liked a little.")
    for value, comment in ((1, liked), (1, liked), (1, quiet)):
        with httpx.Client(base_url=server.url) as voter:  # a new cookie: another reader
            vote = voter.post(f"/api/v1/comments/{comment['id']}/vote", json={"value": value})
            assert vote.status_code == 200, vote.text
    page = new_page()
    thread = thread_of(page)
    loaded(page)
    tabs = thread.get_by_role("tablist", name="Sort comments").get_by_role("tab")
    # "Most reacted" comes with reactions.js, where the site offers reactions (the default).
    expect(tabs).to_have_text(["Newest", "Oldest", "Most Voted", "Most reacted"])
    expect(thread.get_by_role("tabpanel")).to_have_attribute("aria-labelledby", re.compile(".+"))

    for name, sort in (("Oldest", "oldest"), ("Most Voted", "votes"), ("Newest", "newest")):
        tab = thread.get_by_role("tab", name=name)
        tab.click()
        expect(tab).to_have_attribute("aria-selected", "true")
        expect(tab).to_have_attribute("tabindex", "0")
        expected = top_level_ids(server, sort)[:20]
        expect_order(page, expected)
        if sort == "votes":
            assert expected.index(liked["id"]) < expected.index(quiet["id"])
        if sort == "newest":
            assert expected[:2] == [quiet["id"], liked["id"]]

    newest = thread.get_by_role("tab", name="Newest")
    newest.focus()
    page.keyboard.press("ArrowRight")
    oldest = thread.get_by_role("tab", name="Oldest")
    expect(oldest).to_be_focused()
    expect(oldest).to_have_attribute("aria-selected", "true")
    expect(newest).to_have_attribute("tabindex", "-1")
    expect_order(page, top_level_ids(server, "oldest")[:20])
    page.keyboard.press("End")
    expect(thread.get_by_role("tab", name="Most reacted")).to_be_focused()
    page.keyboard.press("ArrowRight")  # wraps around
    expect(newest).to_be_focused()
    expect(newest).to_have_attribute("aria-selected", "true")
    expect_order(page, top_level_ids(server, "newest")[:20])


def test_load_more_appends_the_next_page_without_duplicates(new_page, server):
    for n in range(25):
        post(server, f"Bulk comment number {n}.")
    everything = top_level_ids(server)
    assert len(everything) > 20
    page = new_page()
    thread = thread_of(page)
    loaded(page)
    expect_order(page, everything[:20])

    write_comment(page, "Posted between two pages.")  # shown on top; must not come back later
    more = thread.locator("button.more")
    expect(more).to_have_text("Load more comments")
    more.click()
    expect(article(page, everything[20])).to_be_focused()
    while more.is_visible():
        more.click()
        expect(more).not_to_have_attribute("aria-disabled", "true")
    expect(more).to_be_hidden()
    shown = shown_ids(page)
    assert len(shown) == len(set(shown)) == len(everything) + 1
    assert shown[1:] == everything


def test_author_edits_and_deletes_within_the_window(new_page, server):
    page = new_page()
    thread = thread_of(page)
    heading = loaded(page)
    before = count_in(heading)
    write_comment(page, "First draft with a *typo*.")
    comment_id = thread.locator("ol.list > li").first.get_attribute("data-id") or ""
    expect(thread.get_by_role("button", name="Edit", exact=True)).to_have_count(1)  # only our own

    page.reload()  # the edit token is kept in localStorage
    mine = article(page, comment_id)
    edit = mine.get_by_role("button", name="Edit", exact=True)
    edit.click()
    box = thread.get_by_role("textbox", name="Edit your comment")
    expect(box).to_be_focused()
    expect(box).to_have_value("First draft with a *typo*.")
    page.keyboard.press("Escape")
    expect(box).to_have_count(0)
    expect(edit).to_be_focused()

    edit.click()
    box.fill("Second draft, **fixed**.")
    thread.get_by_role("button", name="Save changes").click()
    expect(mine.locator(".body")).to_have_text("Second draft, fixed.")
    expect(mine).to_contain_text("(edited)")
    expect(mine).to_be_focused()
    assert (stored(server, comment_id) or {})[
        "body_html"
    ] == "<p>Second draft, <strong>fixed</strong>.</p>"

    mine.get_by_role("button", name="Delete").click()
    cancel = thread.get_by_role("button", name="Cancel")
    expect(cancel).to_be_focused()
    cancel.click()
    expect(mine.get_by_role("button", name="Delete")).to_be_focused()
    mine.get_by_role("button", name="Delete").click()
    thread.get_by_role("button", name="Yes, delete").click()
    expect(mine).to_have_count(0)
    expect(heading).to_have_text(f"{before} Comments")
    expect(thread.get_by_role("status")).to_have_text("Your comment was deleted.")
    assert stored(server, comment_id) is None
    page.reload()
    loaded(page)
    expect(article(page, comment_id)).to_have_count(0)


# Live updates -------------------------------------------------------------------------------


def test_another_readers_comment_arrives_live(new_page, server):
    reader, writer = new_page(), new_page()
    for page in (reader, writer):
        with page.expect_response(lambda r: "/api/v1/events" in r.url):
            page.reload()  # wait until the event stream is open
        loaded(page)
    target_id = thread_of(reader).locator("ol.list > li").first.get_attribute("data-id") or ""

    write_comment(writer, "Hello from the other tab.", name="Wren Writer")
    news = thread_of(reader).get_by_role("button", name="1 new comment")
    expect(news).to_be_visible()
    live_region = thread_of(reader).locator('[aria-live="polite"]')
    expect(
        live_region.filter(has=reader.get_by_role("button", name="1 new comment"))
    ).to_have_count(1)
    expect(first_article(reader)).not_to_contain_text("Hello from the other tab.")

    # The writer's own comment is not announced to the writer: after the reader posts, the
    # writer sees exactly one new comment (events arrive in order on one stream).
    write_comment(reader, "And hello back.", name="Rhea Reader")
    expect(thread_of(writer).get_by_role("button", name="1 new comment")).to_be_visible()

    # Votes change scores in place on every open page.
    score = (stored(server, target_id) or {})["score"]
    article(writer, target_id).get_by_role("button", name="Upvote").click()
    expect(article(reader, target_id).locator(".score")).to_have_text(str(score + 1))

    news = thread_of(reader).get_by_role("button", name=re.compile(r"new comment"))
    news.click()
    expect(news).to_be_hidden()
    expect(thread_of(reader).get_by_role("tabpanel")).to_be_focused()
    expect(thread_of(reader).locator("ol.list")).to_contain_text("Hello from the other tab.")


def test_edits_and_deletions_by_others_update_the_open_page(new_page, server):
    theirs = post(server, "Original wording.", name="Other Author")
    token = {"X-Edit-Token": theirs["edit_token"]}
    page = new_page()
    with page.expect_response(lambda r: "/api/v1/events" in r.url):
        page.reload()
    heading = loaded(page)
    before = count_in(heading)
    shown = article(page, theirs["id"])
    expect(shown).to_contain_text("Original wording.")
    expect(shown.get_by_role("button", name="Edit", exact=True)).to_have_count(0)  # not ours

    edited = server.http.patch(
        f"/api/v1/comments/{theirs['id']}", json={"body": "Better wording."}, headers=token
    )
    assert edited.status_code == 200, edited.text
    expect(shown.locator(".body")).to_have_text("Better wording.")
    expect(shown).to_contain_text("(edited)")

    deleted = server.http.delete(f"/api/v1/comments/{theirs['id']}", headers=token)
    assert deleted.status_code == 204, deleted.text
    expect(shown).to_have_count(0)
    expect(heading).to_have_text(f"{before - 1} Comments")


# The loader and the page --------------------------------------------------------------------


def test_the_thread_links_its_feed(new_page, server):
    posted = post(server, "Worth following in a feed reader.")
    page = new_page()
    loaded(page)
    href = thread_of(page).get_by_role("link", name="RSS").get_attribute("href")
    assert href and "/api/v1/feeds/" in href
    response = server.http.get(href)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    assert f"#comment-{posted['id']}" in response.text


def test_loader_fills_count_badges_once_and_leaves_missing_modules_alone(
    shared_page, shared_server
):
    page = shared_page()
    loaded(page)
    badges = page.locator("[data-rostra-count][data-page]")
    pages = badges.evaluate_all("els => els.map(e => e.dataset.page)")
    counts = shared_server.http.post("/api/v1/counts", json={"site": SITE, "pages": pages}).json()[
        "counts"
    ]
    for index, path in enumerate(pages):
        badge = badges.nth(index)
        n = counts[path]
        if badge.get_attribute("data-rostra-count") == "label":
            expect(badge).to_have_text(f"{n} comment" if n == 1 else f"{n} comments")
        else:
            expect(badge).to_have_text(str(n))

    page.add_script_tag(url="/widget.js")  # included twice: nothing more happens
    assert page.evaluate("window.Rostra.version") == "0.1.0"
    expect(thread_of(page).locator("section")).to_have_count(1)
    expect(thread_of(page).locator("form")).to_have_count(1)
    # The demo seeds a campaign: the support widget mounts once, in its shadow root.
    expect(page.locator("[data-rostra-support]")).to_have_attribute("data-rostra-mounted", "")
    assert page.locator("[data-rostra-support]").evaluate("el => !!el.shadowRoot")


def test_widget_embedded_on_another_site_loads_posts_and_keeps_votes(new_page, server, publisher):
    """The real deployment: the page on the publisher's site, the widget and API on ours."""
    api = server.url.replace("127.0.0.1", "localhost")  # another site than the page's 127.0.0.1
    page_url = publisher(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Courier</title></head>'
        "<body><h1>Elsewhere</h1>"
        '<p>Comments: <span data-rostra-count data-page="/elsewhere"></span></p>'
        '<div id="rostra-thread" data-site="courier" data-page="/elsewhere"></div>'
        f'<script src="{api}/widget.js" async></script></body></html>'
    )
    server.rostra("site", "add", "courier", "--origin", page_url)
    neighbour = post(server, "A neighbour's view of the story.", site="courier", page="/elsewhere")
    page = new_page(url=page_url + "/")
    thread = thread_of(page)
    expect(loaded(page)).to_have_text("1 Comment")
    expect(page.locator("[data-rostra-count]")).to_have_text("1")  # site inherited from the thread

    # A person takes more than a few seconds to write, and this new site keeps the default
    # screening that holds faster forms: move the page's clock instead of waiting.
    page.clock.install()
    thread.get_by_role("textbox", name="Your comment").click()
    page.clock.fast_forward("00:10")
    new = write_comment(page, "Posting from the publisher's own site.")
    expect(new.get_by_role("button", name="Upvote")).to_have_count(0)  # not on one's own
    up = article(page, neighbour["id"]).get_by_role("button", name="Upvote")
    up.click()
    expect(up).to_have_attribute("aria-pressed", "true")

    page.reload()  # the voter cookie must come back from a cross-site request
    mine = first_article(page)
    expect(mine).to_contain_text("Posting from the publisher's own site.")
    expect(mine.get_by_role("button", name="Upvote")).to_have_count(0)
    up = article(page, neighbour["id"]).get_by_role("button", name="Upvote")
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(thread.get_by_role("button", name="Edit", exact=True)).to_have_count(1)


def test_a_home_page_shows_its_sites_latest_comments(new_page, server, publisher):
    """A publisher's home page with only the "latest comments" element; a page of another
    site asking for this site's comments is refused by the API."""
    api = server.url.replace("127.0.0.1", "localhost")
    home = publisher(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Gazette</title></head>'
        "<body><h1>Gazette</h1><h2>Latest comments</h2>"
        '<div data-rostra-latest="2" data-site="gazette"><p>Loading…</p></div>'
        f'<script src="{api}/widget.js" async></script></body></html>'
    )
    server.rostra("site", "add", "gazette", "--origin", home)
    older = post(server, "An older word on <b>taxes</b>.", site="gazette", page="/taxes")
    newer = post(server, "The newest word on trains.", site="gazette", page="/trains")
    page = new_page(url=home + "/")
    items = page.locator("[data-rostra-latest] ol.rostra-latest > li")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_have_attribute("data-id", newer["id"])
    expect(items.nth(1)).to_have_attribute("data-id", older["id"])
    expect(items.nth(1).get_by_role("link")).to_have_text("An older word on <b>taxes</b>.")
    expect(items.nth(1).locator("b")).to_have_count(0)  # text, never markup
    link = items.nth(0).get_by_role("link").get_attribute("href")
    assert link == f"{home}/trains#comment-{newer['id']}"
    expect(items.nth(0).locator(".author")).to_have_text("API Reader")
    elsewhere = server.http.get(
        "/api/v1/latest", params={"site": "gazette"}, headers={"Origin": "https://evil.example"}
    )
    assert elsewhere.status_code == 403


@pytest.mark.parametrize(("device", "width"), [("phone", 375), ("desktop", 1280)])
def test_screenshots_at_phone_and_desktop_widths(shared_page, artifacts: Path, device, width):
    for scheme in ("light", "dark"):
        page = shared_page(width=width, color_scheme=scheme)
        thread = thread_of(page)
        loaded(page)
        expect(thread.locator("ol.list > li").first).to_be_visible()
        thread.get_by_role("textbox", name="Your comment").focus()  # shows the whole form
        expect(thread.get_by_role("button", name="Post comment")).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"the page scrolls sideways at {width}px ({overflow}px wide)"
        box = thread.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
        shot = artifacts / f"widget-{device}-{scheme}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000


WIDGET = Path(__file__).resolve().parents[2] / "src" / "rostra" / "widget"
STATIC_IMPORT = re.compile(r"""^import\b[^;]*?from\s+["']\./([\w-]+\.js)["']""", re.MULTILINE)


def _closure(name: str) -> set[str]:
    """``name`` and every module it imports statically, transitively."""
    found, pending = set(), [name]
    while pending:
        current = pending.pop()
        if current not in found:
            found.add(current)
            pending.extend(STATIC_IMPORT.findall((WIDGET / current).read_text()))
    return found


def _gzipped(names: set[str]) -> int:
    """What readers download of these modules: as served (minified), gzipped together."""
    served = b"".join(widget_file(n.removesuffix(".js"))[0] for n in sorted(names))
    return len(gzip.compress(served, 9))


def test_thread_page_javascript_fits_the_gzip_budget():
    """The loader and everything a thread page imports, as served, stay under 15 KB gzipped."""
    core = {"widget.js"} | _closure("thread.js")
    assert {"widget.js", "thread.js", "composer.js", "i18n.js"} <= core
    size = _gzipped(core)
    assert size < 15 * 1024, f"thread page JavaScript is {size} bytes gzipped; the budget is 15 KB"


def test_lazily_loaded_feature_modules_fit_their_budget():
    """Modules loaded only on pages that need them (counts, inline, support …): 4 KB each."""
    core = {"widget.js"} | _closure("thread.js")
    lazy = {path.name for path in WIDGET.glob("*.js")} - core
    assert "counts.js" in lazy
    for name in sorted(lazy):
        size = _gzipped(_closure(name) - core)
        assert size < 4 * 1024, f"{name} adds {size} bytes gzipped; the budget is 4 KB"
