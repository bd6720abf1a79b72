"""Cross-site scripting: a corpus of known payloads (tests/data/xss/payloads.json) posted as
comment bodies, author names and author web sites.

Through the API (SQLite and PostgreSQL) every payload is refused or stored inert; in Chromium
the widget renders every stored one on a page *without* a Content-Security-Policy (as many
publishers' pages are), and no script runs: the payloads set ``window.__xss`` or open a
dialog, the flag stays unset and no dialog opens. No event-handler attribute, script-capable
element or script URL survives in the widget's shadow DOM.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.helpers import comment_body, parse_html
from tests.e2e.conftest import DemoServer

CORPUS: list[dict[str, str]] = json.loads(
    (Path(__file__).parents[1] / "data" / "xss" / "payloads.json").read_text()
)["payloads"]
DANGEROUS_TAGS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input",
    "button", "textarea", "select", "base", "meta", "link", "style", "template", "svg", "math",
    "noscript", "body", "html",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "xlink:href", "action", "formaction", "srcdoc", "data", "poster",
    "background", "srcset",
}  # fmt: skip
SCRIPT_URL = re.compile(r"^(javascript|vbscript|data|livescript):", re.IGNORECASE)
INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")


def dangerous(tags: list[tuple[str, dict[str, str | None]]]) -> list[str]:
    """What in a parsed fragment could run script."""
    found = []
    for tag, attributes in tags:
        if tag in DANGEROUS_TAGS:
            found.append(f"<{tag}>")
        for name, value in attributes.items():
            clean = INVISIBLE.sub("", value or "")
            if name.startswith("on"):
                found.append(f"<{tag} {name}>")
            elif name in URL_ATTRIBUTES and SCRIPT_URL.match(clean):
                found.append(f"<{tag} {name}={clean[:40]}>")
            elif name == "style":
                found.append(f"<{tag} style>")
    return found


def test_the_corpus_covers_the_known_families() -> None:
    ids = " ".join(item["id"] for item in CORPUS)
    for family in (
        "script", "onerror", "svg", "mathml", "iframe", "object", "embed", "href-js",
        "vbscript", "data", "style", "md-link", "md-image", "autolink", "entit", "unicode",
        "rtl", "null-byte", "dialog",
    ):  # fmt: skip
        assert family in ids, family
    assert len(CORPUS) >= 50
    # Each payload, if it ran, would leave a trace: the flag, a dialog, or (base64 data: and
    # VBScript URLs) an element the shadow-DOM inspection reports.
    for item in CORPUS:
        traced = ("__xss", "alert(", "confirm(", "base64,", "vbscript:")
        assert any(trace in item["payload"] for trace in traced), item["id"]


# Through the API, on both databases


async def test_every_payload_is_refused_or_stored_inert(client: httpx.AsyncClient) -> None:
    shown = 0
    for number, item in enumerate(CORPUS):
        payload = item["payload"]
        page = f"/xss/{number}"
        as_body = await client.post(
            "/api/v1/comments",
            json=comment_body(page=page, body=payload, author_name=payload[:100]),
        )
        assert as_body.status_code in (201, 202, 400), (item["id"], as_body.text)
        if as_body.status_code != 400:
            posted = as_body.json()
            tags, _ = parse_html(posted["body_html"])
            assert not dangerous(tags), (item["id"], posted["body_html"])
            shown += 1
        as_url = await client.post(
            "/api/v1/comments", json=comment_body(page=page, author_url=payload)
        )
        assert as_url.status_code in (201, 202, 400), (item["id"], as_url.text)
        if as_url.status_code != 400:
            url = as_url.json()["author"].get("url") or ""
            assert re.match(r"^https?://[^\s\"<>]+$", url), (item["id"], url)
    assert shown >= len(CORPUS) * 0.9


# In the browser

INSPECT = """host => {
  const root = host.shadowRoot;
  const bad = [];
  const tags = new Set(TAGS);
  const urls = new Set(URLS);
  const scriptUrl = /^(javascript|vbscript|data|livescript):/i;
  const invisible = /[\\u0000-\\u0020\\u007f-\\u009f\\u200b-\\u200f\\u2028-\\u202e\\ufeff]/g;
  for (const el of root.querySelectorAll(".body *, .name, .name *")) {
    if (tags.has(el.localName)) bad.push(`<${el.localName}> in a comment`);
    if (el.hasAttribute("style")) bad.push(`<${el.localName} style> in a comment`);
  }
  for (const el of root.querySelectorAll("*")) {
    for (const a of el.attributes) {
      const value = a.value.replace(invisible, "");
      if (a.name.toLowerCase().startsWith("on")) bad.push(`<${el.localName} ${a.name}>`);
      if (urls.has(a.name.toLowerCase()) && scriptUrl.test(value)
          && !(a.name === "src" && /^data:image\\/(png|jpeg|gif|webp);/i.test(value)))
        bad.push(`<${el.localName} ${a.name}="${value.slice(0, 40)}">`);
    }
  }
  return bad;
}""".replace("TAGS", json.dumps(sorted(DANGEROUS_TAGS))).replace(
    "URLS", json.dumps(sorted(URL_ATTRIBUTES))
)
PER_PAGE = 15
STAFF = "xss-moderator@news.example"
STAFF_PASSWORD = "a long enough moderator password"


def _post_corpus(server: DemoServer) -> dict[str, int]:
    """Post every payload (body and name, and web site) on pages of 15, approve what the
    screening held; the number of published comments per page."""
    published: dict[str, int] = {}
    held: list[str] = []
    for number, item in enumerate(CORPUS):
        page = f"/xss/{number // PER_PAGE}"
        published.setdefault(page, 0)
        payload = item["payload"]
        for extra in (
            {"body": payload, "author_name": payload[:100]},
            {"body": f"web site: {item['id']}", "author_name": "Site", "author_url": payload},
        ):
            response = server.http.post(
                "/api/v1/comments", json={"site": "demo", "page": page, **extra}
            )
            assert response.status_code in (201, 202, 400), (item["id"], response.text)
            published[page] += response.status_code in (201, 202)
            if response.status_code == 202:
                held.append(response.json()["id"])
    if held:
        _approve(server, held)
    return published


def _approve(server: DemoServer, ids: list[str]) -> None:
    """A moderator (added with the CLI) approves the held payloads, so every one is shown."""
    server.rostra("user", "add", STAFF, "--role", "moderator", "--password-stdin",
                  stdin=STAFF_PASSWORD + "\n")  # fmt: skip
    with httpx.Client(base_url=server.url, timeout=10) as staff:
        signed_in = staff.post(
            "/api/v1/moderation/session", json={"email": STAFF, "password": STAFF_PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text
        staff.headers["X-CSRF-Token"] = signed_in.json()["csrf_token"]
        # The cookie is Secure (loopback counts as a secure context for browsers, not httpx).
        staff.headers["Cookie"] = f"rostra_staff={signed_in.cookies['rostra_staff']}"
        response = staff.post("/api/v1/moderation/bulk", json={"action": "approve", "ids": ids})
        assert response.status_code == 200, response.text
        assert not response.json()["failed"], response.text


def _serve(html: str) -> Any:
    def fulfill(route: Any) -> None:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

    return fulfill


@pytest.mark.browser
def test_no_payload_runs_or_survives_in_the_widget(new_page: Any, server: DemoServer) -> None:
    published = _post_corpus(server)
    assert sum(published.values()) >= len(CORPUS), published
    page = new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    found: list[str] = []
    for thread, count in published.items():
        # Our own page, served without a CSP: only the sanitizer and the widget stand guard.
        url = f"{server.url}/xss-check{thread}"
        html = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>XSS</title>'
            f'</head><body><div id="rostra-thread" data-site="demo" data-page="{thread}"></div>'
            '<script src="/widget.js" async></script></body></html>'
        )
        page.route(url, _serve(html))
        page.goto(url)
        items = page.locator("#rostra-thread ol.list > li")
        items.nth(count - 1).wait_for(state="attached")
        assert items.count() == count
        # Hover and focus every link and image a payload could have armed.
        for link in page.locator("#rostra-thread .body a, #rostra-thread a.name").all()[:40]:
            link.hover()
        found += [f"{thread}: {what}" for what in page.locator("#rostra-thread").evaluate(INSPECT)]
        flag = page.evaluate("window.__xss")
        assert flag is None, f"a payload ran on {thread}"
    assert not found, "\n".join(found)
    assert not dialogs, dialogs


@pytest.mark.browser
def test_the_inspection_finds_what_an_unsanitized_thread_would_hold(browser: Any) -> None:
    # The checks above must be able to fail: the same inspection on a shadow root holding
    # the raw corpus reports elements and attributes, and the raw payloads set the flag.
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content('<div id="rostra-thread"></div>')
        page.evaluate(
            """payloads => {
                const root = document.querySelector("#rostra-thread").attachShadow({mode: "open"});
                for (const payload of payloads) {
                    const body = document.createElement("div");
                    body.className = "body";
                    body.innerHTML = payload;  // each apart, as the widget shows each comment
                    root.append(body);
                }
            }""",
            [item["payload"] for item in CORPUS],
        )
        found = page.locator("#rostra-thread").evaluate(INSPECT)
        assert any("onerror" in what for what in found), "\n".join(found)
        assert any('href="javascript:' in what for what in found), found
        assert any("<iframe>" in what for what in found), found
        page.wait_for_function("window.__xss === 1", timeout=5_000)
    finally:
        context.close()
