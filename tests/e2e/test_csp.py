"""The Content-Security-Policy the README gives publishers, in Chromium: the widget loads its
modules, reads and posts comments, and shows counts, with no violation reported. The policies
are read from the README, so the advice and the test cannot drift apart."""

from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import DemoServer, running_demo

pytestmark = pytest.mark.browser
README = Path(__file__).resolve().parents[2] / "README.md"
EXAMPLE = "https://comments.dailynews.example"
NONCE = "r0stra-test-nonce"


def readme_policies() -> list[str]:
    """The Content-Security-Policy values in the README's code blocks."""
    found = re.findall(r"^Content-Security-Policy: (.+)$", README.read_text(), re.MULTILINE)
    assert len(found) == 2, found
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    with running_demo(tmp_path_factory.mktemp("csp")) as demo:
        yield demo


@pytest.fixture(scope="module")
def strict_publisher(server: DemoServer) -> Iterator[tuple[str, list[str]]]:
    """A publisher's site that sends the README's policies: /plain and /nonce. Yields its
    origin and the widget's address (on another site: localhost, not 127.0.0.1)."""
    widget = server.url.replace("127.0.0.1", "localhost")
    plain, nonced = (
        p.replace(EXAMPLE, widget).replace("{NONCE}", NONCE) for p in readme_policies()
    )

    def page(nonce: str) -> bytes:
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Strict</title>'
            "</head><body><h1>Strict page</h1>"
            '<p>Comments: <span data-rostra-count data-page="/strict"></span></p>'
            '<div id="rostra-thread" data-site="strict" data-page="/strict"></div>'
            f'<script{nonce} src="{widget}/widget.js" async></script></body></html>'
        ).encode()

    pages = {
        "/plain": (plain, page("")),
        "/nonce": (nonced, page(f' nonce="{NONCE}"')),
        # The control: the advice before (images.md's img-src and connect-src only).
        "/partial": (f"script-src 'self'; connect-src {widget}; img-src {widget}", page("")),
    }

    class Publisher(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            policy, body = pages.get(self.path, ("default-src 'none'", b""))
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Security-Policy", policy)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Publisher)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{httpd.server_address[1]}"
    server.rostra("site", "add", "strict", "--origin", origin)
    yield origin, [plain, nonced]
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("variant", ["plain", "nonce"])
def test_widget_works_under_the_readme_policy(
    browser: object, strict_publisher: tuple[str, list[str]], variant: str
) -> None:
    from playwright.sync_api import expect

    origin, policies = strict_publisher
    assert "'unsafe-eval'" not in " ".join(policies)
    context = browser.new_context()  # type: ignore[attr-defined]
    context.set_default_timeout(15_000)
    # Violations are collected by a listener the page's own policy cannot block.
    context.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{origin}/{variant}")
    thread = page.locator("#rostra-thread")
    expect(thread.get_by_role("heading", level=2)).to_have_text(re.compile(r"\d+ Comments?"))
    page.clock.install()  # the new site's screening holds forms sent faster than a person types
    box = thread.get_by_role("textbox", name="Your comment")
    box.click()
    page.clock.fast_forward("00:10")
    box.fill(f"Posting under a strict policy ({variant}).")
    thread.get_by_label("Name", exact=True).fill("Cass Policy")
    thread.get_by_role("button", name="Post comment").click()
    mine = thread.locator("article.c", has_text=f"under a strict policy ({variant})")
    expect(mine).to_be_visible()
    expect(page.locator("[data-rostra-count]")).to_have_text(re.compile(r"^\d+$"))
    violations = page.evaluate("window.__csp")
    context.close()
    assert violations == [], violations
    assert errors == [], errors


def test_a_policy_without_the_widgets_address_is_reported(
    browser: object, strict_publisher: tuple[str, list[str]]
) -> None:
    """The control: the listener above does see violations (and the widget does not load)."""
    origin, _ = strict_publisher
    context = browser.new_context()  # type: ignore[attr-defined]
    context.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));"
    )
    page = context.new_page()
    page.goto(f"{origin}/partial")
    page.wait_for_function("window.__csp.length > 0")
    violations = page.evaluate("window.__csp")
    assert any(v.startswith("script-src") and "widget.js" in v for v in violations), violations
    assert page.locator("#rostra-thread").inner_text() == ""
    context.close()
