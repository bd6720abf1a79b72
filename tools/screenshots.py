"""Screenshots of the demo article and the moderator dashboard at phone and desktop widths,
written to docs/screenshots/ (`make screenshots`). Runs a fresh `rostra demo` and Debian's
Chromium (/usr/bin/chromium, `make browser`)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
WIDTHS = {"phone": 390, "desktop": 1280}
DEADLINE_SECONDS = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, log: Path) -> tuple[str, str]:
    """Wait until the demo answers and has printed its moderator account."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        account = re.search(r"Moderator email: (\S+)\s+Moderator password: (\S+)", text)
        try:
            up = httpx.get(f"{url}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            up = False
        if up and account:
            return account.group(1), account.group(2)
        time.sleep(0.2)
    sys.exit(f"rostra demo did not start within {DEADLINE_SECONDS:.0f} s:\n{log.read_text()}")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="rostra-shots-") as folder:
        log = Path(folder) / "demo.log"
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "ROSTRA_RATE_LIMITS": "off"}
        command = [
            sys.executable,
            "-m",
            "rostra",
            "demo",
            "--port",
            str(port),
            "--data-dir",
            folder,
        ]
        with log.open("wb") as out:
            demo = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)  # noqa: S603 - our own command
        try:
            email, password = wait_for(url, log)
            shoot(url, email, password)
        finally:
            demo.terminate()
            demo.wait(timeout=15)


def shoot(url: str, email: str, password: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for device, width in WIDTHS.items():
            context = browser.new_context(viewport={"width": width, "height": 1000})
            page = context.new_page()
            page.goto(url + "/")
            page.locator("#rostra-thread").get_by_role("heading", level=2).wait_for()
            page.locator("[data-rostra-support][data-rostra-mounted]").wait_for()
            page.evaluate("document.querySelector('[data-rostra-article]').scrollIntoView()")
            page.screenshot(path=OUT / f"demo-{device}.png")
            page.evaluate("document.querySelector('#comments').scrollIntoView()")
            page.screenshot(path=OUT / f"comments-{device}.png")
            page.goto(url + "/admin/sign-in")
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
            page.locator(".queue, .empty").first.wait_for()
            page.screenshot(path=OUT / f"dashboard-{device}.png")
            context.close()
        browser.close()
    print(f"Screenshots in {OUT}")


if __name__ == "__main__":
    main()
