"""Crash safety: SIGKILL `rostra serve` in the middle of a stream of comment posts.

After a restart every acknowledged comment (201/202) is there, and nothing half-written is:
thread and reply counts match the rows, every stored comment has its live-update event, its
author's subscription and that subscription's confirmation mail, and nothing exists for a
comment that was not stored. Run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from rostra.bootstrap import run_blocking
from rostra.storage.database import async_url
from tests.conftest import (
    POSTGRESQL_URL,
    _answers,
    postgresql_admin,
    postgresql_url_of,
    service_missing,
)
from tests.e2e.conftest import free_port
from tests.e2e.serving import Server, add_news_site, server_env, start_server

PAGE = "/2026/11/crash"
POSTERS = 4
KILL_AFTER = 24  # acknowledged comments before the SIGKILL; posts keep coming meanwhile
DEADLINE_SECONDS = 60.0
NUMBER = re.compile(r"(\d+)")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def crash_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of the test's own: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'rostra.db'}"
        return
    if not _answers(POSTGRESQL_URL, 5432):
        service_missing("PostgreSQL", POSTGRESQL_URL)
    name = f"rostra_crash_{uuid.uuid4().hex[:8]}"
    run_blocking(postgresql_admin(f'CREATE DATABASE "{name}"'))
    yield postgresql_url_of(name)
    run_blocking(postgresql_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass
class Posters:
    """Concurrent readers posting numbered comments (every third a reply) until stopped."""

    url: str
    acknowledged: dict[int, str] = field(default_factory=dict)  # number -> comment id
    failures: list[str] = field(default_factory=list)
    next_number: int = 0

    def body(self, number: int) -> dict[str, Any]:
        parent = None
        published = list(self.acknowledged.values())
        if number % 3 == 2 and published:
            parent = published[number % len(published)]
        return {
            "site": "news",
            "page": PAGE,
            "parent_id": parent,
            "author_name": f"Reader {number}",
            "author_email": f"reader{number}@mail.example",
            "notify": "replies",
            "body": f"Comment number {number}",
        }

    async def post_until_refused(self, client: httpx.AsyncClient, enough: asyncio.Event) -> None:
        while True:
            number, self.next_number = self.next_number, self.next_number + 1
            try:
                response = await client.post("/api/v1/comments", json=self.body(number))
            except httpx.TransportError:
                return  # the server is gone: this post was never acknowledged
            if response.status_code not in (201, 202):
                self.failures.append(f"{response.status_code} {response.text}")
                return
            self.acknowledged[number] = response.json()["id"]
            if len(self.acknowledged) >= KILL_AFTER:
                enough.set()


async def post_and_kill(server: Server) -> Posters:
    posters = Posters(server.url)
    enough = asyncio.Event()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        tasks = [
            asyncio.create_task(posters.post_until_refused(client, enough)) for _ in range(POSTERS)
        ]
        async with asyncio.timeout(DEADLINE_SECONDS):
            waiting = asyncio.create_task(enough.wait())
            await asyncio.wait({waiting, *tasks}, return_when=asyncio.FIRST_COMPLETED)
            assert enough.is_set(), f"posting stopped early: {posters.failures}\n{server.output()}"
            server.kill()  # posts are in flight right now
            await asyncio.gather(*tasks)
    assert not posters.failures, posters.failures
    return posters


async def stored_state(database_url: str) -> dict[str, Any]:
    """What the database holds after the crash, read directly."""
    engine = create_async_engine(async_url(database_url))
    try:
        async with engine.connect() as conn:

            async def rows(sql: str) -> list[Any]:
                return list((await conn.execute(sa.text(sql))).all())

            return {
                "comments": await rows(
                    "SELECT id, parent_id, root_id, status, body, body_html, descendant_count "
                    "FROM comments"
                ),
                "threads": await rows("SELECT id, comment_count FROM threads"),
                "events": await rows("SELECT name, payload FROM thread_events"),
                "subscriptions": await rows("SELECT id, email, status FROM subscriptions"),
                "outbox": await rows("SELECT kind, recipient, subscription_id FROM outbox"),
            }
    finally:
        await engine.dispose()


def number_of(text: str) -> int:
    match = NUMBER.search(text)
    assert match is not None, text
    return int(match.group(1))


def test_sigkill_mid_stream_loses_no_acknowledged_comment_and_leaves_no_half(
    crash_database: str, tmp_path: Path
) -> None:
    dead_smtp = f"smtp://127.0.0.1:{free_port()}"  # mail stays in the outbox
    env = server_env(
        crash_database,
        ROSTRA_SMTP_URL=dead_smtp,
        ROSTRA_NOTIFY_WORKER="off",
        ROSTRA_PUBLIC_URL="http://127.0.0.1:8080",
    )
    add_news_site(env)
    server = start_server(env, tmp_path / "first.log")
    try:
        posters = run_blocking(post_and_kill(server))
    finally:
        server.kill()
    assert server.process.returncode == -9
    # Posts were in flight when the server died (each poster had one outstanding).
    assert posters.next_number > len(posters.acknowledged)

    restarted = start_server(env, tmp_path / "second.log")
    try:
        thread = httpx.get(
            f"{restarted.url}/api/v1/comments",
            params={"site": "news", "page": PAGE, "limit": 100},
            timeout=30,
        ).json()
    finally:
        restarted.stop()
    state = run_blocking(stored_state(crash_database))

    comments = {row.id: row for row in state["comments"]}
    # Every acknowledged comment survived, complete.
    missing = set(posters.acknowledged.values()) - set(comments)
    assert not missing, f"acknowledged but lost: {missing}"
    assert all(
        row.body and row.body_html and row.status == "published" for row in comments.values()
    )
    # Unacknowledged posts may or may not have landed, but only whole: they are numbered
    # beyond what was sent, and nothing else was written.
    stored_numbers = {number_of(row.body) for row in comments.values()}
    assert stored_numbers <= set(range(posters.next_number))
    # Counts equal the rows.
    (thread_row,) = state["threads"]
    assert thread_row.comment_count == len(comments)
    assert thread["thread"]["comment_count"] == len(comments)
    for row in comments.values():
        if row.parent_id is None:
            replies = [r for r in comments.values() if r.root_id == row.id]
            assert row.descendant_count == len(replies), row.id
        else:
            assert row.parent_id in comments
    # One comment.created event per stored comment; none for a comment that is not there.
    created = [payload for name, payload in state["events"] if name == "comment.created"]
    created_ids = [
        (payload if isinstance(payload, dict) else json.loads(payload))["id"] for payload in created
    ]
    assert sorted(created_ids) == sorted(comments)
    # The author's subscription and its confirmation mail were written with the comment.
    subscribed = {number_of(row.email) for row in state["subscriptions"]}
    assert subscribed == stored_numbers
    confirmations = [row for row in state["outbox"] if row.kind == "confirm"]
    assert sorted(number_of(row.recipient) for row in confirmations) == sorted(stored_numbers)
    subscription_ids = {row.id for row in state["subscriptions"]}
    assert all(row.subscription_id in subscription_ids for row in state["outbox"])
