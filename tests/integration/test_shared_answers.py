"""Workers of one deployment (PostgreSQL with Redis) share the answers made under one commit
token: after a commit, the first worker to be asked builds the page and the others replay it
from Redis, byte for byte with its headers; a new commit makes one new build; anything on the
shelf that is not an answer is a miss, never an error. On a real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from typing import Any

import msgspec
import pytest
from redis.asyncio import Redis

from rostra.storage.change_clock import RedisChangeClock
from rostra.storage.shared_answers import PREFIX, RedisAnswerShelf
from rostra.web.middleware.settled import SettledAnswers
from tests.conftest import REDIS_URL, _answers, service_missing
from tests.silent_server import silent_server

ROUTE = ("GET", "/api/v1/comments")
pytestmark = pytest.mark.redis


class Worker:
    """One worker: its own app (which names itself in each answer it builds), its own
    connections to Redis, the deployment's commit counter."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.built = 0
        # Epochs too long to turn mid-test: a turn would make a second build the tests do not
        # expect (the epoch's own test is in tests/api/test_settled_answers_redis.py).
        self.clock = RedisChangeClock(REDIS_URL, epoch_seconds=1e9)
        self.shelf = RedisAnswerShelf(REDIS_URL)
        self.answers = SettledAnswers(
            self.app, self.clock.token, frozenset({ROUTE}), shelf=self.shelf
        )

    async def app(self, scope: Any, receive: Any, send: Any) -> None:
        self.built += 1
        await asyncio.sleep(0.005)  # a build takes a while: readers arrive meanwhile
        headers = [(b"content-type", b"application/json"), (b"etag", b'"v1"')]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        body = f'{{"built_by":"{self.name}","build":{self.built}}}'.encode()
        await send({"type": "http.response.body", "body": body})

    async def ask(self, query: bytes = b"page=/a") -> tuple[int, dict[bytes, bytes], bytes]:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": ROUTE[1], "query_string": query}
        await self.answers({**scope, "headers": []}, receive, send)
        headers = {bytes(name): bytes(value) for name, value in sent[0]["headers"]}
        return sent[0]["status"], headers, b"".join(m.get("body", b"") for m in sent[1:])

    async def close(self) -> None:
        await self.clock.close()
        await self.shelf.close()


@pytest.fixture
async def workers() -> AsyncIterator[tuple[Worker, Worker]]:
    if not _answers(REDIS_URL, 6379):
        service_missing("Redis", REDIS_URL)
    redis = Redis.from_url(REDIS_URL)
    await redis.flushdb()
    await redis.aclose()
    pair = (Worker("a"), Worker("b"))
    yield pair
    for worker in pair:
        await worker.close()


async def shelved(count: int) -> None:
    """Wait (bounded) until ``count`` answers are on the shelf: a worker leaves its answer
    there just after sending it."""
    redis = Redis.from_url(REDIS_URL)
    try:
        for _ in range(200):
            if len(await redis.keys(PREFIX + "*")) >= count:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"fewer than {count} answers reached the shelf")
    finally:
        await redis.aclose()


async def test_after_a_commit_one_worker_builds_and_the_other_replays_it(
    workers: tuple[Worker, Worker],
) -> None:
    a, b = workers
    status, headers, body = await a.ask()
    assert (status, body) == (200, b'{"built_by":"a","build":1}')
    await shelved(1)
    assert await b.ask() == (status, headers, body)
    assert headers[b"content-type"] == b"application/json" and headers[b"etag"] == b'"v1"'
    assert b.built == 0

    await a.clock.tick()  # a commit, made through either worker
    fresh = await asyncio.gather(*(b.ask() for _ in range(10)))
    assert {answer[2] for answer in fresh} == {b'{"built_by":"b","build":1}'}
    assert b.built == 1  # single flight inside the worker, as before
    await shelved(2)
    assert (await a.ask())[2] == b'{"built_by":"b","build":1}'
    assert a.built == 1
    # Another question has answers of its own.
    assert (await b.ask(b"page=/b"))[2] == b'{"built_by":"b","build":2}'


async def test_what_is_not_an_answer_on_the_shelf_is_a_miss(
    workers: tuple[Worker, Worker],
) -> None:
    a, b = workers
    await a.ask()
    await shelved(1)
    redis = Redis.from_url(REDIS_URL)
    try:
        [key] = await redis.keys(PREFIX + "*")
        for junk in (
            b"\xc1 not msgpack",
            msgspec.msgpack.encode(["x", [{"headers": []}]]),  # no ASGI message types
            msgspec.msgpack.encode(["x", [{"type": "http.response.start", "status": 500}]]),
            msgspec.msgpack.encode(7),
        ):
            await redis.set(key, junk)
            built = b.built
            assert (await b.ask())[2] == b'{"built_by":"b","build":%d}' % (built + 1)
            await asyncio.gather(*b.answers._sharing)  # its own answer reaches the shelf first
            b.answers = SettledAnswers(b.app, b.clock.token, frozenset({ROUTE}), shelf=b.shelf)
    finally:
        await redis.aclose()
    assert b.built == 4


async def test_an_unanswering_redis_costs_only_the_sharing() -> None:
    async with silent_server() as port:
        shelf = RedisAnswerShelf(f"redis://127.0.0.1:{port}/0")
        token: Hashable = (b"1", 0)
        await asyncio.wait_for(shelf.put(token, b"k", b"v"), 5.0)
        assert await asyncio.wait_for(shelf.get(token, b"k"), 5.0) is None
        await shelf.close()
