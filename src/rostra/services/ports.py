"""What the services need from the outside world, as small protocols.

Adapters in ``rostra.storage`` (SQL) and ``rostra.web`` (live events) implement them; the services
never learn which database or transport is behind.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Hashable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from rostra.domain.anchors import Anchor
from rostra.domain.comments import Comment, CommentStatus
from rostra.domain.events import ThreadEvent
from rostra.domain.images import ImageKind, ImageLimits, ProcessedImage, StoredImage
from rostra.domain.mentions import ThreadAuthor
from rostra.domain.moderation import ModerationSettings, Reason, TrustRecord, Verdict
from rostra.domain.paging import Cursor, Sort
from rostra.domain.sites import Site
from rostra.domain.subscriptions import (
    MailJob,
    NewMailJob,
    NewSubscription,
    OutboxSummary,
    OutgoingMail,
    Recipient,
    Subscription,
    SubscriptionStatus,
)
from rostra.domain.threads import Thread, ThreadSettings
from rostra.services.import_ports import ImportRepository
from rostra.services.staff_ports import StaffRecords, UserRepository
from rostra.services.webhook_ports import ChatAlertRepository, WebhookRepository


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
    author_is_staff: bool = False  # posted with a staff session
    reader_id: str | None = None  # posted by a signed-in reader account
    author_avatar: str | None = None
    mentions: tuple[str, ...] = ()  # the comments whose authors it mentions
    author_voter: str | None = None  # keyed digest of the poster's voter identity


class SiteRepository(Protocol):
    async def get(self, name: str) -> Site | None:
        """The site called ``name``, or None."""

    async def add(self, site: Site) -> None:
        """Store a new site; the name must be free."""

    async def set_origins(self, name: str, origins: Sequence[str]) -> None:
        """Replace the origins allowed to embed the site."""

    async def set_reactions(self, name: str, reactions: Sequence[str] | None) -> None:
        """Set the reactions the site's readers choose from; None: the default set."""

    async def list_all(self) -> list[Site]:
        """Every site, by name."""

    async def moderation_settings(self, name: str) -> ModerationSettings:
        """The site's moderation settings (the defaults when none were saved)."""

    async def get_with_settings(self, name: str) -> tuple[Site, ModerationSettings] | None:
        """``get`` and ``moderation_settings`` in one read (every new comment needs both)."""

    async def set_moderation_settings(self, name: str, settings: ModerationSettings) -> None:
        """Replace the site's moderation settings."""


class ThreadRepository(Protocol):
    async def find(self, site: str, page: str) -> Thread | None:
        """The thread of a page, or None before its first comment."""

    async def find_many(self, thread_ids: Sequence[int]) -> dict[int, Thread]:
        """The threads of these ids that exist, by id (one statement)."""

    async def get_or_create(
        self, site: str, page: str, title: str | None, now: datetime | None = None
    ) -> Thread:
        """The thread of a page, created on first use (at ``now``, the services' clock: the
        site's read-only age counts from it); a new title replaces an empty one."""

    async def get_by_id(self, thread_id: int) -> Thread:
        """The thread a stored comment belongs to."""

    async def find_by_id(self, thread_id: int) -> Thread | None:
        """A thread by its id, or None when there is none."""

    async def set_settings(self, thread_id: int, settings: ThreadSettings) -> None:
        """Store the thread's per-article settings (the defaults store nothing)."""

    async def lock(self, thread_id: int) -> None:
        """Hold the thread's row until the transaction ends. Every write to a thread's stored
        comments takes this lock before it touches them, so writers of one thread never wait on
        each other in opposite orders. A new comment's own rows are seen by nobody else: a post
        inserts them first and takes the lock with its event (``EventLog.append``), so posts to
        one thread queue only for that statement and the commit."""

    async def adjust_count(self, thread_id: int, delta: int) -> None:
        """Add ``delta`` to the thread's published-comment count."""

    async def counts(self, site: str, pages: Sequence[str]) -> dict[str, int] | None:
        """Published-comment counts for the pages that have threads; None when there is no
        such site (one statement answers both: counts are read far more than written)."""


