"""Browser tests: the real ``rostra demo`` server in a subprocess, driven by Debian's Chromium.

A test gets its own server on a free port with a fresh database under ``tmp_path``
(``server``, ``new_page``), or shares one with the other tests of its module that only read it
or check only what they add themselves (``shared_server``, ``shared_page``). When
``/usr/bin/chromium`` is missing the tests are skipped with a notice (``make browser`` installs
it), unless ROSTRA_REQUIRE_SERVICES=1 (set by .ci/run) turns the skip into a failure.
"""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.in_process import run_rostra

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
STARTUP_SECONDS = 60.0  # the demo seeds its thread first; slow on a busy shared 2-core machine
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


_GIVEN_PORTS: set[int] = set()


def free_port() -> int:
    """A TCP port nobody listens on right now (127.0.0.1 only), and not one this process
    handed out before: servers launched side by side get a port each before either binds."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _GIVEN_PORTS:
            _GIVEN_PORTS.add(port)
            return port


@dataclass
class DemoServer:
    """A running ``rostra demo``: its base URL, database and an HTTP client for seeding data."""

    url: str
    http: httpx.Client
    database: str
    logs: list[Path] = field(default_factory=list)

    def output(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')}" for log in self.logs)

    def rostra(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """`rostra ARGS --database` this demo's database, run in this process (setup: the
        command line itself is tested in tests/cli); fails the test if it fails."""
        done = run_rostra([*args, "--database", self.database], os.environ, Path.cwd(), stdin)
        if done.returncode != 0:
            pytest.fail(f"rostra {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
        return done


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], server: DemoServer) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"rostra demo exited with {process.returncode}:\n{server.output()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling a condition with a deadline, not waiting for a result
    pytest.fail(
        f"rostra demo did not answer /healthz within {STARTUP_SECONDS:.0f} s:\n{server.output()}"
    )


@contextmanager
def demo_process(tmp_path: Path, env: dict[str, str]) -> Iterator[DemoServer]:
    """``python -m rostra demo`` on a free port with ``env``, its data in ``tmp_path``, stopped
    (terminated, killed if it lingers) when the block ends."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    stdout, stderr = tmp_path / "server.stdout", tmp_path / "server.stderr"
    command = [sys.executable, "-m", "rostra", "demo", "--port", str(port),
               "--data-dir", str(tmp_path / "data")]  # fmt: skip
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
    with httpx.Client(base_url=url, timeout=10) as http:
        demo = DemoServer(url, http, f"sqlite:///{tmp_path / 'data' / 'demo.db'}", [stdout, stderr])
        try:
            _wait_until_healthy(url, process, demo)
            yield demo
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def running_demo(tmp_path: Path, **env_extra: str) -> Iterator[DemoServer]:
    """The demo with no outside mail server or payment keys from this environment (for
    fixtures that share one server across a module)."""
    env = {**os.environ, "ROSTRA_RATE_LIMITS": "off", **env_extra}
    for name in ("ROSTRA_DATABASE_URL", "ROSTRA_STRIPE_SECRET_KEY", "ROSTRA_SMTP_URL"):
        env.pop(name, None)
    with demo_process(tmp_path, env) as demo:
        yield demo


def _server_env() -> dict[str, str]:
    env = {**os.environ, "ROSTRA_RATE_LIMITS": "off"}
    env.pop("ROSTRA_DATABASE_URL", None)
    return env


@pytest.fixture
def server(tmp_path: Path) -> Iterator[DemoServer]:
    """``python -m rostra demo`` on a free port, its database in ``tmp_path``: a fresh one for
    each test that changes what others would see or counts on the seeded thread as it is."""
    with demo_process(tmp_path, _server_env()) as demo:
        yield demo


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """One ``rostra demo`` for the tests of a module that only read it or check only what they
    themselves add (a demo takes 15-30 s to start on a busy machine). A test that needs the
    seeded thread untouched takes ``server`` instead."""
    with demo_process(tmp_path_factory.mktemp("shared"), _server_env()) as demo:
        yield demo


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One Chromium per test module (closed before other modules' event loops start)."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing; run `make browser` to install Debian's Chromium"
        if os.environ.get("ROSTRA_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{message} (ROSTRA_REQUIRE_SERVICES=1 requires it).")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@contextmanager
def _page_opener(browser: object, server: DemoServer) -> Iterator[Callable[..., object]]:
    contexts = []
    errors: list[str] = []

    def open_page(
        width: int = 1280, height: int = 900, color_scheme: str = "light", url: str = ""
    ) -> object:
        context = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": width, "height": height}, color_scheme=color_scheme
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url or server.url + "/")
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def new_page(browser: object, server: DemoServer) -> Iterator[object]:
    """Open the demo article in a fresh browser context: new_page(width=1280, color_scheme=…).

    Uncaught JavaScript errors on any page fail the test.
    """
    with _page_opener(browser, server) as open_page:
        yield open_page


@pytest.fixture
def shared_page(browser: object, shared_server: DemoServer) -> Iterator[object]:
    """``new_page`` on the module's ``shared_server``."""
    with _page_opener(browser, shared_server) as open_page:
        yield open_page


def sharing_one_demo() -> tuple[Any, Any]:
    """``server, new_page = sharing_one_demo()`` at the top of a module: its tests (and the
    fixtures they use) get the module's ``shared_server`` and ``shared_page`` under the usual
    names. For modules whose tests each add a site of their own and read only that."""

    @pytest.fixture
    def server(shared_server: DemoServer) -> DemoServer:
        return shared_server

    @pytest.fixture
    def new_page(shared_page: Callable[..., object]) -> Callable[..., object]:
        return shared_page

    return server, new_page


@pytest.fixture
def artifacts() -> Path:
    """``test-artifacts/`` at the repository root (git-ignored), for screenshots."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def publisher() -> Iterator[Callable[[str], str]]:
    """A stand-in for a publisher's web server: publisher(html) serves the page, returns its URL.

    It listens on 127.0.0.1 at its own port, so its pages are another origin (and, when the
    widget is loaded from http://localhost:…, another site) than the Rostra server.
    """
    servers: list[http.server.ThreadingHTTPServer] = []

    def serve(html: str) -> str:
        body = html.encode()

        class Page(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()
