"""Starting and stopping `rostra serve` subprocesses for the reliability tests.

Every wait has a deadline and fails with the server's output.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import ORIGIN, SECRET_KEY
from tests.e2e.conftest import free_port
from tests.in_process import run_rostra

STARTUP_SECONDS = 60.0  # two workers on a busy 2-core machine
STOP_SECONDS = 15.0


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a test server: its database, a fixed key, no rate limits."""
    env = {
        **os.environ,
        "ROSTRA_DATABASE_URL": database_url,
        "ROSTRA_SECRET_KEY": SECRET_KEY,
        "ROSTRA_RATE_LIMITS": "off",
        "ROSTRA_TOXICITY_MODEL": "none",
        **extra,
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


def rostra(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run one `rostra` command to completion (bounded), failing the test with its output."""
    done = subprocess.run(
        [sys.executable, "-m", "rostra", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"rostra {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done


def rostra_here(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`rostra` run as ``rostra`` does, but in this process (tests/in_process.py): for setting
    up and checking, where a process of its own would add only its start-up time."""
    done = run_rostra(args, env, Path.cwd())
    if done.returncode != 0:
        pytest.fail(f"rostra {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done


def add_news_site(env: dict[str, str], name: str = "news") -> None:
    """`rostra site add NAME --origin ORIGIN` on ``env`` (in this process)."""
    rostra_here(env, "site", "add", name, "--origin", ORIGIN)


@dataclass
class Server:
    """A running `rostra serve` in its own process group."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole group (the server and any workers): no shutdown code runs."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(STOP_SECONDS)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not ended within the deadline."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()


def start_server(
    env: dict[str, str],
    log: Path,
    *,
    workers: int = 1,
    options: tuple[str, ...] = (),
    cwd: Path | None = None,
) -> Server:
    """`rostra serve [options]` on a free port (in the folder ``cwd``, as a host of its own
    would be), once /healthz answers 200."""
    server = launch_server(env, log, workers=workers, options=options, cwd=cwd)
    wait_until_serving(server)
    return server


def launch_server(
    env: dict[str, str],
    log: Path,
    *,
    workers: int = 1,
    options: tuple[str, ...] = (),
    cwd: Path | None = None,
) -> Server:
    """`rostra serve [options]` on a free port, started but not yet answering: start several
    so, then ``wait_until_serving`` each, and they start side by side."""
    port = free_port()
    command = ["rostra", "serve", "--port", str(port), "--workers", str(workers), *options]
    return launch_program(command, port, env, log, cwd=cwd)


def launch_program(
    module_and_args: list[str], port: int, env: dict[str, str], log: Path, *, cwd: Path | None
) -> Server:
    """``python -m MODULE ARGS``, to serve on ``port`` (not waited for)."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", *module_and_args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=cwd,
        )
    return Server(f"http://127.0.0.1:{port}", process, log)


def wait_until_serving(server: Server) -> None:
    """Return once ``server`` answers /healthz with 200; fail with its output (and kill it) if
    it exits or does not answer within STARTUP_SECONDS."""
    process = server.process
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{server.output()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling a condition with a deadline
    server.kill()
    pytest.fail(f"the server did not answer within {STARTUP_SECONDS:.0f} s:\n{server.output()}")


async def first_event(url: str, page: str, ready: asyncio.Event, name: str) -> dict[str, object]:
    """Follow the thread ``page`` of site ``news`` over SSE; set ``ready`` once the server has
    subscribed the stream, and return the data of the first event called ``name``."""
    params = {"site": "news", "page": page}
    async with (
        httpx.AsyncClient(timeout=httpx.Timeout(10.0)) as client,
        client.stream("GET", f"{url}/api/v1/events", params=params) as response,
    ):
        assert response.status_code == 200
        event = None
        async for line in response.aiter_lines():
            if line.startswith(":"):
                ready.set()  # the server has subscribed us: the "connected" comment
            elif line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: ") and event == name:
                return dict(json.loads(line.removeprefix("data: ")))
    raise AssertionError("the stream ended without the event")
