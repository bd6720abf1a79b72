"""The moderator dashboard (``/admin``) in Chromium against the real ``rostra demo`` server.

The demo prints a moderator's email and password on start; an admin is added with the real
``rostra user add`` against the demo's database, and puts the demo site in pre-moderation.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DemoServer

pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)

SITE = "demo"
ARTICLE = "/2026/11/river-bridge-reopens"
ADMIN = "admin@demo.example"
ADMIN_PASSWORD = "admin password for the test"
CREDENTIALS_SECONDS = 10.0


def demo_moderator(server: DemoServer) -> tuple[str, str]:
    """The moderator account ``rostra demo`` printed on start."""
    deadline = time.monotonic() + CREDENTIALS_SECONDS
    while time.monotonic() < deadline:
        output = server.output()
        email = re.search(r"Moderator email: (\S+)", output)
        password = re.search(r"Moderator password: (\S+)", output)
        if email and password:
            return email.group(1), password.group(1)
        time.sleep(0.1)  # polling the log with a deadline
    pytest.fail(f"rostra demo printed no moderator account:\n{server.output()}")


def staff_headers(server: DemoServer, email: str, password: str) -> dict[str, str]:
    """Sign in over the API; the cookie is Secure, which httpx keeps off plain http, so the
    session travels as an explicit header."""
    response = server.http.post(
        "/api/v1/moderation/session", json={"email": email, "password": password}
    )
    assert response.status_code == 200, response.text
    cookie = response.cookies["rostra_staff"]
    return {"Cookie": f"rostra_staff={cookie}", "X-CSRF-Token": response.json()["csrf_token"]}


def pre_moderate(server: DemoServer) -> None:
    """Add an admin with the real CLI and switch the demo site to pre-moderation."""
    added = server.rostra("user", "add", ADMIN, "--role", "admin", "--password-stdin",
                          stdin=ADMIN_PASSWORD + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    headers = staff_headers(server, ADMIN, ADMIN_PASSWORD)
    settings = server.http.get(f"/api/v1/moderation/sites/{SITE}/settings", headers=headers)
    assert settings.status_code == 200, settings.text
    changed = {**settings.json(), "mode": "pre", "min_seconds_to_submit": 0}
    response = server.http.put(
        f"/api/v1/moderation/sites/{SITE}/settings", json=changed, headers=headers
    )
    assert response.status_code == 200, response.text


def post_as_reader(server: DemoServer, body: str, **extra: Any) -> Any:
    response = server.http.post(
        "/api/v1/comments",
        json={"site": SITE, "page": ARTICLE, "author_name": "Rita Reader", "body": body, **extra},
    )
    return response


def sign_in(page: Page, server: DemoServer, email: str, password: str) -> None:
    page.goto(server.url + "/admin")
    expect(page).to_have_url(re.compile(r"/admin/sign-in$"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Queue")


def test_held_comment_is_hidden_then_approved_in_the_dashboard_and_appears_live(
    new_page: Any, server: DemoServer
) -> None:
    pre_moderate(server)
    reader: Page = new_page()
    expect(reader.locator("#rostra-thread").get_by_role("heading", level=2)).to_contain_text(
        "Comment"
    )
    posted = post_as_reader(server, "The footbridge deserves a plaque, too.")
    assert posted.status_code == 202, posted.text
    held = posted.json()
    listed = server.http.get("/api/v1/comments", params={"site": SITE, "page": ARTICLE}).json()
    assert held["id"] not in str(listed)

    moderator: Page = new_page(url=server.url + "/admin")
    email, password = demo_moderator(server)
    sign_in(moderator, server, email, password)
    item = moderator.locator(f'.queue .item[data-id="{held["id"]}"]')
    expect(item).to_contain_text("The footbridge deserves a plaque, too.")
    expect(item).to_contain_text("Rita Reader")
    expect(reader.locator("#rostra-thread")).not_to_contain_text("deserves a plaque")

    item.get_by_role("button", name="Approve").click()
    expect(moderator.get_by_role("status")).to_have_text("Approved.")
    expect(moderator.locator(f'.queue .item[data-id="{held["id"]}"]')).to_have_count(0)
    # The reader's open page learns of it live (Server-Sent Events) and shows it on request,
    # without a reload.
    notice = reader.locator("#rostra-thread").get_by_role("button", name="1 new comment")
    notice.click()
    expect(reader.locator("#rostra-thread")).to_contain_text("deserves a plaque")

    moderator.goto(server.url + "/admin/audit")
    expect(moderator.locator("tbody tr").first).to_contain_text("Approved")
    expect(moderator.locator("tbody tr").first).to_contain_text(email)


def test_banned_author_is_refused_and_keyboard_selects_in_the_queue(
    new_page: Any, server: DemoServer
) -> None:
    pre_moderate(server)
    posted = post_as_reader(server, "Buy cheap pills", author_email="troll@example.org")
    assert posted.status_code == 202, posted.text
    moderator: Page = new_page(url=server.url + "/admin")
    email, password = demo_moderator(server)
    sign_in(moderator, server, email, password)
    item = moderator.locator(f'.queue .item[data-id="{posted.json()["id"]}"]')
    expect(item).to_be_visible()
    # j focuses the first item, x selects it (the dashboard's only script).
    moderator.locator("body").press("j")
    moderator.locator("body").press("x")
    expect(item.locator("input[name=ids]")).to_be_checked()
    # A bulk action first: its result must not linger in the banner after the ban.
    moderator.get_by_role("button", name="Approve selected").click()
    expect(moderator.get_by_role("status")).to_contain_text("Done for 1")
    posted = post_as_reader(server, "Buy cheap pills", author_email="troll@example.org")
    item = moderator.locator(f'.queue .item[data-id="{posted.json()["id"]}"]')
    moderator.reload()
    # The choice of what to ban by, with the warning about shared network addresses.
    expect(moderator.locator(".hint", has_text="shared by many readers")).to_be_visible()
    item.get_by_label("Ban by").select_option("email")
    item.get_by_label("Ban length").select_option("30")
    item.get_by_role("button", name="Ban author").click()
    expect(moderator.get_by_role("status")).to_have_text("The author is banned by email address.")

    refused = post_as_reader(server, "Still selling", author_email="troll@example.org")
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "author_banned"
    moderator.goto(server.url + "/admin/bans")
    [row] = moderator.locator("tbody tr").all()
    for shown in ("Rita Reader", "Buy cheap pills", "email address", email):
        expect(row).to_contain_text(shown)
    expect(row).not_to_contain_text("(unknown)")


def test_moderator_cannot_reach_admin_settings(shared_page: Any, shared_server: DemoServer) -> None:
    moderator: Page = shared_page(url=shared_server.url + "/admin")
    email, password = demo_moderator(shared_server)
    sign_in(moderator, shared_server, email, password)
    expect(moderator.get_by_role("link", name="Site settings")).to_have_count(0)
    response = moderator.goto(shared_server.url + f"/admin/settings/{SITE}")
    assert response is not None
    assert response.status == 403
    expect(moderator.get_by_role("heading", level=1)).to_have_text(
        "Only admins may change site settings."
    )
    status = moderator.evaluate(
        """async () => (await fetch('/api/v1/moderation/sites/demo/settings')).status"""
    )
    assert status == 403


def test_reader_cannot_reach_any_staff_endpoint(
    shared_page: Any, shared_server: DemoServer
) -> None:
    reader: Page = shared_page()
    statuses = reader.evaluate(
        """async () => {
          const paths = ['/api/v1/moderation/queue', '/api/v1/moderation/audit',
                         '/api/v1/moderation/bans', '/api/v1/moderation/session',
                         '/api/v1/moderation/sites/demo/settings'];
          const out = [];
          for (const p of paths) out.push((await fetch(p, {credentials: 'include'})).status);
          out.push((await fetch('/api/v1/moderation/bulk', {method: 'POST',
            headers: {'Content-Type': 'application/json'},
            body: JSON.stringify({action: 'approve', ids: ['x']})})).status);
          return out;
        }"""
    )
    assert statuses == [401] * 6
    response = reader.goto(shared_server.url + "/admin/audit")
    assert response is not None
    expect(reader).to_have_url(re.compile(r"/admin/sign-in$"))
    assert response.request.redirected_from is not None
    headers = shared_server.http.get("/admin/sign-in").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "script-src 'self';" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"


def test_reader_reports_a_comment_from_the_widget_and_it_reaches_the_queue(
    new_page: Any, server: DemoServer
) -> None:
    pre_moderate(server)  # also gives an admin, who lowers the report threshold to 1
    headers = staff_headers(server, ADMIN, ADMIN_PASSWORD)
    settings = server.http.get(f"/api/v1/moderation/sites/{SITE}/settings", headers=headers)
    changed = {**settings.json(), "mode": "post", "report_threshold": 1}
    assert (
        server.http.put(f"/api/v1/moderation/sites/{SITE}/settings", json=changed, headers=headers)
    ).status_code == 200
    listed = server.http.get("/api/v1/comments", params={"site": SITE, "page": ARTICLE}).json()
    target = listed["comments"][0]["id"]

    reader: Page = new_page()
    thread = reader.locator("#rostra-thread")
    report = thread.locator(f'li[data-id="{target}"] > article').get_by_role(
        "button", name="Report", exact=True
    )
    report.click()
    item = thread.locator(f'li[data-id="{target}"] > article')
    item.get_by_role("group", name="Why are you reporting this comment?").get_by_label(
        "Spam"
    ).check()
    item.get_by_role("button", name="Send report").click()
    expect(item.get_by_role("button", name="Reported to the moderators")).to_be_disabled()

    queue = server.http.get("/api/v1/moderation/queue", headers=headers).json()
    assert [item["comment"]["id"] for item in queue["items"]] == [target]
    assert queue["items"][0]["report_count"] == 1
