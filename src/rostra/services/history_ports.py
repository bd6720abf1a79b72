"""What the reader history and notes need from storage, beside the common ``Transaction``."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from rostra.domain.reader_history import AuthoredComment, AuthorKey, PastDecision, ReaderNote
from rostra.domain.staff import Ban
from rostra.services.ports import Transaction


@dataclass(frozen=True, slots=True)
class CommentAuthor:
    """Who wrote a comment, as stored: its site, name, digests and account."""

    site: str
    author_name: str
    email_hash: str | None
    ip_hash: str | None
    reader_id: str | None


class ReaderRecords(Protocol):
    """An author's comments, decisions, bans and notes on one site."""

    async def author_of(self, comment_id: str) -> CommentAuthor | None:
        """The comment's author, or None when there is no such comment."""

    async def counts(self, key: AuthorKey) -> dict[str, int]:
        """The author's comments on the site by status."""

    async def recent_comments(self, key: AuthorKey, limit: int) -> list[AuthoredComment]:
        """The author's latest comments, newest first."""

    async def first_comment_at(self, key: AuthorKey) -> datetime | None:
        """When the author first commented on the site."""

    async def account_created_at(self, reader_id: str) -> datetime | None:
        """When the reader account was made (None when it is gone)."""

    async def staff_decisions(self, key: AuthorKey, limit: int) -> list[PastDecision]:
        """Staff decisions on the author's comments, newest first."""

    async def bans(self, digests: Sequence[tuple[str, str]]) -> list[Ban]:
        """Every stored ban (in force or expired) on these (kind, digest) pairs, newest first."""

    async def add_note(self, key: AuthorKey, body: str, created_by: str, at: datetime) -> int:
        """Store a note; returns its id."""

    async def notes(self, key: AuthorKey) -> list[ReaderNote]:
        """The notes on the author, newest first."""


class HistoryTransaction(Transaction, Protocol):
    """A transaction that also sees reader records."""

    reader_records: ReaderRecords


class HistoryStorage(Protocol):
    def read(self) -> AbstractAsyncContextManager[HistoryTransaction]:
        """A consistent read-only view."""

    def write(self, *, bulk: bool = False) -> AbstractAsyncContextManager[HistoryTransaction]:
        """A transaction committed when the block ends without error."""