class CommentRepository(Protocol):
    async def add(self, comment: NewComment) -> Comment:
        """Store a new comment and return it as read back."""

    async def get(self, comment_id: str, *, for_update: bool = False) -> Comment | None:
        """One comment by id; ``for_update`` locks its row until the transaction ends."""

    async def edit_token_hash(self, comment_id: str) -> str | None:
        """The stored digest of the comment's edit token."""

    async def author_voter(self, comment_id: str) -> str | None:
        """The keyed digest of the voter identity that posted the comment, if known."""

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

    async def list_featured(self, thread_id: int, limit: int) -> list[Comment]:
        """The thread's published comments staff featured, most recently featured first."""

    async def last_by_author(
        self, thread_id: int, *, reader_id: str | None, ip_hash: str | None
    ) -> datetime | None:
        """When the signed-in reader (else the address) last commented on the thread."""

    async def update_body(
        self, comment_id: str, body: str, body_html: str, edited_at: datetime
    ) -> None:
        """Replace the text of a comment."""

    async def mark_deleted(self, comment_id: str) -> None:
        """Turn a comment into a placeholder: status deleted, content and author data erased."""

    async def set_status(self, comment_id: str, status: CommentStatus) -> None:
        """Change a comment's status (screening sends an edited comment back to pending)."""

    async def adjust_descendants(self, root_id: str, delta: int) -> None:
        """Add ``delta`` to the count of published replies under a top-level comment."""

    async def thread_authors(self, thread_id: int) -> list[ThreadAuthor]:
        """The people who wrote the thread's recent published comments, each once by the name
        shown, with their latest comment, most recent first."""

    async def set_reactions(self, comment_id: str, counts: Mapping[str, int]) -> None:
        """Store a comment's reaction counts (and their total, for sorting)."""

    async def adjust_votes(self, comment_id: str, up: int, down: int) -> tuple[int, int]:
        """Add to a comment's vote counts; returns the new (upvotes, downvotes)."""


class VoteRepository(Protocol):
    async def get(self, comment_id: str, voter: str) -> int:
        """The voter's current vote on the comment, 0 when none."""

    async def set(self, comment_id: str, voter: str, value: int) -> None:
        """Record the vote; 0 removes it."""

    async def for_voter(self, voter: str, comment_ids: Sequence[str]) -> dict[str, int]:
        """The voter's non-zero votes among ``comment_ids``."""


class ReactionRepository(Protocol):
    async def get(self, comment_id: str, voter: str) -> str | None:
        """The voter's current reaction to the comment, None when none."""

    async def set(self, comment_id: str, voter: str, reaction: str | None) -> None:
        """Record the reaction, replacing the voter's previous one; None removes it."""

    async def for_voter(self, voter: str, comment_ids: Sequence[str]) -> dict[str, str]:
        """The voter's reactions among ``comment_ids``."""


class EventLog(Protocol):
    async def append(self, thread_id: int, event: ThreadEvent, count_delta: int = 0) -> int:
        """Record ``event`` for its thread, holding the thread as ``ThreadRepository.lock``
        does, and add ``count_delta`` to its published-comment count; returns the event's
        sequence number."""

    async def after(self, thread_id: int, sequence: int, limit: int) -> list[ThreadEvent]:
        """The thread's events with a sequence above ``sequence``, oldest first."""

    async def since(self, sequence: int, limit: int) -> list[ThreadEvent]:
        """Events of every thread with a sequence above ``sequence``, oldest first, with their
        site and page: what other processes published, for a relay without Redis."""

    async def latest(self) -> int:
        """The highest sequence number given so far (0 before the first event)."""

    async def forgotten_before(self) -> int:
        """Sequences below this may have been pruned; a reader behind it must reload."""

    async def prune(self, older_than: datetime) -> None:
        """Forget events recorded before ``older_than``."""


class ImageRepository(Protocol):
    async def add(self, image: StoredImage) -> None:
        """Record a new upload (not yet attached to a comment)."""

    async def get_many(self, image_ids: Sequence[str]) -> list[StoredImage]:
        """The stored images among ``image_ids`` (unknown ids are left out)."""

    async def attach(self, image_id: str, comment_id: str, position: int, alt: str) -> bool:
        """Bind an unattached upload to a comment, in display order, with its alt text; False
        when it is already attached (a concurrent comment claimed it first)."""

    async def for_comments(self, comment_ids: Sequence[str]) -> dict[str, list[StoredImage]]:
        """The images of each comment, in display order (comments without images left out)."""

    async def delete_for_comment(self, comment_id: str) -> list[StoredImage]:
        """Forget a comment's images; returns them so their files can be deleted."""

    async def take_orphans(self, uploaded_before: datetime, limit: int) -> list[StoredImage]:
        """Forget up to ``limit`` uploads never attached and older than ``uploaded_before``;
        returns them so their files can be deleted."""


class ImageStore(Protocol):
    """Where image files live: a local folder (the default), the database, or an S3-compatible
    bucket (``ROSTRA_MEDIA_URL``). Failures of the store itself raise ``OSError``."""

    async def save(self, name: str, data: bytes, media_type: str) -> None:
        """Store ``data`` under ``name`` (a random name we chose), replacing nothing."""

    async def load(self, name: str) -> bytes | None:
        """The file's bytes, or None when there is no such file."""

    async def delete(self, names: Sequence[str]) -> None:
        """Remove the files; missing ones are ignored."""

    async def names(self) -> list[str]:
        """Every stored file's name (for copying a store to another)."""

    async def check(self) -> str:
        """Whether files can be stored now, cheaply (``GET /readyz``): a short description
        of the store when they can; raises ``OSError`` saying what is wrong when not."""


