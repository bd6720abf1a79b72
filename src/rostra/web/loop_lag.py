"""How late the event loop runs what is due: the measure of anything that blocks it.

Every request of a worker shares one event loop, so code that runs long without awaiting (a
page built in one go, a large JSON encoding, a slow statement on SQLite's inline connection)
delays every other request by as long. A task that asks to wake every ``INTERVAL`` seconds and
notes how much later it woke measures that delay as readers feel it; the worst delay of each
period goes to the ``rostra_event_loop_lag_seconds`` histogram (docs/observability.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time

from rostra.services.metrics_ports import Metrics

# The cyclic collector's full passes walk every tracked object, a worker's kept pages included
# (bench/kept_pages.py), the event loop stopped meanwhile. Python allows one after every 10
# middle passes once enough objects have aged, which under a hot thread's load came every few
# seconds; one in 100 makes them ten times rarer and leaves cyclic garbage a little longer.
MIDDLE_PASSES_PER_FULL_PASS = 100
INTERVAL = 0.025  # short enough to see a 5 ms stall in a 25 ms period, cheap (40 wakes a second)
REPORT_EVERY = 0.25  # seconds: one observation per period, the worst lag seen in it


class LoopLagWatcher:
    """Measures the event loop's lag while started; one per worker process."""

    def __init__(self, metrics: Metrics, interval: float = INTERVAL) -> None:
        self._metrics = metrics
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        worst = 0.0
        period_ends = time.perf_counter() + REPORT_EVERY
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(self._interval)
            woke = time.perf_counter()
            worst = max(worst, woke - asked - self._interval)
            if woke >= period_ends:
                self._metrics.loop_lag(max(worst, 0.0))
                worst = 0.0
                period_ends = woke + REPORT_EVERY

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._watch(), name="loop-lag")

    async def stop(self) -> None:
        if self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def settle_collector() -> None:
    """Once a worker has loaded what it keeps (libraries, the screening model): take all of it
    out of the cyclic collector's passes, which would otherwise walk it again and again, and
    space the full passes (docs/performance.md, "The cyclic collector"). The last start-up
    step but one; the watcher starts after it, as the collection made here delays no request
    (the worker serves none before its start-up ends)."""
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, MIDDLE_PASSES_PER_FULL_PASS)
