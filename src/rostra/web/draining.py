"""The server is stopping: endless responses (live-event streams) end themselves, telling the
browser when to reconnect, so a graceful shutdown finishes without cutting them off."""

from __future__ import annotations

import asyncio
import random

from litestar.response import ServerSentEventMessage

# A stopping host's readers come back through the load balancer spread over this window
# (milliseconds), not all in the same instant.
RECONNECT_MS = (1000, 5000)


class Drain:
    """Set once per process when the server begins to shut down (``begin``); streams wait on
    it beside their events (``wait``). Runs on the event loop's thread only."""

    def __init__(self) -> None:
        self.started = False
        self._waiters: set[asyncio.Future[None]] = set()

    def begin(self) -> None:
        self.started = True
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait(self) -> None:
        if self.started:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            await waiter
        finally:
            self._waiters.discard(waiter)

    def reset(self) -> None:
        """For tests that drain in-process servers one after another."""
        self.started = False


def reconnect_after_ms() -> int:
    """A retry delay for one stream, drawn from ``RECONNECT_MS``."""
    return random.randint(*RECONNECT_MS)  # noqa: S311 - spreading load, not a secret


def stopping_message() -> ServerSentEventMessage:
    """The last message of a live stream whose server is stopping: reconnect after ``retry``
    (resuming from ``Last-Event-ID``); the stream then ends."""
    return ServerSentEventMessage(data=None, comment="server stopping", retry=reconnect_after_ms())


DRAIN = Drain()
