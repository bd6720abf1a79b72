"""Live events inside one process: the embedded default's ``EventBus``."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from rostra.domain.events import ThreadEvent

# A reader who stops reading (a stalled connection) costs at most this many queued events; past
# that its queue is dropped and it is told to catch up from the event log.
QUEUE_SIZE = 64


class _Subscriber:
    __slots__ = ("queue",)

    def __init__(self) -> None:
        self.queue: asyncio.Queue[ThreadEvent | None] = asyncio.Queue(QUEUE_SIZE)

    def offer(self, event: ThreadEvent | None) -> None:
        if self.queue.full():
            while not self.queue.empty():
                self.queue.get_nowait()
            event = None  # gap: the reader re-reads the log
        self.queue.put_nowait(event)


class LocalEventBus:
    """Fans events out to the subscribers of each thread in this process."""

    def __init__(self) -> None:
        self._subscribers: defaultdict[tuple[str, str], set[_Subscriber]] = defaultdict(set)

    async def publish(self, event: ThreadEvent) -> None:
        """Hand ``event`` to every current subscriber of its thread without waiting for any."""
        self.deliver(event)

    def deliver(self, event: ThreadEvent) -> None:
        """Synchronous fan-out, also used by the Redis bus for relayed events."""
        for subscriber in tuple(self._subscribers.get((event.site, event.page), ())):
            subscriber.offer(event)

    def resync_all(self) -> None:
        """Tell every subscriber that events may have been missed."""
        for subscribers in tuple(self._subscribers.values()):
            for subscriber in tuple(subscribers):
                subscriber.offer(None)

    @asynccontextmanager
    async def subscribe(
        self, site: str, page: str
    ) -> AsyncIterator[AsyncIterator[ThreadEvent | None]]:
        """Events of one thread until the block ends."""
        key = (site, page)
        subscriber = _Subscriber()
        self._subscribers[key].add(subscriber)
        try:
            yield _drain(subscriber.queue)
        finally:
            self._subscribers[key].discard(subscriber)
            if not self._subscribers[key]:
                del self._subscribers[key]

    def subscriber_count(self) -> int:
        """Open subscriptions in this process."""
        return sum(len(subscribers) for subscribers in self._subscribers.values())


async def _drain(
    queue: asyncio.Queue[ThreadEvent | None],
) -> AsyncIterator[ThreadEvent | None]:
    while True:
        yield await queue.get()
