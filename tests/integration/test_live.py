"""Live updates: the event log, resuming, gaps, and the Redis relay between workers."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
from redis import Redis

from rostra.bootstrap import build_database, build_services
from rostra.config import Settings
from rostra.domain.errors import NotFoundError, RateLimitedError
from rostra.domain.events import CommentCreated, ThreadEvent, VoteChanged
from rostra.domain.sites import Site
from rostra.live.local import QUEUE_SIZE, LocalEventBus
from rostra.live.redis import RedisEventBus
from rostra.live.relay import LogRelayEventBus
from rostra.services.callers import Caller
from rostra.services.comments import CommentDraft
from rostra.services.live import RETENTION, StreamReset
from rostra.services.registry import Services
from rostra.storage.database import Database
from tests.conftest import (
    ORIGIN,
    REDIS_URL,
    SECRET_KEY,
    MovableClock,
    _answers,
    _truncate,
    other_redis_database,
    service_missing,
)

PAGE = "/2026/11/live"
WAIT = 5.0


async def post(services: Services, body: str = "Hello", page: str = PAGE) -> str:
    posted = await services.comments.post_comment(CommentDraft("news", page, body, "Ann"), Caller())
    return posted.comment.id


async def until(condition: Callable[[], bool]) -> None:
    """Wait for ``condition`` with a deadline."""
    async with asyncio.timeout(WAIT):
        while not condition():  # noqa: ASYNC110 - polling a counter another task changes
            await asyncio.sleep(0.01)


async def take(events: AsyncIterator[ThreadEvent], count: int) -> list[ThreadEvent]:
    return [await asyncio.wait_for(anext(events), WAIT) for _ in range(count)]


async def test_reader_from_now_gets_new_events_in_order(services: Services) -> None:
    events = await services.live.follow_thread("news", PAGE, None)
    # Whether the reader has subscribed yet or not, the log replays from where it started.
    reading = asyncio.ensure_future(take(events, 2))
    first = await post(services, "one")
    await services.votes.cast_vote(first, 1, Caller(voter="v:1"))
    got = await reading
    assert [type(event) for event in got] == [CommentCreated, VoteChanged]
    assert [event.comment_id for event in got] == [first, first]
    assert got[0].sequence is not None and got[1].sequence is not None
    assert got[0].sequence < got[1].sequence
    await events.aclose()  # type: ignore[attr-defined]


async def test_reconnecting_reader_gets_exactly_what_it_missed(services: Services) -> None:
    seen = await post(services, "seen")
    events = await services.live.follow_thread("news", PAGE, None)
    del events
    missed = [await post(services, f"missed {n}") for n in range(3)]
    await post(services, "other page", page="/elsewhere")
    # The reader last saw the event of ``seen``: replay starts right after it.
    last_seen = await _sequence_of(services, seen)
    resumed = await services.live.follow_thread("news", PAGE, last_seen)
    got = await take(resumed, 3)
    assert [event.comment_id for event in got] == missed
    assert all(event.page == PAGE and event.site == "news" for event in got)
    await resumed.aclose()  # type: ignore[attr-defined]


async def _sequence_of(services: Services, comment_id: str) -> int:
    replay = await services.live.follow_thread("news", PAGE, 0)
    try:
        while True:
            event = await asyncio.wait_for(anext(replay), WAIT)
            if event.comment_id == comment_id and event.sequence is not None:
                return event.sequence
    finally:
        await replay.aclose()  # type: ignore[attr-defined]


async def test_reader_behind_the_pruned_log_is_told_to_reload(
    services: Services, clock: MovableClock
) -> None:
    await post(services, "old")
    clock.advance(seconds=RETENTION.total_seconds() + 60)
    async with services_storage_write(services) as tx:
        await tx.events.prune(clock.now() - timedelta(seconds=1))
    stream = await services.live.follow_thread("news", PAGE, 0)
    with pytest.raises(StreamReset):
        await anext(stream)


def services_storage_write(services: Services):  # type: ignore[no-untyped-def]
    return services.live._storage.write()


async def test_unknown_site_is_refused_before_streaming(services: Services) -> None:
    with pytest.raises(NotFoundError):
        await services.live.follow_thread("nope", PAGE, None)


async def test_slow_reader_catches_up_from_the_log_without_gaps(services: Services) -> None:
    events = await services.live.follow_thread("news", PAGE, None)
    first = asyncio.ensure_future(anext(events))
    await until(lambda: services.live._bus.subscriber_count() == 1)  # type: ignore[attr-defined]
    posted = [await post(services, f"burst {n}") for n in range(QUEUE_SIZE + 10)]
    # The reader read nothing while the burst overflowed its queue; it still gets every one.
    got = [await first, *await take(events, len(posted) - 1)]
    assert [event.comment_id for event in got] == posted
    await events.aclose()  # type: ignore[attr-defined]


async def test_events_published_out_of_order_all_reach_the_reader(
    services: Services, settings: Settings
) -> None:
    """Two writers on one thread: the second's publish overtakes the first's. The reader must
    get both (a reader that only kept the highest sequence dropped the overtaken one)."""
    await post(services, "creates the thread")
    events = await services.live.follow_thread("news", PAGE, None)
    first = asyncio.ensure_future(anext(events))
    await until(lambda: services.live._bus.subscriber_count() == 1)  # type: ignore[attr-defined]
    database = build_database(settings)
    try:
        async with database.write() as tx:
            thread = await tx.threads.find("news", PAGE)
            assert thread is not None
            earlier = await services.live.record(tx, thread.id, CommentCreated("news", PAGE, "a"))
        async with database.write() as tx:
            later = await services.live.record(tx, thread.id, CommentCreated("news", PAGE, "b"))
    finally:
        await database.close()
    await services.live.publish(later)
    await services.live.publish(earlier)
    got = [await first, *await take(events, 1)]
    assert sorted(event.comment_id for event in got) == ["a", "b"]
    await events.aclose()  # type: ignore[attr-defined]


async def test_local_bus_tells_an_overflowing_subscriber_to_resync() -> None:
    bus = LocalEventBus()
    async with bus.subscribe("news", PAGE) as events:
        for n in range(QUEUE_SIZE + 1):
            await bus.publish(CommentCreated("news", PAGE, f"c{n}", n + 1))
        assert await asyncio.wait_for(anext(events), WAIT) is None
        assert bus.subscriber_count() == 1
    assert bus.subscriber_count() == 0


# Rate limits


async def test_rate_limit_stops_a_reader_posting_too_fast(
    settings: Settings, clock: MovableClock, services: Services
) -> None:
    del services  # creates the site
    limited = build_services(
        settings.with_overrides(rate_limits=True, rate_limit_comments="2/minute"), clock=clock
    )
    caller = Caller(ip="203.0.113.9")
    draft = CommentDraft("news", PAGE, "Hi", "Ann")
    await limited.comments.post_comment(draft, caller)
    await limited.comments.post_comment(draft, caller)
    with pytest.raises(RateLimitedError) as refused:
        await limited.comments.post_comment(draft, caller)
    assert refused.value.retry_after >= 1
    # Another reader is not affected.
    await limited.comments.post_comment(draft, Caller(ip="198.51.100.7"))
    for hook in limited.on_shutdown:
        await hook()


# Across workers, through Redis


@pytest.fixture
def redis_settings(settings: Settings) -> Settings:
    if not _answers(REDIS_URL, 6379):
        service_missing("Redis", REDIS_URL)
    Redis.from_url(REDIS_URL).flushdb()
    return settings.with_overrides(redis_url=REDIS_URL, secret_key=SECRET_KEY)


@pytest.mark.redis
async def test_event_published_by_one_worker_reaches_a_reader_of_another(
    redis_settings: Settings, services: Services
) -> None:
    del services  # creates the site
    workers = [build_services(redis_settings) for _ in range(2)]
    try:
        reader = await workers[1].live.follow_thread("news", PAGE, None)
        reading = asyncio.ensure_future(take(reader, 1))
        comment_id = await post(workers[0], "through redis")
        [event] = await asyncio.wait_for(reading, WAIT)
        assert (event.name, event.comment_id, event.page) == ("comment.created", comment_id, PAGE)
        await reader.aclose()  # type: ignore[attr-defined]
    finally:
        for worker in workers:
            for hook in worker.on_shutdown:
                await hook()


@pytest.mark.redis
async def test_installations_on_two_databases_of_one_redis_do_not_hear_each_other() -> None:
    if not _answers(REDIS_URL, 6379):
        service_missing("Redis", REDIS_URL)
    other_database = other_redis_database(REDIS_URL)
    ours, our_reader, theirs = (
        RedisEventBus(REDIS_URL),
        RedisEventBus(REDIS_URL),
        RedisEventBus(other_database),
    )
    try:
        async with (
            ours.subscribe("news", PAGE) as our_events,
            theirs.subscribe("news", PAGE) as their_events,
        ):
            await ours.wait_until_listening()
            await theirs.wait_until_listening()
            await our_reader.publish(CommentCreated("news", PAGE, "ours", 1))
            [heard] = await take(drop_resyncs(our_events), 1)
            assert heard.comment_id == "ours"
            # Redis delivers in publishing order: had the other installation heard ours, it
            # would come before its own marker.
            await theirs.publish(CommentCreated("news", PAGE, "theirs", 1))
            [first] = await take(drop_resyncs(their_events), 1)
            assert first.comment_id == "theirs"
    finally:
        for bus in (ours, our_reader, theirs):
            await bus.close()


async def drop_resyncs(events: AsyncIterator[ThreadEvent | None]) -> AsyncIterator[ThreadEvent]:
    """A bus's events without its ``None`` catch-up signals."""
    async for event in events:
        if event is not None:
            yield event