class ImageCodec(Protocol):
    async def process(self, data: bytes, kind: ImageKind, limits: ImageLimits) -> ProcessedImage:
        """Decode ``data`` (already sniffed as ``kind``), refuse it if it breaks ``limits``
        (before decoding pixels), and re-encode a display-size image and a thumbnail without
        metadata. Raises the errors of ``rostra.domain.images``."""

    async def avatar(self, data: bytes, kind: ImageKind, limits: ImageLimits, size: int) -> bytes:
        """A reader's picture: checked and cleaned as ``process`` does, then cropped to a
        ``size`` square (PNG, or JPEG when ``kind`` is JPEG)."""


@dataclass(frozen=True, slots=True)
class Decision:
    """One moderation decision on a comment: automatic (``actor`` None) or a staff member's."""

    comment_id: str
    verdict: Verdict
    reasons: tuple[Reason, ...]
    actor: str | None
    created_at: datetime


class ScreeningRepository(Protocol):
    async def record_decision(self, decision: Decision) -> None:
        """Store a decision with its reasons."""

    async def decisions(self, comment_id: str) -> list[Decision]:
        """A comment's decisions, oldest first."""

    async def trust_record(
        self, site: str, author_email_hash: str | None, ip_hash: str | None, limit: int
    ) -> TrustRecord:
        """The author's (by email hash or, failing that, IP hash) published comments on the
        site since their last rejected one (counted up to ``limit``), and when that was."""

    async def recent_bodies(
        self,
        site: str,
        author_email_hash: str | None,
        ip_hash: str | None,
        since: datetime,
        limit: int,
    ) -> list[str]:
        """Bodies of the site's comments by this email hash or IP hash written since ``since``,
        newest first, at most ``limit``."""

    async def add_exemplar(
        self, site: str, category: str, text: str, added_by: int | None, created_at: datetime
    ) -> None:
        """Store a comment's text as an example of ``category`` for the semantic screen."""

    async def exemplars(self) -> list[tuple[str, str]]:
        """Every stored ``(category, text)`` example, every site's, oldest first."""

    async def exemplars_after(self, last_id: int, limit: int) -> list[TaughtExample]:
        """Stored examples with an id above ``last_id``, oldest first, at most ``limit``."""


@dataclass(frozen=True, slots=True)
class TaughtExample:
    """A comment staff filed under a screening category (or ``benign``) on one site."""

    id: int
    site: str
    category: str
    text: str


class ToxicityModel(Protocol):
    """A classifier that rates text; adapters live in ``rostra.screening``."""

    hold_only: frozenset[str]  # categories whose scores may hold a comment but never refuse it

    async def score(self, text: str) -> dict[str, float]:
        """Category → score from 0 (harmless) to 1 (certainly abusive)."""


@dataclass(frozen=True, slots=True)
class ModelRating:
    """A model's scores for one text and, per category it flagged, the words that weighed
    most (shown to staff beside the verdict)."""

    scores: dict[str, float]
    words: dict[str, tuple[str, ...]]


@runtime_checkable
class SiteTaughtModel(Protocol):
    """A model that also explains its scores and learns each site's decisions (the default,
    trained screen)."""

    hold_only: frozenset[str]

    async def score(self, text: str) -> dict[str, float]:
        """Category → score, as ``ToxicityModel``."""

    async def rate(self, text: str, site: str | None = None) -> ModelRating:
        """Scores and weighty words for ``text`` as posted on ``site``."""

    def learn(self, site: str, category: str, text: str) -> None:
        """Remember that staff filed ``text`` under ``category`` (or ``benign``) on ``site``;
        blocking (the text is embedded)."""


class SubscriptionRepository(Protocol):
    async def add_pending(self, subscription: NewSubscription) -> tuple[str, SubscriptionStatus]:
        """Store a pending subscription, or find the same one (site, address, kind, scope)
        already stored; returns its id and status."""

    async def get(self, subscription_id: str) -> Subscription | None:
        """One subscription by id."""

    async def confirm(self, subscription_id: str, now: datetime) -> bool:
        """Mark it confirmed; False when it does not exist (any more)."""

    async def remove(self, subscription_id: str) -> bool:
        """Forget it; False when it was already gone."""

    async def list_for_address(self, email_hash: str) -> list[Subscription]:
        """Every subscription of one address, on every site."""

    async def author_subscription(self, site: str, comment_id: str) -> Recipient | None:
        """A confirmed subscription of the comment's author (by their address's digest) on
        the site, replies first: where to tell them their comment was featured."""

    async def recipients(
        self, site: str, page: str, comment_id: str, parent_id: str | None
    ) -> list[Recipient]:
        """Confirmed subscribers to tell about a published comment: followers of the page and,
        for a reply, the parent's author; never the comment's own author."""

    async def mentioned(
        self, site: str, page: str, comment_id: str, mentioned_ids: Sequence[str]
    ) -> list[Recipient]:
        """Confirmed subscribers who wrote the comments ``mentioned_ids`` (by their address)
        and asked for replies, or follow the page; never the comment's own author."""

    async def set_next_digest(self, subscription_id: str, moment: datetime) -> None:
        """The earliest time the next batched mail of this subscription may leave."""


