"""Two `rostra serve` processes on one PostgreSQL and one Redis behave as one server."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from redis import Redis

from rostra.bootstrap import run_blocking
from tests.api.helpers import within_one_rate_window
from tests.conftest import (
    POSTGRESQL_URL,
    REDIS_URL,
    SECRET_KEY,
    _answers,
    postgresql_admin,
    postgresql_url_of,
    service_missing,
)
from tests.e2e.conftest import free_port
from tests.e2e.serving import add_news_site, first_event

pytestmark = [pytest.mark.postgresql, pytest.mark.redis]
STARTUP_SECONDS = 30.0
PAGE = "/2026/11/scale-out"


@pytest.fixture
def shared_database() -> Iterator[str]:
    """A fresh PostgreSQL database for the two servers."""
    if not _answers(POSTGRESQL_URL, 5432):
        service_missing("PostgreSQL", POSTGRESQL_URL)
    name = f"rostra_scale_{uuid.uuid4().hex[:8]}"

    run_blocking(postgresql_admin(f'CREATE DATABASE "{name}"'))
    yield postgresql_url_of(name)
    run_blocking(postgresql_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def shared_redis() -> str:
    if not _answers(REDIS_URL, 6379):
        service_missing("Redis", REDIS_URL)
    Redis.from_url(REDIS_URL).flushdb()
    return REDIS_URL


def _start(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "rostra", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling a condition with a deadline
    pytest.fail(f"{url} did not become healthy:\n{log.read_text()}")


@pytest.fixture
def two_servers(
    shared_database: str, shared_redis: str, tmp_path: Path
) -> Iterator[tuple[str, str]]:
    env = {
        **os.environ,
        "ROSTRA_DATABASE_URL": shared_database,
        "ROSTRA_REDIS_URL": shared_redis,
        "ROSTRA_SECRET_KEY": SECRET_KEY,
        "ROSTRA_RATE_LIMITS": "on",
        "ROSTRA_RATE_LIMIT_COMMENTS": "3/minute",
    }
    add_news_site(env)  # in this process: setup
    processes, urls, logs = [], [], []
    try:
        for name in ("a", "b"):  # started side by side
            port, log = free_port(), tmp_path / f"server-{name}.log"
            processes.append(_start(port, env, log))
            urls.append(f"http://127.0.0.1:{port}")
            logs.append(log)
        for url, process, log in zip(urls, processes, logs, strict=True):
            _wait_healthy(url, process, log)
        yield urls[0], urls[1]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _comment(body: str) -> dict[str, str]:
    return {"site": "news", "page": PAGE, "author_name": "Ann", "body": body}


async def test_comment_posted_to_one_worker_reaches_readers_of_the_other(
    two_servers: tuple[str, str],
) -> None:
    first, second = two_servers
    ready = asyncio.Event()
    listener = asyncio.create_task(first_event(second, PAGE, ready, "comment.created"))
    await asyncio.wait_for(ready.wait(), 10)
    async with httpx.AsyncClient() as client:
        posted = await client.post(
            f"{first}/api/v1/comments", json=_comment("Posted to one, read on the other.")
        )
    assert posted.status_code == 201, posted.text
    event = await asyncio.wait_for(listener, 10)
    assert event["id"] == posted.json()["id"]


async def test_vote_on_one_worker_is_read_on_the_other(two_servers: tuple[str, str]) -> None:
    first, second = two_servers
    async with httpx.AsyncClient() as client:
        posted = await client.post(
            f"{first}/api/v1/comments", json=_comment("Please vote for this one.")
        )
        comment_id = posted.json()["id"]
        voted = await client.post(f"{first}/api/v1/comments/{comment_id}/vote", json={"value": 1})
        assert voted.status_code == 200, voted.text
        # The cookie is Secure (loopback counts as secure for browsers, not for httpx's jar).
        voter = voted.cookies["rostra_voter"]
        listed = await client.get(
            f"{second}/api/v1/comments",
            params={"site": "news", "page": PAGE},
            headers={"Cookie": f"rostra_voter={voter}"},
        )
    [comment] = listed.json()["comments"]
    assert (comment["score"], comment["my_vote"]) == (1, 1)  # same voter cookie on both


async def test_rate_limits_are_counted_across_workers(two_servers: tuple[str, str]) -> None:
    first, second = two_servers
    statuses = []
    await within_one_rate_window()
    async with httpx.AsyncClient() as client:
        for n, url in enumerate((first, second, first, second)):
            response = await client.post(f"{url}/api/v1/comments", json=_comment(f"Post {n}"))
            statuses.append(response.status_code)
    assert statuses == [201, 201, 201, 429]
    assert int(response.headers["retry-after"]) >= 1
    assert response.json()["error"]["code"] == "rate_limited"
