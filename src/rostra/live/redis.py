"""Live events across workers and hosts through Redis pub/sub.

Every worker publishes to one channel and listens on it, handing what it hears to its own
in-process subscribers. Pub/sub channels are shared by all of a Redis server's databases, so
the channel is named after the database in the URL: installations on ``/1`` and ``/2`` of one
Redis do not hear each other. Pub/sub forgets what a disconnected listener missed, so after a
reconnect every local reader is told to catch up from the event log in the database.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from rostra.domain.events import ThreadEvent, event_from
from rostra.live.local import LocalEventBus

CHANNEL = "rostra:events"
LISTEN_TIMEOUT = 2.0
# Redis answers in well under a millisecond: a publish waiting longer is a Redis that does not
# answer, and the post that triggered it must not wait with it.
REDIS_TIMEOUT_SECONDS = 1.0
log = structlog.get_logger("rostra.live")


class RedisEventBus:
    """``EventBus`` over Redis pub/sub, with local fan-out in each worker."""

    def __init__(self, url: str) -> None:
        self._redis: Redis = Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
        )
        # The listener waits for messages as long as it takes: no read timeout on its own client.
        self._listening: Redis = Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
        self._channel = f"{CHANNEL}:{self._redis.connection_pool.connection_kwargs.get('db', 0)}"
        self._local = LocalEventBus()
        self._listener: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def publish(self, event: ThreadEvent) -> None:
        """Send ``event`` to every worker (this one included, through Redis)."""
        message = msgspec.json.encode(
            {
                "name": event.name,
                "site": event.site,
                "page": event.page,
                "sequence": event.sequence,
                "data": event.payload(),
            }
        )
        try:
            await self._redis.publish(self._channel, message)
        except RedisError as exc:
            # The change is committed and logged; readers catch up on their next resync.
            log.warning("event_publish_failed", error=str(exc), event_name=event.name)
            self._local.deliver(event)

    @asynccontextmanager
    async def subscribe(
        self, site: str, page: str
    ) -> AsyncIterator[AsyncIterator[ThreadEvent | None]]:
        """Events of one thread, relayed from every worker."""
        self._start()
        with contextlib.suppress(TimeoutError):
            # Without the listener, events from other workers would slip past this reader
            # until the listener starts; it then tells every reader to catch up anyway.
            await asyncio.wait_for(asyncio.shield(self._ready.wait()), LISTEN_TIMEOUT)
        async with self._local.subscribe(site, page) as events:
            yield events

    async def wait_until_listening(self) -> None:
        """Block until the listener is subscribed (start-up, tests); bound it with a timeout."""
        self._start()
        await self._ready.wait()

    async def close(self) -> None:
        """Stop listening and close the connection pool."""
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._redis.aclose()
        await self._listening.aclose()

    def subscriber_count(self) -> int:
        """Open subscriptions in this process."""
        return self._local.subscriber_count()

    def _start(self) -> None:
        if self._listener is None or self._listener.done():
            self._listener = asyncio.get_running_loop().create_task(self._listen())

    async def _listen(self) -> None:
        delay = 0.1
        while True:
            try:
                async with self._listening.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    # Whatever was published while we were not listening is only in the log.
                    self._local.resync_all()
                    self._ready.set()
                    delay = 0.1
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self._relay(message["data"])
            except RedisError as exc:
                log.warning("event_listener_disconnected", error=str(exc), retry_in=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _relay(self, raw: bytes) -> None:
        try:
            message: dict[str, Any] = msgspec.json.decode(raw)
            event = event_from(
                message["name"],
                message["site"],
                message["page"],
                message.get("sequence"),
                message["data"],
            )
        except (msgspec.DecodeError, KeyError, TypeError, ValueError) as exc:
            log.warning("event_relay_ignored", error=str(exc))
            return
        self._local.deliver(event)
