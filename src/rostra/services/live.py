"""Live updates: recording thread events and following a thread from any point."""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import TypeVar

from rostra.domain.errors import NotFoundError
from rostra.domain.events import ThreadEvent
from rostra.domain.threads import validate_page
from rostra.services.ports import Clock, EventBus, Storage, Transaction

E = TypeVar("E", bound=ThreadEvent)

# How long a disconnected reader can be away and still catch up event by event.
RETENTION = timedelta(hours=24)
PRUNE_EVERY = 500
REPLAY_BATCH = 200
# Sequences a stream remembers having sent (see _SentSequences).
SENT_WINDOW = 256


class StreamReset(Exception):
    """The reader is too far behind (its events were pruned): it must reload the thread."""


class LiveService:
    """Writes events into the thread log and streams them to readers without gaps."""

    def __init__(self, storage: Storage, bus: EventBus, clock: Clock) -> None:
        self._storage = storage
        self._bus = bus
        self._clock = clock

    async def record(self, tx: Transaction, thread_id: int, event: E, count_delta: int = 0) -> E:
        """Log ``event`` in the caller's transaction (moving the thread's published count by
        ``count_delta``); publish the result after commit."""
        sequence = await tx.events.append(thread_id, event, count_delta)
        if sequence % PRUNE_EVERY == 0:
            await tx.events.prune(self._clock.now() - RETENTION)
        return dataclasses.replace(event, sequence=sequence)

    async def publish(self, event: ThreadEvent) -> None:
        """Tell every worker's readers; called after the transaction committed."""
        await self._bus.publish(event)

    async def follow_thread(
        self, site: str, page: str, after: int | None
    ) -> AsyncIterator[ThreadEvent]:
        """The thread's events after sequence ``after`` (or from now), then live, in order and
        without duplicates. Unknown sites raise here; the stream raises :class:`StreamReset`
        when ``after`` is too old to replay."""
        page = validate_page(page)
        async with self._storage.read() as tx:
            if await tx.sites.get(site) is None:
                raise NotFoundError(f"There is no site called {site!r}.", field="site")
            thread = await tx.threads.find(site, page)
            latest = await tx.events.latest()
            too_old = after is not None and after < await tx.events.forgotten_before()
        position = latest if after is None else after
        return self._follow(site, page, thread.id if thread else None, position, too_old)

    async def _follow(
        self, site: str, page: str, thread_id: int | None, position: int, too_old: bool
    ) -> AsyncIterator[ThreadEvent]:
        if too_old:
            raise StreamReset
        # Events commit in sequence order but may be published out of it (two writers, one
        # thread: the second's publish can overtake the first's), so what was already sent is
        # remembered by sequence rather than assumed from the highest one.
        sent = _SentSequences(position)
        async with self._bus.subscribe(site, page) as live:
            # Subscribed first, then read the log from the position: nothing published in
            # between is lost, and anything seen twice is dropped by its sequence. A thread that
            # did not exist yet may have been created meanwhile, so look again each time.
            thread_id = thread_id or await self._thread_id(site, page)
            async for logged in self._replay(site, page, thread_id, position):
                if sent.first_time(logged.sequence):
                    yield logged
            async for event in live:
                if event is None:
                    thread_id = thread_id or await self._thread_id(site, page)
                    async for missed in self._replay(site, page, thread_id, sent.replay_from()):
                        if sent.first_time(missed.sequence):
                            yield missed
                    continue
                if sent.first_time(event.sequence):
                    yield event

    async def _thread_id(self, site: str, page: str) -> int | None:
        async with self._storage.read() as tx:
            thread = await tx.threads.find(site, page)
        return thread.id if thread else None

    async def _replay(
        self, site: str, page: str, thread_id: int | None, after: int
    ) -> AsyncIterator[ThreadEvent]:
        if thread_id is None:
            return
        while True:
            async with self._storage.read() as tx:
                batch = await tx.events.after(thread_id, after, REPLAY_BATCH)
            for event in batch:
                yield dataclasses.replace(event, site=site, page=page)
            if len(batch) < REPLAY_BATCH:
                return
            after = batch[-1].sequence or after


class _SentSequences:
    """The sequences one stream has sent, for the last ``SENT_WINDOW`` of them; anything at
    or below ``floor`` (where the stream started) counts as sent."""

    def __init__(self, floor: int) -> None:
        self._floor = floor
        self._sent: set[int] = set()
        self._order: deque[int] = deque()

    def first_time(self, sequence: int | None) -> bool:
        """Record ``sequence``; False when it was sent already (or is from before the start)."""
        if sequence is None:
            return True  # not from the log: nothing to compare
        if sequence <= self._floor or sequence in self._sent:
            return False
        self._sent.add(sequence)
        self._order.append(sequence)
        if len(self._order) > SENT_WINDOW:
            forgotten = self._order.popleft()
            self._sent.discard(forgotten)
            self._floor = max(self._floor, forgotten)
        return True

    def replay_from(self) -> int:
        """Where a catch-up from the log starts: early enough to find an event that was
        overtaken, since everything sent since is recognized."""
        return self._floor
