"""Natural batching for classifiers whose cost is mostly per call, not per text.

scikit-learn validates its input and walks its pipeline on every call: one comment costs
about as much as twenty scored together (docs/performance.md, "Posting"). A ``Batcher`` runs
the first request at once and gathers the ones that arrive meanwhile into the next call, so an
idle server adds no delay and a busy one pays the per-call cost once per batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_BATCH = 64


class Batcher(Generic[T, R]):
    """Calls ``run`` (blocking, on a worker thread) with lists of items; one caller's item
    gets its own result back. Each event loop has its own queue."""

    def __init__(self, run: Callable[[Sequence[T]], Sequence[R]], max_batch: int = MAX_BATCH):
        self._run = run
        self._max_batch = max_batch
        self._queues: dict[asyncio.AbstractEventLoop, list[tuple[T, asyncio.Future[R]]]] = {}
        self._drains: set[asyncio.Task[None]] = set()  # held so they are not collected mid-run

    async def __call__(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = []
            drain = loop.create_task(self._drain(loop, queue))
            self._drains.add(drain)
            drain.add_done_callback(self._drains.discard)
        queue.append((item, future))
        return await future

    async def _drain(
        self, loop: asyncio.AbstractEventLoop, queue: list[tuple[T, asyncio.Future[R]]]
    ) -> None:
        try:
            while queue:
                batch = queue[: self._max_batch]
                del queue[: len(batch)]
                try:
                    results = await asyncio.to_thread(self._run, [item for item, _ in batch])
                except Exception as error:  # every caller of this batch hears of it
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            # Items queued from here on start a new drain.
            if self._queues.get(loop) is queue and not queue:
                del self._queues[loop]
