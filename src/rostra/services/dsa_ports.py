"""What EU DSA notices need from storage, beside the common ``Transaction``."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from rostra.domain.accounts import Reader
from rostra.domain.dsa import AppealStatus, Notice, NoticeStatus, Statement
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


class StatementRecords(Protocol):
    """Art. 17 statements of reasons and the authors' appeals against them."""

    async def add(self, statement: Statement) -> None:
        """Store a statement that was mailed."""

    async def get(self, statement_id: str) -> Statement | None:
        """One statement with its appeal, or None."""

    async def appeal(self, statement_id: str, text: str, at: datetime) -> bool:
        """Record the author's appeal; False when the statement was appealed already."""

    async def decide_appeal(
        self, statement_id: str, status: AppealStatus, reason: str, actor: str, at: datetime
    ) -> bool:
        """Record the decision on an open appeal; False when it is not open."""

    async def appeals(self, *, status: AppealStatus, limit: int, offset: int) -> list[Statement]:
        """Statements whose appeal has this status, oldest appeal first."""

    async def listed(
        self,
        *,
        site: str | None,
        since: datetime | None,
        until: datetime | None,
        limit: int,
        offset: int,
    ) -> list[Statement]:
        """Statements sent in [since, until), oldest first."""

    async def purge_before(self, moment: datetime) -> int:
        """Delete statements sent before ``moment`` that have no open appeal."""


class ReaderLookup(Protocol):
    """The one thing statements need from reader accounts: the address of one."""

    async def get_reader(self, reader_id: str) -> Reader | None:
        """A reader account, or None."""


class NoticeTransaction(Transaction, Protocol):
    """A transaction that also sees the notices, statements of reasons and reader accounts."""

    notices: NoticeRecords
    statements: StatementRecords
    accounts: ReaderLookup


class NoticeStorage(Protocol):
    def read(self) -> AbstractAsyncContextManager[NoticeTransaction]:
        """A consistent read-only view."""

    def write(self, *, bulk: bool = False) -> AbstractAsyncContextManager[NoticeTransaction]:
        """A transaction committed when the block ends without error."""
