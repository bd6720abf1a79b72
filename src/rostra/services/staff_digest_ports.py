"""What the staff digest job needs from storage, beside the common ``Transaction``."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from rostra.services.ports import Transaction


class StaffDigestLedger(Protocol):
    """The moderation queue's size per site, and the record of digests already queued."""

    async def pending_by_site(self) -> dict[str, int]:
        """How many comments are held for moderation, per site name (sites with none left out)."""

    async def claim(self, site: str, period: int, pending: int) -> bool:
        """Record that ``site``'s digest of ``period`` is being queued, unless a digest of this
        or a later period is recorded already. True for exactly one caller per (site, period),
        whatever number of workers and processes try at once; undone if the transaction is."""


class DigestTransaction(Transaction, Protocol):
    """A transaction that also sees the digest ledger."""

    staff_digests: StaffDigestLedger


class DigestStorage(Protocol):
    def write(self, *, bulk: bool = False) -> AbstractAsyncContextManager[DigestTransaction]:
        """A transaction committed when the block ends without error, rolled back otherwise;
        ``bulk`` for one that scans many rows (see ``rostra.services.ports.Storage.write``)."""
