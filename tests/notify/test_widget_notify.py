"""The widget's "Notify of" choice in a real browser against ``rostra demo`` with a mail server:
shown only when the server sends mail, and choosing it mails a confirmation (sent by the
worker running inside the server)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, DemoServer, _wait_until_healthy, free_port
from tests.notify.smtp import SmtpServer

pytestmark = pytest.mark.browser
DEADLINE_SECONDS = 15.0


@pytest.fixture
def mail_demo(tmp_path: Path, smtp_server: SmtpServer) -> Iterator[DemoServer]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "ROSTRA_RATE_LIMITS": "off",
        "ROSTRA_SMTP_URL": smtp_server.url,
        "ROSTRA_PUBLIC_URL": url,
        "ROSTRA_MAIL_FROM": "comments@demo.example",
        "ROSTRA_NOTIFY_POLL_SECONDS": "1",
    }
    env.pop("ROSTRA_DATABASE_URL", None)
    stdout, stderr = tmp_path / "server.stdout", tmp_path / "server.stderr"
    data = str(tmp_path / "data")
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [*(sys.executable, "-m", "rostra", "demo", "--port", str(port)), "--data-dir", data],
            stdout=out,
            stderr=err,
            env=env,
        )
    with httpx.Client(base_url=url, timeout=10) as http:
        demo = DemoServer(url, http, "", [stdout, stderr])
        try:
            _wait_until_healthy(url, process, demo)
            yield demo
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def chromium() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing; run `make browser`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_notify_choice_appears_and_subscribes_with_confirmation(
    mail_demo: DemoServer, chromium: object, smtp_server: SmtpServer
) -> None:
    from playwright.sync_api import expect

    context = chromium.new_context()  # type: ignore[attr-defined]
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(mail_demo.url + "/")
    thread = page.locator("#rostra-thread")
    thread.get_by_role("textbox", name="Your comment").fill("Tell me about replies, please.")
    notify = thread.get_by_role("combobox", name="Notify of")
    expect(notify).to_be_visible()
    thread.get_by_label("Name", exact=True).fill("Ada Reader")
    thread.get_by_label("Email").fill("ada@example.org")
    notify.select_option("replies")
    thread.get_by_role("button", name="Post comment").click()
    # Published or held by screening (the test types fast): the subscription is made either way.
    status = thread.get_by_role("status")
    expect(status.filter(has_text=re.compile("posted|awaiting moderation"))).to_have_count(1)
    # The reader is told the subscription waits for the mailed link.
    expect(status.filter(has_text="Check your inbox to confirm")).to_be_visible()
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not smtp_server.to("ada@example.org") and time.monotonic() < deadline:
        time.sleep(0.05)  # polling a condition with a deadline: the server's worker sends
    [confirmation] = smtp_server.to("ada@example.org")
    assert "replies to your comments" in confirmation.get_body(("plain",)).get_content()
    context.close()
    assert not errors, errors
