"""A Redis that accepts connections and never answers: rate limits let the action through, the
commit counter stops replaying answers, and live events still reach this worker's readers —
each within its timeout, instead of holding the request until the operating system gives up."""

from __future__ import annotations

import asyncio
import time

from rostra.domain.events import CommentCreated
from rostra.live.redis import RedisEventBus
from rostra.storage.change_clock import RedisChangeClock
from rostra.storage.rate_limits import LimitsRateLimiter
from tests.integration.test_live import PAGE, drop_resyncs, take
from tests.silent_server import silent_server

BOUND = 5.0  # every timeout involved is 1 s or less


async def test_a_rate_limit_lets_the_action_through() -> None:
    async with silent_server() as port:
        limiter = LimitsRateLimiter({"comment": "1/minute"}, f"redis://127.0.0.1:{port}/0")
        started = time.monotonic()
        for _ in range(2):  # the second would be refused if the counter were kept
            assert await asyncio.wait_for(limiter.hit("comment", "news:192.0.2.1"), BOUND) is None
        assert time.monotonic() - started < BOUND


async def test_the_commit_counter_replays_nothing() -> None:
    async with silent_server() as port:
        clock = RedisChangeClock(f"redis://127.0.0.1:{port}/0")
        await asyncio.wait_for(clock.tick(), BOUND)
        assert await asyncio.wait_for(clock.token(), BOUND) is None
        await clock.close()


async def test_a_live_event_still_reaches_this_workers_readers() -> None:
    async with silent_server() as port:
        bus = RedisEventBus(f"redis://127.0.0.1:{port}/0")
        async with bus.subscribe("news", PAGE) as events:
            started = time.monotonic()
            await asyncio.wait_for(bus.publish(CommentCreated("news", PAGE, "c1", 1)), BOUND)
            assert time.monotonic() - started < BOUND
            [event] = await take(drop_resyncs(events), 1)
            assert event.comment_id == "c1"
        await bus.close()
