"""The periodic purge of data kept only for a while: IP digests past
``ROSTRA_IP_HASH_DAYS``, ended reader sessions, expired single-use token ids, and EU DSA
notices decided more than two years ago (``rostra.domain.dsa.NOTICE_RETENTION``).

Every server process runs one in the background (started with the app); the purge is one
idempotent UPDATE/DELETE per kind, so several processes running it do no harm.
"""

from __future__ import annotations

import structlog

from rostra.services.accounts import AccountService
from rostra.services.dsa import DsaService
from rostra.services.periodic import Periodic

log = structlog.get_logger("rostra.housekeeping")

PURGE_INTERVAL_SECONDS = 3600.0


class Housekeeper:
    """Runs the purges (:meth:`AccountService.purge_expired`, :meth:`DsaService.purge_expired`)
    at start and then every hour."""

    def __init__(
        self,
        accounts: AccountService,
        dsa: DsaService | None = None,
        interval: float = PURGE_INTERVAL_SECONDS,
    ) -> None:
        self._accounts = accounts
        self._dsa = dsa
        self._timer = Periodic("rostra-housekeeping", self.run_once, interval, "purge_failed")

    async def run_once(self) -> dict[str, int]:
        """Purge now; returns how many rows of each kind changed."""
        purged = await self._accounts.purge_expired()
        if self._dsa is not None:
            purged["dsa_notices"] = await self._dsa.purge_expired()
        if any(purged.values()):
            log.info("purged_expired_data", **purged)
        return purged

    async def run(self) -> None:
        """Purge until stopped; a failed round is logged and retried next time."""
        await self._timer.run()

    async def start(self) -> None:
        """Start the loop as a background task of the running event loop."""
        await self._timer.start()

    async def stop(self) -> None:
        """Stop the loop and wait for the round in progress."""
        await self._timer.stop()
