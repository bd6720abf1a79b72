"""A hot thread: readers while comments, deletions and decisions pour into the same thread.

Readers share one app (one worker's caches and its single-flight builds), or are spread over
two workers of one database and one Redis, which share the answers made under one commit token
(storage/shared_answers.py on PostgreSQL); anonymous readers go through the kept answers
(web/middleware/settled.py), a reader with a cookie through the thread reader's page cache.
Whatever a reader gets must hold everything acknowledged before the read began, with no comment
twice while they page on.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from rostra.bootstrap import build_services
from rostra.config import Settings
from rostra.services.moderation import Decision
from rostra.services.registry import Services
from rostra.web.app import create_app
from tests.api.helpers import new_comment, read_thread
from tests.api.staff_helpers import MODERATOR, add_staff
from tests.conftest import REDIS_URL, _answers, service_missing

WRITES = 24
READERS = 4


@dataclass
class Cluster:
    """The clients of a writer and several readers, and the services staff decide through."""

    clients: list[httpx.AsyncClient]
    services: Services


@pytest.fixture(params=["one worker", pytest.param("two workers", marks=pytest.mark.redis)])
async def cluster(
    request: pytest.FixtureRequest, services: Services, settings: Settings
) -> AsyncIterator[Cluster]:
    """A writer and several readers, each with its own cookies, of one app (one worker) or
    spread over two workers sharing the database and Redis; the last reader carries a voter
    cookie, so it is never answered from the kept answers."""
    workers = [services]
    if request.param == "two workers":
        if not _answers(REDIS_URL, 6379):
            service_missing("Redis", REDIS_URL)
        redis = Redis.from_url(REDIS_URL)
        await redis.flushdb()
        await redis.aclose()
        shared = settings.with_overrides(redis_url=REDIS_URL)
        workers = [build_services(shared) for _ in range(2)]
    apps = [create_app(worker) for worker in workers]
    made = [
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=apps[n % len(apps)]),  # type: ignore[arg-type]
            base_url="http://testserver",
        )
        for n in range(READERS + 1)
    ]
    made[-1].cookies.set("rostra_voter", "a-reader-who-votes")
    try:
        yield Cluster(made, workers[0])
    finally:
        for client in made:
            await client.aclose()
        for worker in workers if len(workers) > 1 else ():
            for hook in worker.on_shutdown:
                await hook()


def ids(listed: dict[str, Any]) -> list[str]:
    return [comment["id"] for comment in listed["comments"]]


async def test_readers_miss_nothing_acknowledged_and_see_nothing_twice_while_comments_pour_in(
    cluster: Cluster,
) -> None:
    writer, *readers = cluster.clients
    loop = asyncio.get_running_loop()
    acknowledged: list[tuple[float, str]] = []  # (when the 201 arrived, id)
    writing = True

    async def write() -> None:
        nonlocal writing
        try:
            for n in range(WRITES):
                posted = await new_comment(writer, author_name=f"Writer {n}", body=f"Post {n}")
                assert posted["status"] == "published"
                acknowledged.append((loop.time(), posted["id"]))
                await asyncio.sleep(0)
        finally:
            writing = False

    async def read_first_pages(reader: httpx.AsyncClient) -> int:
        reads = 0
        while writing or reads == 0:
            began = loop.time()
            owed = {comment for at, comment in acknowledged if at <= began}
            shown = ids(await read_thread(reader, limit=100))
            assert len(shown) == len(set(shown))
            assert owed <= set(shown), f"missing {owed - set(shown)} after {reads} reads"
            reads += 1
            await asyncio.sleep(0.001)  # a kept answer takes no real wait: let the writer on
        return reads

    async def walk_pages(reader: httpx.AsyncClient) -> int:
        walks = 0
        while writing or walks == 0:
            owed = {comment for _, comment in acknowledged}
            seen: list[str] = []
            cursor = None
            for _ in range(WRITES + 2):  # bounded: the walk ends within this many pages
                listed = await read_thread(
                    reader, limit=3, **({"cursor": cursor} if cursor else {})
                )
                seen += ids(listed)
                cursor = listed["next_cursor"]
                if cursor is None:
                    break
            assert cursor is None
            assert len(seen) == len(set(seen)), "a comment came twice while paging"
            assert owed <= set(seen)
            walks += 1
            await asyncio.sleep(0.001)
        return walks

    results = await asyncio.gather(
        write(),
        read_first_pages(readers[0]),
        read_first_pages(readers[1]),
        read_first_pages(readers[-1]),  # with a voter cookie: past the kept answers
        walk_pages(readers[2]),
    )
    assert all(count >= 1 for count in results[1:])
    final = ids(await read_thread(readers[0], limit=100))
    assert sorted(final) == sorted(comment for _, comment in acknowledged)


async def test_a_deletion_and_a_rejection_show_on_the_next_read_of_every_reader(
    cluster: Cluster,
) -> None:
    writer, *readers = cluster.clients
    services = cluster.services
    posted = [
        await new_comment(writer, author_name=f"Writer {n}", body=f"Post {n}") for n in range(4)
    ]
    for reader in readers:  # every reader's answer kept, every page built
        assert set(ids(await read_thread(reader))) == {p["id"] for p in posted}

    gone = await writer.delete(
        f"/api/v1/comments/{posted[0]['id']}", headers={"X-Edit-Token": posted[0]["edit_token"]}
    )
    assert gone.status_code == 204, gone.text
    for reader in readers:
        assert posted[0]["id"] not in ids(await read_thread(reader))

    await add_staff(services, MODERATOR, "moderator")
    assert services.moderation is not None and services.staff is not None
    [moderator] = await services.staff.list_users()
    await services.moderation.decide(moderator, posted[1]["id"], Decision.REJECT)
    pages = await asyncio.gather(*(read_thread(reader) for reader in readers))
    for listed in pages:
        assert set(ids(listed)) == {posted[2]["id"], posted[3]["id"]}
        assert listed["thread"]["comment_count"] == 2
