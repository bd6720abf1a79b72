"""Images in the widget: attach in the composer, post, see the thumbnail in the thread."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DemoServer

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)

SITE = "demo"
ARTICLE = "/2026/11/river-bridge-reopens"


def png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


def test_reader_attaches_an_image_and_sees_its_thumbnail_in_the_thread(
    shared_page, shared_server: DemoServer
) -> None:
    page: Page = shared_page()
    # A person takes more than a few seconds to write; screening holds faster forms. The page's
    # clock is moved forward instead of waiting.
    page.clock.install()
    thread = page.locator("#rostra-thread")
    box = thread.get_by_role("textbox", name="Your comment")
    box.click()
    box.fill("A photo of the bridge from the river bank.")
    thread.get_by_label("Name", exact=True).fill("Pia Photographer")
    # The hidden file input behind "Add image" (the button opens the browser's file picker).
    expect(thread.get_by_role("button", name="Add image")).to_be_visible()
    thread.locator('input[type="file"]').set_input_files(
        {"name": "bridge.jpg", "mimeType": "image/jpeg", "buffer": png((900, 600))}
    )
    preview = thread.locator(".pic img")
    expect(preview).to_have_attribute("src", re.compile(r"/media/[\w-]+-t\.png$"))
    thread.get_by_role("textbox", name="Describe the image").fill("The bridge at dusk")
    page.clock.fast_forward("00:10")
    thread.get_by_role("button", name="Post comment").click()

    shown = thread.locator(".imgs img").first
    expect(shown).to_be_visible()
    expect(shown).to_have_attribute("alt", "The bridge at dusk")
    expect(shown).to_have_attribute("loading", "lazy")
    expect(shown).to_have_attribute("width", "400")
    expect(shown).to_have_attribute("height", "267")
    expect(thread.locator(".pic")).to_have_count(0)  # the composer is empty again

    # Stored as a PNG (decided from the bytes, not the ".jpg" name), the link opens full size.
    data = shared_server.http.get("/api/v1/comments", params={"site": SITE, "page": ARTICLE}).json()
    mine = next(c for c in data["comments"] if c["author"]["name"] == "Pia Photographer")
    (image,) = mine["images"]
    assert image["alt"] == "The bridge at dusk"
    assert (image["width"], image["height"]) == (900, 600)
    href = thread.locator(".imgs a").first.get_attribute("href")
    assert href == shared_server.url + image["url"]
    full = shared_server.http.get(image["url"])
    assert full.status_code == 200
    assert full.headers["content-type"] == "image/png"
    loaded = shown.evaluate("img => img.complete && img.naturalWidth")
    assert loaded == 400


def test_refused_upload_shows_the_servers_reason_and_can_be_removed(shared_page) -> None:
    page: Page = shared_page()
    thread = page.locator("#rostra-thread")
    thread.get_by_role("textbox", name="Your comment").click()
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    thread.locator('input[type="file"]').set_input_files(
        {"name": "logo.png", "mimeType": "image/png", "buffer": svg}
    )
    expect(thread.locator(".pic [role=alert]")).to_have_text(
        "Only JPEG, PNG, WebP and GIF images are accepted."
    )
    thread.get_by_role("button", name="Remove image").click()
    expect(thread.locator(".pic")).to_have_count(0)