# Across workers without Redis, through the event log


async def _started(settings: Settings) -> Services:
    started = build_services(settings)
    for hook in started.on_startup:
        await hook()
    return started


async def test_without_redis_an_event_of_one_worker_reaches_a_reader_of_another_once(
    settings: Settings, services: Services
) -> None:
    del services  # creates the site
    workers = [await _started(settings) for _ in range(2)]
    try:
        reader = await workers[1].live.follow_thread("news", PAGE, None)
        reading = asyncio.ensure_future(take(reader, 1))
        from_first = await post(workers[0], "through the log")
        [relayed] = await asyncio.wait_for(reading, WAIT)
        from_second = await post(workers[1], "posted where the reader is")
        [local] = await take(reader, 1)
        # The first worker's comment came once, relayed; the second's once, published locally.
        assert (relayed.comment_id, local.comment_id) == (from_first, from_second)
        await reader.aclose()  # type: ignore[attr-defined]
    finally:
        for worker in workers:
            for hook in worker.on_shutdown:
                await hook()


async def _append(database: Database, event: CommentCreated) -> CommentCreated:
    async with database.write() as tx:
        thread = await tx.threads.get_or_create(event.site, event.page, None)
        sequence = await tx.events.append(thread.id, event)
    return dataclasses.replace(event, sequence=sequence)


