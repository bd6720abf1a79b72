"""Live events across processes through the database's event log, for servers without Redis.

Without ``ROSTRA_REDIS_URL`` each process fans events out only to its own readers, so several
processes on one database (``rostra serve --workers N`` on SQLite, two hosts on one PostgreSQL)
would not hear each other's comments until a reader reconnected. ``LogRelayEventBus`` closes
that gap from the database alone: every ``interval`` it asks the thread event log what was
committed since it last looked (on SQLite only when ``Storage.changes()`` says something was,
which costs microseconds) and hands what other processes wrote to its own readers. A reader in
another process hears of a comment within about ``interval``; Redis makes it immediate.

Sequence numbers come from one counter but may commit out of order (PostgreSQL: a transaction
that took 10 can commit after one that took 11). A sequence skipped over is therefore looked
for again for ``GAP_SECONDS`` before it is taken to be a rolled-back transaction. Streams drop
what they have sent already, by sequence, so an event that arrives twice is shown once.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Hashable
from contextlib import AbstractAsyncContextManager

import structlog

from rostra.domain.events import ThreadEvent
from rostra.live.local import LocalEventBus
from rostra.services.periodic import Periodic
from rostra.services.ports import Storage

RELAY_INTERVAL = 0.1  # seconds between looks at the log
RELAY_BATCH = 500  # events read per statement
MAX_BATCHES = 10  # per round; further behind than this, readers are told to catch up
GAP_SECONDS = 5.0  # how long a skipped sequence may still commit
OWN_WINDOW = 4096  # sequences published by this process, remembered so as not to relay them

log = structlog.get_logger("rostra.live")


class LogRelayEventBus:
    """``EventBus`` with local fan-out, plus a relay of what other processes logged."""

    def __init__(self, storage: Storage, interval: float = RELAY_INTERVAL) -> None:
        self._storage = storage
        self._local = LocalEventBus()
        self._position: int | None = None  # every sequence up to here was seen or given up
        self._gaps: dict[int, float] = {}  # skipped sequence -> when it was first missed
        self._own: OrderedDict[int, None] = OrderedDict()
        self._token: Hashable | None = None
        self._timer = Periodic("rostra-event-relay", self._step, interval, "event_relay_failed")

    async def publish(self, event: ThreadEvent) -> None:
        """Hand ``event`` to this process's readers now; other processes find it in the log."""
        if event.sequence is not None:
            self._own[event.sequence] = None
            if len(self._own) > OWN_WINDOW:
                self._own.popitem(last=False)
        self._local.deliver(event)

    def subscribe(
        self, site: str, page: str
    ) -> AbstractAsyncContextManager[AsyncIterator[ThreadEvent | None]]:
        """Events of one thread, from this process and relayed from the others."""
        return self._local.subscribe(site, page)

    def subscriber_count(self) -> int:
        """Open subscriptions in this process."""
        return self._local.subscriber_count()

    async def relay_once(self) -> int:
        """Look at the log once; returns how many events from other processes were handed on."""
        if self._position is None:
            async with self._storage.read() as tx:
                self._position = await tx.events.latest()
            return 0
        token = self._storage.changes()
        if token is not None and token == self._token and not self._gaps:
            return 0
        # Taken before reading: a commit during the read changes it, and the next round looks.
        self._token = token
        now = time.monotonic()
        self._gaps = {seq: at for seq, at in self._gaps.items() if now - at < GAP_SECONDS}
        start = min(self._gaps, default=self._position + 1) - 1
        relayed = 0
        for _ in range(MAX_BATCHES):
            async with self._storage.read() as tx:
                events = await tx.events.since(start, RELAY_BATCH)
            for event in events:
                relayed += self._take(event, now)
            if len(events) < RELAY_BATCH:
                return relayed
            start = events[-1].sequence or start
        # Far behind (a bulk import, a long pause): readers re-read the log themselves.
        async with self._storage.read() as tx:
            self._position = await tx.events.latest()
        self._gaps.clear()
        self._token = None
        self._local.resync_all()
        log.warning("event_relay_resynced", position=self._position)
        return relayed

    def _take(self, event: ThreadEvent, now: float) -> int:
        sequence = event.sequence
        assert sequence is not None and self._position is not None  # noqa: S101 - from the log
        if sequence <= self._position and sequence not in self._gaps:
            return 0  # seen before (read again while looking for a gap)
        self._gaps.pop(sequence, None)
        for skipped in range(self._position + 1, sequence):
            self._gaps.setdefault(skipped, now)
        self._position = max(self._position, sequence)
        if sequence in self._own:
            return 0
        self._local.deliver(event)
        return 1

    async def _step(self) -> None:
        try:
            await self.relay_once()
        except Exception:
            self._token = None  # look again next round, whatever the token says
            raise

    async def start(self) -> None:
        """Note where the log ends now, then relay in a background task of the running loop."""
        await self.relay_once()
        await self._timer.start()

    async def close(self) -> None:
        """Stop relaying."""
        await self._timer.stop()
