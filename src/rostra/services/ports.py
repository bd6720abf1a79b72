"""What the services need from the outside world, as small protocols.

Adapters in ``rostra.storage`` (SQL) and ``rostra.web`` (live events) implement them; the services
never learn which database or transport is behind.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from rostra.domain.anchors import Anchor
from rostra.domain.comments import Comment, CommentStatus
from rostra.domain.events import ThreadEvent
from rostra.domain.paging import Cursor, Sort
from rostra.domain.sites import Site
from rostra.domain.threads import Thread


@dataclass(frozen=True, slots=True)
class NewComment:
    """Everything stored for a comment when it is first written."""

    id: str
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
    ip_hash: str | None
    edit_token_hash: str | None
    anchor: Anchor | None


class SiteRepository(Protocol):
    async def get(self, name: str) -> Site | None:
        """The site called ``name``, or None."""

    async def add(self, site: Site) -> None:
        """Store a new site; the name must be free."""

    async def set_origins(self, name: str, origins: Sequence[str]) -> None:
        """Replace the origins allowed to embed the site."""

    async def list_all(self) -> list[Site]:
        """Every site, by name."""


class ThreadRepository(Protocol):
    async def find(self, site: str, page: str) -> Thread | None:
        """The thread of a page, or None before its first comment."""

    async def get_or_create(self, site: str, page: str, title: str | None) -> Thread:
        """The thread of a page, created on first use; a new title replaces an empty one."""

    async def get_by_id(self, thread_id: int) -> Thread:
        """The thread a stored comment belongs to."""

    async def lock(self, thread_id: int) -> None:
        """Hold the thread's row until the transaction ends. Every write to a thread takes this
        lock first, so writers of one thread never wait on each other in opposite orders."""

    async def adjust_count(self, thread_id: int, delta: int) -> None:
        """Add ``delta`` to the thread's published-comment count."""

    async def counts(self, site: str, pages: Sequence[str]) -> dict[str, int]:
        """Published-comment counts for the pages that have threads."""


class CommentRepository(Protocol):
    async def add(self, comment: NewComment) -> Comment:
        """Store a new comment and return it as read back."""

    async def get(self, comment_id: str, *, for_update: bool = False) -> Comment | None:
        """One comment by id; ``for_update`` locks its row until the transaction ends."""

    async def edit_token_hash(self, comment_id: str) -> str | None:
        """The stored digest of the comment's edit token."""

    async def list_roots(
        self,
        thread_id: int,
        *,
        sort: Sort,
        after: Cursor | None,
        limit: int,
        anchored: bool | None,
    ) -> list[Comment]:
        """Top-level comments worth showing (published, or deleted with replies), in ``sort``
        order, starting after ``after``; at most ``limit``."""

    async def list_replies(self, root_ids: Sequence[str]) -> list[Comment]:
        """Published and deleted replies under the given top-level comments, oldest first."""

    async def update_body(
        self, comment_id: str, body: str, body_html: str, edited_at: datetime
    ) -> None:
        """Replace the text of a comment."""

    async def mark_deleted(self, comment_id: str) -> None:
        """Turn a comment into a placeholder: status deleted, content and author data erased."""

    async def adjust_descendants(self, root_id: str, delta: int) -> None:
        """Add ``delta`` to the count of published replies under a top-level comment."""

    async def adjust_votes(self, comment_id: str, up: int, down: int) -> tuple[int, int]:
        """Add to a comment's vote counts; returns the new (upvotes, downvotes)."""


class VoteRepository(Protocol):
    async def get(self, comment_id: str, voter: str) -> int:
        """The voter's current vote on the comment, 0 when none."""

    async def set(self, comment_id: str, voter: str, value: int) -> None:
        """Record the vote; 0 removes it."""

    async def for_voter(self, voter: str, comment_ids: Sequence[str]) -> dict[str, int]:
        """The voter's non-zero votes among ``comment_ids``."""


class EventLog(Protocol):
    async def append(self, thread_id: int, event: ThreadEvent) -> int:
        """Record ``event`` for its thread; returns its sequence number."""

    async def after(self, thread_id: int, sequence: int, limit: int) -> list[ThreadEvent]:
        """The thread's events with a sequence above ``sequence``, oldest first."""

    async def latest(self) -> int:
        """The highest sequence number given so far (0 before the first event)."""

    async def forgotten_before(self) -> int:
        """Sequences below this may have been pruned; a reader behind it must reload."""

    async def prune(self, older_than: datetime) -> None:
        """Forget events recorded before ``older_than``."""


class Transaction(Protocol):
    """Repositories that share one database transaction."""

    sites: SiteRepository
    threads: ThreadRepository
    comments: CommentRepository
    votes: VoteRepository
    events: EventLog


class Storage(Protocol):
    def read(self) -> AbstractAsyncContextManager[Transaction]:
        """A consistent read-only view."""

    def write(self) -> AbstractAsyncContextManager[Transaction]:
        """A transaction committed when the block ends without error, rolled back otherwise."""


class EventBus(Protocol):
    async def publish(self, event: ThreadEvent) -> None:
        """Deliver ``event`` to the readers of its thread on every worker; never raises."""

    def subscribe(
        self, site: str, page: str
    ) -> AbstractAsyncContextManager[AsyncIterator[ThreadEvent | None]]:
        """Events of one thread from now on, until the block ends. ``None`` in the stream means
        events may have been lost (a slow reader, a broken connection): read the log to catch up."""


class RateLimiter(Protocol):
    async def hit(self, action: str, key: str) -> float | None:
        """Count one ``action`` by ``key``; None when allowed, else seconds until it would be."""


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
