"""What imports and exports need from storage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from rostra.domain.comments import CommentStatus


@dataclass(frozen=True, slots=True)
class ImportedComment:
    """A comment written by an import: its source id, dates and vote totals kept."""

    id: str
    source_id: str
    thread_id: int
    parent_id: str | None
    root_id: str | None
    depth: int
    author_name: str
    author_email_hash: str | None
    author_url: str | None
    body: str
    body_html: str
    status: CommentStatus
    created_at: datetime
    edited_at: datetime | None
    upvotes: int
    downvotes: int
    anchor: dict[str, Any] | None
    stored: dict[str, Any]
    descendant_count: int = 0  # published replies, for a top-level comment


class ImportRepository(Protocol):
    """Bulk writes and reads for imports and exports."""

    async def known(
        self, site: str, page: str, source: str, source_ids: Sequence[str]
    ) -> dict[str, str]:
        """Which of ``source_ids`` were imported before into the page's thread: source id ->
        comment id. The same id on another page is another comment."""

    async def thread(self, site: str, page: str, title: str | None, created_at: datetime) -> int:
        """The id of the page's thread, created (with ``created_at``) when missing."""

    async def add_comments(self, comments: Sequence[ImportedComment]) -> None:
        """Insert comments, parents before replies, in one statement where possible."""

    async def remember(self, thread_id: int, source: str, pairs: Sequence[tuple[str, str]]) -> None:
        """Record (source id, comment id) pairs of a thread so a second import skips them."""

    async def add_votes(self, votes: Sequence[tuple[str, str, int, datetime]]) -> int:
        """Insert (comment id, voter, value, time) rows that are not stored yet; returns how
        many were new. Comment vote totals are not changed: they were imported as totals."""

    async def add_reactions(self, reactions: Sequence[tuple[str, str, str, datetime]]) -> int:
        """Insert (comment id, voter, reaction, time) rows that are not stored yet; returns how
        many were new. Comment reaction counts are not changed: they came with the comments."""

    async def add_subscriptions(self, site: str, rows: Sequence[Mapping[str, Any]]) -> int:
        """Insert exported subscription rows that are not stored yet; returns how many."""

    async def export_threads(self, site: str, after_id: int, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` of the site's threads with ids above ``after_id``, by id."""

    async def export_comments(self, thread_id: int) -> list[dict[str, Any]]:
        """Every stored column of the thread's comments, oldest first."""

    async def export_votes(self, thread_id: int) -> list[dict[str, Any]]:
        """Every vote on the thread's comments."""

    async def export_reactions(self, thread_id: int) -> list[dict[str, Any]]:
        """Every reaction to the thread's comments."""

    async def export_staff_records(self, table: str, site: str) -> list[dict[str, Any]]:
        """Every row of the site in ``table`` (``reader_notes`` or ``dsa_notices``), without
        the site's id, oldest first."""

    async def add_staff_records(
        self, table: str, site: str, rows: Sequence[Mapping[str, Any]]
    ) -> int:
        """Insert exported rows of ``table`` that are not stored yet; returns how many."""

    async def export_subscriptions(self, site: str) -> list[dict[str, Any]]:
        """Every subscription of the site (empty when subscriptions do not exist)."""
