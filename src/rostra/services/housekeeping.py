"""The periodic purge of data kept only for a while (issue 10): IP digests past
``ROSTRA_IP_HASH_DAYS``, ended reader sessions, expired single-use token ids.

Every server process runs one in the background (started with the app); the purge is one
idempotent UPDATE/DELETE per kind, so several processes running it do no harm.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from rostra.services.accounts import AccountService

log = structlog.get_logger("rostra.housekeeping")

PURGE_INTERVAL_SECONDS = 3600.0


class Housekeeper:
    """Runs :meth:`AccountService.purge_expired` at start and then every hour."""

    def __init__(self, accounts: AccountService, interval: float = PURGE_INTERVAL_SECONDS) -> None:
        self._accounts = accounts
        self._interval = interval
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> dict[str, int]:
        """Purge now; returns how many rows of each kind changed."""
        purged = await self._accounts.purge_expired()
        if any(purged.values()):
            log.info("purged_expired_data", **purged)
        return purged

    async def run(self) -> None:
        """Purge until stopped; a failed round is logged and retried next time."""
        while not self._stop.is_set():
            try:
                await self.run_once()
            except Exception:  # keep the loop alive; the next round retries
                log.exception("purge_failed")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval):
                    await self._stop.wait()

    async def start(self) -> None:
        """Start the loop as a background task of the running event loop."""
        if self._task is None:
            self._stop.clear()
            self._task = asyncio.create_task(self.run(), name="rostra-housekeeping")

    async def stop(self) -> None:
        """Stop the loop and wait for the round in progress."""
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None
