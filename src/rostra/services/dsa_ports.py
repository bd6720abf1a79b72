"""What EU DSA notices need from storage, beside the common ``Transaction``."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from rostra.domain.dsa import Notice, NoticeStatus
from rostra.services.ports import Transaction


class NoticeRecords(Protocol):
    """Art. 16 notices."""

    async def add(self, notice: Notice) -> None:
        """Store a new notice."""

    async def get(self, notice_id: str) -> Notice | None:
        """One notice, or None."""

    async def listed(
        self,
        *,
        site: str | None,
        status: NoticeStatus | None,
        since: datetime | None,
        until: datetime | None,
        limit: int,
        offset: int,
    ) -> list[Notice]:
        """Notices, oldest first, filtered by site, status and time of arrival."""

    async def decide(
        self, notice_id: str, status: NoticeStatus, reason: str, actor: str, at: datetime
    ) -> None:
        """Record the decision on an open notice."""

    async def open_for_comment(self, comment_id: str) -> list[Notice]:
        """The comment's notices still waiting for a decision."""

    async def purge_decided_before(self, moment: datetime) -> int:
        """Delete notices decided before ``moment``; returns how many."""


class NoticeTransaction(Transaction, Protocol):
    """A transaction that also sees the notices."""

    notices: NoticeRecords


class NoticeStorage(Protocol):
    def read(self) -> AbstractAsyncContextManager[NoticeTransaction]:
        """A consistent read-only view."""

    def write(self, *, bulk: bool = False) -> AbstractAsyncContextManager[NoticeTransaction]:
        """A transaction committed when the block ends without error."""