class Outbox(Protocol):
    async def enqueue(self, job: NewMailJob) -> int:
        """Store a mail job; returns its id."""

    async def add_to_waiting(
        self, subscription_id: str, kind: str, item: dict[str, object]
    ) -> bool:
        """Append ``item`` to the ``items`` of this subscription's waiting (unclaimed) job of
        ``kind``; False when there is none."""

    async def claim(
        self,
        now: datetime,
        lease_until: datetime,
        worker: str,
        limit: int,
        kinds: Sequence[str],
    ) -> list[MailJob]:
        """Lease up to ``limit`` due jobs to ``worker`` (skipping jobs other workers hold)."""

    async def mark_sent(self, job_id: int, worker: str, now: datetime) -> None:
        """The mail server accepted the message."""

    async def retry(self, job_id: int, worker: str, at: datetime, error: str) -> None:
        """Release the lease and try again at ``at``."""

    async def release(self, job_ids: list[int], worker: str) -> int:
        """Give back the jobs of ``job_ids`` that ``worker`` still holds unsent (it stops),
        for any worker to claim now; returns how many it held."""

    async def finish(self, job_id: int, worker: str, status: str, error: str | None) -> None:
        """End the job without sending (failed or cancelled)."""

    async def summary(self) -> OutboxSummary:
        """Counts by status and the latest permanent failures."""


class Mailer(Protocol):
    async def send(self, mail: OutgoingMail) -> None:
        """Hand ``mail`` to the mail server; returns once the server accepted it. Raises
        ``MailDeferredError`` (unreachable, 4xx: retry later) or ``MailRejectedError`` (5xx)."""


@runtime_checkable
class ExemplarLearner(Protocol):
    """A model that learns a site's abuse from examples staff pick (the semantic stage)."""

    def add_exemplar(self, category: str, text: str) -> None:
        """Add ``text`` to the examples of ``category``; used from the next comment on."""


class Transaction(Protocol):
    """Repositories that share one database transaction."""

    sites: SiteRepository
    threads: ThreadRepository
    comments: CommentRepository
    votes: VoteRepository
    reactions: ReactionRepository
    events: EventLog
    subscriptions: SubscriptionRepository
    outbox: Outbox
    users: UserRepository
    staff_records: StaffRecords
    screening: ScreeningRepository
    images: ImageRepository
    imports: ImportRepository
    webhooks: WebhookRepository  # endpoints and their deliveries
    chat_alerts: ChatAlertRepository  # a site's staff alerts to Slack or Matrix


class ReplicaUnavailableError(Exception):
    """No read replica answers just now; the primary can serve the read instead."""


class Storage(Protocol):
    def read(self) -> AbstractAsyncContextManager[Transaction]:
        """A consistent read-only view."""

    def replica_read(self) -> AbstractAsyncContextManager[Transaction | None]:
        """A consistent read-only view on a read replica, which may lag behind the
        primary by any amount: callers check what they read against a glance at the primary.
        None when no replica is configured; ``ReplicaUnavailableError`` when none answers."""

    def has_replicas(self) -> bool:
        """Whether ``replica_read`` has a replica to try (else it always gives None)."""

    def write(self, *, bulk: bool = False) -> AbstractAsyncContextManager[Transaction]:
        """A transaction committed when the block ends without error, rolled back otherwise.
        ``bulk``: it scans or writes many rows (imports, purges), so on SQLite it runs on a
        database thread rather than the event loop's (decision 0002)."""

    def changes(self) -> Hashable | None:
        """A token that differs after any commit by anyone (SQLite's ``data_version``), cheap
        enough to ask on every read; None when the database cannot tell cheaply. Answers
        computed under one token stay right while the token is unchanged."""

    def glance(self) -> AbstractAsyncContextManager[Transaction]:
        """Single-statement reads of a few rows by index, outside any transaction: each
        statement sees the latest commit. For the hottest requests (cached thread pages,
        counts); anything that needs a consistent snapshot uses ``read``."""


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
