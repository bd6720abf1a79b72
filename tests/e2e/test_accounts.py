"""Single sign-on inside the widget on a publisher's page, in Chromium: the page
carries a token its server signed; the widget signs the reader in cross-site and their comment
is shown under the account's name."""

from __future__ import annotations

import html
import json
import re
import secrets
import time
from pathlib import Path

import httpx
import jwt
from playwright.sync_api import expect

from tests.e2e.conftest import sharing_one_demo
from tests.e2e.test_widget import first_article, loaded, thread_of

SECRET = "the-courier-sso-secret-with-32-or-more-characters"


# One demo for the module: each test adds a site of its own and reads only that.
server, new_page = sharing_one_demo()


AVATAR = "http://127.0.0.1:9/avatar.png"  # nothing listens there: no request leaves the host


def test_reader_signed_in_by_the_host_page_posts_under_their_account(new_page, server, publisher):
    api = server.url.replace("127.0.0.1", "localhost")  # another site than the page's 127.0.0.1
    now = int(time.time())
    token = jwt.encode(
        {
            "sub": "courier-reader-7", "name": "Zebulon Quixote", "email": "zq@mail.example",
            "avatar": AVATAR, "aud": "courier", "exp": now + 300, "jti": secrets.token_hex(8),
        },
        SECRET,
        algorithm="HS256",
    )  # fmt: skip
    page_url = publisher(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Courier</title></head>'
        "<body><h1>Signed-in readers</h1>"
        f'<div id="rostra-thread" data-site="courier" data-page="/sso" data-sso-token="{token}">'
        f'</div><script src="{api}/widget.js" async></script></body></html>'
    )
    for command in (
        ["site", "add", "courier", "--origin", page_url],
        ["site", "sso", "courier", "--hs256-secret", "-"],
    ):
        server.rostra(*command, stdin=SECRET + "\n")
    page = new_page(url=page_url + "/")
    bar = page.locator(".rostra-account")
    expect(bar).to_contain_text("Signed in as Zebulon Quixote")
    thread = thread_of(page)
    expect(loaded(page)).to_have_text("0 Comments")
    expect(thread.get_by_label("Name", exact=True)).to_have_value("Zebulon Quixote")

    page.clock.install()  # the new site's screening holds forms sent within seconds
    thread.get_by_role("textbox", name="Your comment").click()
    page.clock.fast_forward("00:10")
    thread.get_by_role("textbox", name="Your comment").fill("Signed in through the Courier.")
    thread.get_by_role("button", name="Post comment").click()
    mine = first_article(page)
    expect(mine).to_contain_text("Signed in through the Courier.")
    expect(mine).to_contain_text("Zebulon Quixote")

    listed = server.http.get("/api/v1/comments", params={"site": "courier", "page": "/sso"}).json()
    [comment] = listed["comments"]
    assert comment["author"]["name"] == "Zebulon Quixote"
    assert comment["author"]["avatar"] == AVATAR

    # Reloading sends the same token again: refused as a replay, the open session carries on.
    page.reload()
    expect(bar).to_contain_text("Signed in as Zebulon Quixote")

    # The reader's own history and data.
    bar.get_by_role("button", name="My comments").click()
    expect(bar.get_by_role("listitem")).to_contain_text("/sso: Signed in through the Courier.")
    with page.expect_download() as download:
        bar.get_by_role("button", name="Download my data").click()
    exported = json.loads(Path(download.value.path()).read_text())
    assert exported["account"]["name"] == "Zebulon Quixote"
    assert [c["body"] for c in exported["comments"]] == ["Signed in through the Courier."]
    page.once("dialog", lambda dialog: dialog.accept())
    bar.get_by_role("button", name="Delete my account").click()
    expect(bar).to_have_count(0)
    listed = server.http.get("/api/v1/comments", params={"site": "courier", "page": "/sso"}).json()
    [comment] = listed["comments"]
    assert comment["author"]["name"] == "Former reader"  # the default policy: anonymize
    assert comment["author"]["avatar"] is None


def test_mailed_sign_in_link_opens_the_article_signed_in(new_page, server, publisher):
    """Sign-in by email on a site without accounts: the form asks for a link (the demo server
    catches its own mail and says to check the inbox), and the link it mails through the real
    outbox and SMTP, read in the demo's mailbox, signs the reader in when opened."""
    api = server.url.replace("127.0.0.1", "localhost")
    page_url = publisher(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Gazette</title></head>'
        '<body><div id="rostra-thread" data-site="gazette" data-page="/mail" data-sign-in="email">'
        f'</div><script src="{api}/widget.js" async></script></body></html>'
    )
    for command in (
        ["site", "add", "gazette", "--origin", page_url],
        ["site", "email-sign-in", "gazette", "on"],
    ):
        server.rostra(*command)
    page = new_page(url=page_url + "/")
    bar = page.locator(".rostra-account")
    bar.get_by_label("Name").fill("Ines Link")
    bar.get_by_label("Email").fill("ines@mail.example")
    bar.get_by_role("button", name="Email me a sign-in link").click()
    expect(bar.get_by_role("status")).to_contain_text("Check your email for the sign-in link")

    link = _mailed_link(server.url, page_url)
    page.goto("about:blank")  # the mail opens the link as a new page load, not a hash change
    page.goto(link)
    expect(bar).to_contain_text("Signed in as Ines Link")
    assert "rostra-signin" not in page.url  # the fragment is dropped once used
    thread = thread_of(page)
    expect(loaded(page)).to_have_text("0 Comments")
    page.clock.install()
    thread.get_by_role("textbox", name="Your comment").click()
    page.clock.fast_forward("00:10")
    thread.get_by_role("textbox", name="Your comment").fill("Glad to join the discussion.")
    thread.get_by_label("Name", exact=True).fill("Ines Link")
    thread.get_by_role("button", name="Post comment").click()
    expect(first_article(page)).to_contain_text("Glad to join the discussion.")
    bar.get_by_role("button", name="Sign out").click()
    expect(bar).to_have_count(0)
    page.reload()  # signed out for good: the form again
    expect(page.locator(".rostra-account")).to_contain_text("Email me a sign-in link")


def _mailed_link(demo_url: str, page_url: str) -> str:
    """The sign-in link to ``page_url`` the widget's request sent, read where the reader of the
    demo reads it: the demo's own mailbox (its worker delivers through its own SMTP catcher),
    which other tests of the module's demo may also have sent mail to."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        mailbox = httpx.get(f"{demo_url}/demo/mail", timeout=10).text
        for key in re.findall(r'href="/demo/mail/([^"]+)"', mailbox):
            message = httpx.get(f"{demo_url}/demo/mail/{key}", timeout=10).text
            for found in re.findall(r'href="(http://[^"]*#rostra-signin=[^"]+)"', message):
                if html.unescape(found).startswith(page_url):
                    return html.unescape(found)
        time.sleep(0.2)
    raise AssertionError(f"no sign-in link reached the demo's mailbox within 30 s:\n{mailbox}")
