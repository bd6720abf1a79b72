"""Live events inside one process: the embedded default's ``EventBus``."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from rostra.domain.events import ThreadEvent

# A reader who stops reading (a stalled connection) loses its oldest events rather than
# holding memory or slowing the publisher; the widget reloads when it sees a gap.
QUEUE_SIZE = 256


class LocalEventBus:
    """Fans events out to the subscribers of each thread in this process."""

    def __init__(self) -> None:
        self._subscribers: defaultdict[tuple[str, str], set[asyncio.Queue[ThreadEvent]]] = (
            defaultdict(set)
        )

    async def publish(self, event: ThreadEvent) -> None:
        """Hand ``event`` to every current subscriber of its thread without waiting for any."""
        for queue in tuple(self._subscribers.get((event.site, event.page), ())):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

    @asynccontextmanager
    async def subscribe(self, site: str, page: str) -> AsyncIterator[AsyncIterator[ThreadEvent]]:
        """Events of one thread until the block ends."""
        key = (site, page)
        queue: asyncio.Queue[ThreadEvent] = asyncio.Queue(QUEUE_SIZE)
        self._subscribers[key].add(queue)
        try:
            yield _drain(queue)
        finally:
            self._subscribers[key].discard(queue)
            if not self._subscribers[key]:
                del self._subscribers[key]

    def subscriber_count(self) -> int:
        """Open subscriptions in this process."""
        return sum(len(queues) for queues in self._subscribers.values())


async def _drain(queue: asyncio.Queue[ThreadEvent]) -> AsyncIterator[ThreadEvent]:
    while True:
        yield await queue.get()
