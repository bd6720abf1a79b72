"""Background work repeated on a timer inside a server process (the hourly purge, the event
relay): one task per process, started and stopped with the app."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger("rostra.periodic")


class Periodic:
    """Runs ``step`` now and then every ``interval`` seconds until stopped. A step that raises is
    logged (as ``failure``) and the next one runs on time: the database may be back by then."""

    def __init__(
        self, name: str, step: Callable[[], Awaitable[object]], interval: float, failure: str
    ) -> None:
        self._name = name
        self._step = step
        self._interval = interval
        self._failure = failure
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        """Repeat the step until ``stop``."""
        while not self._stop.is_set():
            try:
                await self._step()
            except Exception:  # keep the loop alive; the next step retries
                log.exception(self._failure)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval):
                    await self._stop.wait()

    async def start(self) -> None:
        """Start the loop as a background task of the running event loop."""
        if self._task is None:
            self._stop.clear()
            self._task = asyncio.create_task(self.run(), name=self._name)

    async def stop(self) -> None:
        """Stop the loop and wait for the step in progress."""
        self._stop.set()
        if self._task is not None:
            task, self._task = self._task, None
            await task
