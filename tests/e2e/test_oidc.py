"""Sign-in with the site's OpenID Connect provider inside the widget on a publisher's page,
in Chromium: the popup goes through a real provider on 127.0.0.1 (authlib's own
server, ``tests/oidc_provider.py``) and back, and the widget on the host page is signed in."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import sharing_one_demo
from tests.e2e.test_widget import first_article, loaded, thread_of
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, start_provider


@pytest.fixture
def provider() -> Iterator[Provider]:
    found, http = start_provider()
    yield found
    http.shutdown()
    http.server_close()


# One demo for the module: each test adds a site of its own and reads only that.
server, new_page = sharing_one_demo()


def on_localhost(url: str) -> str:
    """``url`` on the host name localhost: another site than 127.0.0.1 for the browser."""
    return url.replace("://127.0.0.1", "://localhost", 1)


def test_reader_signs_in_with_the_provider_in_a_popup(new_page, server, publisher, provider):
    # The page on another site (localhost) than Rostra, whose address stays the one the demo
    # calls itself (its public address: the provider sends the reader back there).
    api = server.url
    page_url = on_localhost(
        publisher(
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>Herald</title></head>"
            "<body><h1>Provider sign-in</h1>"
            '<div id="rostra-thread" data-site="herald" data-page="/oidc" data-sign-in="oidc">'
            f'</div><script src="{api}/widget.js" async></script></body></html>'
        )
    )
    for command in (
        ["site", "add", "herald", "--origin", page_url],
        ["site", "oidc", "herald", "--issuer", provider.url, "--client-id", CLIENT_ID,
         "--client-secret", "-", "--name", "Example ID"],
    ):  # fmt: skip
        server.rostra(*command, stdin=CLIENT_SECRET + "\n")
    page = new_page(url=page_url + "/")
    bar = page.locator(".rostra-account")
    with page.expect_popup() as opened:
        bar.get_by_role("button", name="Sign in with Example ID").click()
    popup = opened.value
    popup.wait_for_event("close", timeout=15_000)  # the callback page closes itself
    expect(bar).to_contain_text("Signed in as Ottilie Provider")
    assert provider.token_requests == 1

    thread = thread_of(page)
    expect(loaded(page)).to_have_text("0 Comments")
    page.clock.install()  # the new site's screening holds forms sent within seconds
    thread.get_by_role("textbox", name="Your comment").click()
    page.clock.fast_forward("00:10")
    thread.get_by_role("textbox", name="Your comment").fill("Signed in, thanks for the piece.")
    thread.get_by_role("button", name="Post comment").click()
    expect(first_article(page)).to_contain_text("Ottilie Provider")
    listed = server.http.get("/api/v1/comments", params={"site": "herald", "page": "/oidc"}).json()
    [comment] = listed["comments"]
    assert comment["author"]["name"] == "Ottilie Provider"

    page.reload()  # the session is the widget's own (partitioned) cookie: still signed in
    expect(page.locator(".rostra-account")).to_contain_text("Signed in as Ottilie Provider")

    # A picture of the reader's own, uploaded from the account bar, replaces the Gravatar one.
    bar.get_by_label("Picture").set_input_files(
        files=[{"name": "me.png", "mimeType": "image/png", "buffer": _png()}]
    )
    expect(bar.locator("img")).to_have_attribute("src", re.compile(r"/media/avatar-[^/]+\.png$"))
    bar.get_by_role("button", name="Remove picture").click()
    expect(bar.locator("img")).to_have_attribute("src", re.compile(r"gravatar\.com/avatar/"))


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


def test_refused_provider_sign_in_leaves_the_reader_signed_out(
    new_page, server, publisher, provider
):
    api = server.url
    page_url = on_localhost(
        publisher(
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>Herald</title></head>"
            '<body><div id="rostra-thread" data-site="herald2" data-page="/no" data-sign-in="oidc">'
            f'</div><script src="{api}/widget.js" async></script></body></html>'
        )
    )
    for command in (
        ["site", "add", "herald2", "--origin", page_url],
        ["site", "oidc", "herald2", "--issuer", provider.url, "--client-id", CLIENT_ID,
         "--client-secret", "-", "--name", "Example ID"],
    ):  # fmt: skip
        server.rostra(*command, stdin=CLIENT_SECRET + "\n")
    provider.deny = True
    page = new_page(url=page_url + "/")
    bar = page.locator(".rostra-account")
    with page.expect_popup() as opened:
        bar.get_by_role("button", name="Sign in with Example ID").click()
    popup = opened.value
    expect(popup.get_by_role("heading")).to_have_text("Sign-in failed")
    expect(bar.get_by_role("alert")).to_contain_text("access_denied")
    expect(bar).not_to_contain_text("Signed in as")