async def test_relay_hands_on_what_others_logged_and_not_its_own(
    settings: Settings, services: Services
) -> None:
    del services  # creates the site
    ours, theirs = build_database(settings), build_database(settings)
    bus = LogRelayEventBus(ours)
    try:
        assert await bus.relay_once() == 0  # notes where the log ends
        async with bus.subscribe("news", PAGE) as events:
            own = await _append(ours, CommentCreated("news", PAGE, "own"))
            await bus.publish(own)
            other = await _append(theirs, CommentCreated("news", PAGE, "other"))
            assert await bus.relay_once() == 1
            assert await bus.relay_once() == 0  # nothing new
            got = await take(drop_resyncs(events), 2)
        assert [(event.comment_id, event.sequence) for event in got] == [
            ("own", own.sequence),
            ("other", other.sequence),
        ]
        assert got[1].site == "news" and got[1].page == PAGE
    finally:
        await ours.close()
        await theirs.close()


@pytest.mark.postgresql
async def test_relay_finds_an_event_committed_after_a_later_one(
    postgresql_database: str,
) -> None:
    """Sequences can commit out of order on PostgreSQL: the skipped one is looked for again."""
    await _truncate(postgresql_database)
    settings = Settings(database_url=postgresql_database, secret_key=SECRET_KEY)
    first, second, relaying = (build_database(settings) for _ in range(3))
    bus = LogRelayEventBus(relaying)
    try:
        async with first.write() as tx:
            await tx.sites.add(Site("news", (ORIGIN,), "News"))
        await bus.relay_once()
        async with first.write() as slow:  # takes the lower sequence, commits last
            thread = await slow.threads.get_or_create("news", PAGE, None)
            early = await slow.events.append(thread.id, CommentCreated("news", PAGE, "early"))
            late = await _append(second, CommentCreated("news", "/other", "late"))
            assert late.sequence is not None and late.sequence > early
            assert await bus.relay_once() == 1  # "late"; "early" is not committed yet
        assert await bus.relay_once() == 1  # "early", found in the gap
        assert await bus.relay_once() == 0
    finally:
        for database in (first, second, relaying):
            await database.close()
        await _truncate(postgresql_database)
