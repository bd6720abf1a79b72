"""Answers replayed on PostgreSQL with Redis (rostra.storage.change_clock): every commit moves a
counter in Redis, so a worker replays an answer only while nobody, on any worker, has committed
since it was made; and when Redis fails, nothing is replayed and nothing is lost.

The database is changed by hand (an UPDATE that no Rostra process knows of) to tell a
replayed answer from one read from the database. The tests that expect a replay run with epochs
too long to turn during a test: a token's epoch changes at fixed instants of the wall clock, and
a test that happened to straddle one would see a fresh answer where it expects the replay."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import create_async_engine

from rostra.config import Settings
from rostra.storage import change_clock
from rostra.storage.change_clock import KEY, RedisChangeClock
from rostra.storage.database import async_url
from tests.api.conftest import worker_client
from tests.api.helpers import PAGE, comment_count, new_comment
from tests.conftest import REDIS_URL, SECRET_KEY, _answers, service_missing
from tests.e2e.conftest import free_port

on_postgresql = pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True
)


@pytest.fixture
async def redis_url() -> str:
    if not _answers(REDIS_URL, 6379):
        service_missing("Redis", REDIS_URL)
    redis = Redis.from_url(REDIS_URL)
    await redis.flushdb()
    await redis.aclose()
    return REDIS_URL


@pytest.fixture
def no_epoch_turns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Epochs of about 30 years for the clocks the workers make (see the module docstring)."""
    monkeypatch.setattr(change_clock, "EPOCH_SECONDS", 1e9)


@pytest.fixture
def settings(database_url: str, redis_url: str) -> Settings:
    return Settings(
        database_url=database_url, redis_url=redis_url, secret_key=SECRET_KEY, rate_limits=False
    )


async def by_hand(database_url: str, statement: str) -> None:
    """A change no Rostra process is told about."""
    engine = create_async_engine(async_url(database_url))
    async with engine.begin() as conn:
        await conn.execute(sa.text(statement))
    await engine.dispose()


async def stored_count(database_url: str) -> int:
    engine = create_async_engine(async_url(database_url))
    async with engine.connect() as conn:
        value = await conn.scalar(sa.text("SELECT max(comment_count) FROM threads"))
    await engine.dispose()
    return int(value)


@on_postgresql
@pytest.mark.usefixtures("no_epoch_turns")
async def test_a_replayed_count_moves_with_a_commit_on_another_worker(
    client: httpx.AsyncClient, other_worker: httpx.AsyncClient, settings: Settings
) -> None:
    await new_comment(client)
    assert await comment_count(other_worker) == 1
    await by_hand(settings.database_url, "UPDATE threads SET comment_count = 42")
    assert await comment_count(other_worker) == 1  # replayed: the hand-made change is not seen
    await new_comment(client, author_name="Ben Later", body="A second thought.")
    assert await comment_count(other_worker) == await stored_count(settings.database_url) == 43


@on_postgresql
async def test_an_anonymous_page_shows_a_vote_made_on_another_worker(
    client: httpx.AsyncClient, other_worker: httpx.AsyncClient
) -> None:
    posted = await new_comment(client)
    params = {"site": "news", "page": PAGE}
    for _ in range(2):
        page = (await other_worker.get("/api/v1/comments", params=params)).json()
        assert page["comments"][0]["score"] == 0
    voted = await client.post(f"/api/v1/comments/{posted['id']}/vote", json={"value": 1})
    assert voted.status_code == 200, voted.text
    page = (await other_worker.get("/api/v1/comments", params=params)).json()
    assert page["comments"][0]["score"] == 1


@on_postgresql
async def test_each_commit_moves_the_counter_in_redis(
    client: httpx.AsyncClient, redis_url: str
) -> None:
    redis = Redis.from_url(redis_url)
    before = int(await redis.get(KEY) or 0)
    await new_comment(client)
    after = int(await redis.get(KEY) or 0)
    await redis.aclose()
    assert after > before


async def test_without_redis_every_answer_comes_from_the_database(database_url: str) -> None:
    """Redis down: comments are stored, published in-process and counted from the database
    (also on SQLite, where the answer token does not need Redis but live events do)."""
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    settings = Settings(
        database_url=database_url, redis_url=dead_redis, secret_key=SECRET_KEY, rate_limits=True
    )
    async with worker_client(settings, add_site=True) as client:
        posted = await new_comment(client)  # the commit stands though its tick fails
        assert posted["status"] == "published"
        assert await comment_count(client) == 1
        await by_hand(database_url, "UPDATE threads SET comment_count = 42")
        if not database_url.startswith("sqlite"):  # SQLite's data_version saw no commit of ours
            assert await comment_count(client) == 42


async def test_a_token_expires_even_without_a_tick(redis_url: str) -> None:
    clock = RedisChangeClock(redis_url, epoch_seconds=0.2)
    first = await clock.token()
    assert first is not None
    for _ in range(60):  # the epoch is 0.2 s; give up after 3 s
        if await clock.token() != first:
            break
        await asyncio.sleep(0.05)
    assert await clock.token() != first
    current = await clock.token()
    await clock.tick()
    assert await clock.token() != current
    await clock.close()


async def test_requests_asking_together_share_one_read_yet_see_every_earlier_commit(
    redis_url: str,
) -> None:
    clock, writer = RedisChangeClock(redis_url), RedisChangeClock(redis_url)
    reads = 0
    real_get = clock._redis.get

    async def counted_get(*args: Any) -> Any:
        """The real client's read, counted, its answer arriving late (a slow network): a
        commit can be answered while the read sent before it is still on its way back."""
        nonlocal reads
        reads += 1
        answer = await real_get(*args)
        await asyncio.sleep(0.01)
        return answer

    clock._redis.get = counted_get  # type: ignore[method-assign]
    together = await asyncio.gather(*(clock.token() for _ in range(50)))
    assert len(set(together)) == 1
    assert reads == 1
    for _ in range(20):
        before = await clock.token()
        in_flight = [asyncio.ensure_future(clock.token()) for _ in range(10)]
        await asyncio.sleep(0.005)  # their read has reached Redis, its answer is on the way
        await writer.tick()
        # Asked after the commit: must not ride on a read sent before it.
        assert await clock.token() != before
        await asyncio.gather(*in_flight)
    await clock.close()
    await writer.close()
