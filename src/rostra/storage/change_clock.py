"""A commit counter in Redis for PostgreSQL, which has no cheap one of its own.

Whole answers (counts, anonymous thread pages) are replayed while nothing was committed since
they were made (``rostra.web.middleware.settled``). SQLite tells that by ``data_version``;
with PostgreSQL and ``ROSTRA_REDIS_URL``, every write transaction increments one Redis key
after it commits and before its request is answered, and each replayed request first reads the
key: one Redis round trip instead of the database's statements. A read that starts after a
write was answered therefore sees that write, on any worker. Under load, the requests that ask
while a read of the key is under way share the next one, which starts after they asked and so
sees every commit answered before they arrived: at most one read in flight per process.

A commit whose increment is lost (Redis failed just then, a change made by hand in psql) would
leave answers stale, so the token also carries a coarse clock: nothing is replayed for longer
than ``EPOCH_SECONDS``. While Redis fails, the clock rests and every request goes through.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Hashable

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

KEY = "rostra:changes"
EPOCH_SECONDS = 30.0  # the longest an answer is replayed, whatever the counter says
TIMEOUT_SECONDS = 0.5  # Redis answers in well under a millisecond; longer is a failure
REST_SECONDS = 5.0  # after a failure, answers go uncached this long before Redis is asked again
log = structlog.get_logger("rostra.storage")


class RedisChangeClock:
    """``tick()`` after each commit; ``token()`` differs from any earlier token after a tick."""

    def __init__(self, url: str, *, epoch_seconds: float | None = None) -> None:
        self._redis: Redis = Redis.from_url(
            url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
        )
        # Epochs start at multiples of the length, the same instants in every worker.
        self._epoch_seconds = EPOCH_SECONDS if epoch_seconds is None else epoch_seconds
        self._resting_until = 0.0
        self._next: asyncio.Future[Hashable | None] | None = None  # the read not yet started
        self._reader: asyncio.Task[None] | None = None

    async def tick(self) -> None:
        """Record a commit. Never raises: the commit stands whatever Redis does. Tried even
        while reads rest after a failure: a tick skipped here would let other workers, whose
        Redis answers, replay answers made before this commit."""
        try:
            await self._redis.incr(KEY)
        except (RedisError, OSError) as exc:
            self._rest("change_clock_tick_failed", exc)

    async def token(self) -> Hashable | None:
        """The current token, or None (replay nothing) when Redis does not answer."""
        if time.monotonic() < self._resting_until:
            return None
        if self._next is None:
            loop = asyncio.get_running_loop()
            self._next = loop.create_future()
            if self._reader is None or self._reader.done():
                self._reader = loop.create_task(self._read_for_waiters())
        # Shielded: a request that goes away must not cancel the others' read.
        return await asyncio.shield(self._next)

    async def _read_for_waiters(self) -> None:
        waiting: asyncio.Future[Hashable | None] | None = None
        try:
            while self._next is not None:
                waiting, self._next = self._next, None
                try:
                    waiting.set_result(await self._read())
                except Exception as exc:  # a bug: the waiters hear of it rather than hang
                    waiting.set_exception(exc)
        except asyncio.CancelledError:  # closing: nobody waits for a read that will not come
            for future in (waiting, self._next):
                if future is not None and not future.done():
                    future.cancel()
            self._next = None
            raise

    async def _read(self) -> Hashable | None:
        try:
            count = await self._redis.get(KEY)
        except (RedisError, OSError) as exc:
            self._rest("change_clock_read_failed", exc)
            return None
        return count, int(time.time() // self._epoch_seconds)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        await self._redis.aclose()

    def _rest(self, what: str, exc: Exception) -> None:
        self._resting_until = time.monotonic() + REST_SECONDS
        log.warning(what, error=str(exc), rest_seconds=REST_SECONDS)
