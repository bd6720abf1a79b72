"""Importing comments from other systems (Disqus, WordPress, Isso) and from our own export.

Importers in ``rostra.importers`` only read files: they turn each source's records into
:class:`SourceThread` and :class:`SourceComment` values. Every rule lives here: the same field
limits and the same Markdown rendering and sanitizing as comments posted through the API; one
transaction per thread, so a thread is imported whole or not at all; and a record of which source
id became which comment, so importing the same file twice adds nothing.

Rate limits do not apply: imports are run by the operator from the command line. Imported comments
are not announced on the live stream, but each imported thread records one event, which moves its
version forward so cached pages of that thread are refreshed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from rostra.domain import comments as rules
from rostra.domain.anchors import parse_anchor
from rostra.domain.comments import CommentStatus
from rostra.domain.errors import DomainError, NotFoundError, ValidationError
from rostra.domain.events import CommentCreated
from rostra.domain.reactions import validate_reaction_set
from rostra.domain.rendering import render_markdown
from rostra.domain.sites import Site, validate_site_name
from rostra.domain.threads import ThreadSettings, validate_page, validate_title
from rostra.services.import_ports import ImportedComment
from rostra.services.live import LiveService
from rostra.services.ports import Storage, Transaction
from rostra.services.tokens import Keyring

TRUNCATION_MARKER = "\n\n[… shortened on import: the original was {length:,} characters]"
ANONYMOUS = "Anonymous"
MAX_SOURCE_ID_LENGTH = 255
MAX_WARNINGS_KEPT = 200
MAX_SKIPPED_KEPT = 200


class ImportSource(StrEnum):
    """The systems comments can come from; the value is stored with every imported comment."""

    DISQUS = "disqus"
    WORDPRESS = "wordpress"
    ISSO = "isso"
    ROSTRA = "rostra"


class ImportFileError(DomainError):
    """The file being imported cannot be read: it names the line or record that is wrong."""

    code = "invalid_import_file"


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    """A record of the file that was not imported: where it is (its line) and why."""

    record: str
    reason: str

    def __str__(self) -> str:
        return f"{self.record}: {self.reason}" if self.record else self.reason


@dataclass(frozen=True, slots=True)
class SourceComment:
    """One comment as the source system kept it. ``body`` is Markdown (importers turn the
    source's HTML into Markdown first); ``record`` says where it is in the file."""

    source_id: str
    parent_id: str | None
    author_name: str
    body: str
    created_at: datetime
    status: CommentStatus = CommentStatus.PUBLISHED
    author_email: str | None = None
    author_url: str | None = None
    edited_at: datetime | None = None
    upvotes: int = 0
    downvotes: int = 0
    anchor: dict[str, Any] | None = None
    record: str = ""
    # Our own export only: stored columns restored as they were (email digest, staff flag, …).
    stored: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SourceVote:
    """One reader's vote, from our own export (other sources only have totals)."""

    comment_id: str
    voter: str
    value: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SourceReaction:
    """One reader's reaction, from our own export."""

    comment_id: str
    voter: str
    reaction: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SourceThread:
    """A page's discussion as the source kept it."""

    page: str
    title: str | None
    comments: Sequence[SourceComment]
    record: str = ""
    created_at: datetime | None = None
    votes: Sequence[SourceVote] = ()
    reactions: Sequence[SourceReaction] = ()
    settings: ThreadSettings | None = None  # our own export: per-article settings


@dataclass(frozen=True, slots=True)
class SourceSite:
    """Site-wide records of our own export: the site itself and its subscriptions."""

    name: str
    title: str = ""
    origins: tuple[str, ...] = ()
    reactions: tuple[str, ...] | None = None  # None: the default set
    subscriptions: Sequence[Mapping[str, Any]] = ()
    # Staff records by table: notes on readers ("reader_notes"), EU DSA notices ("dsa_notices").
    staff_records: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)


@dataclass(slots=True)
class ThreadOutcome:
    """What importing one thread did (or, in a dry run, would do)."""

    page: str
    added: int = 0
    existing: int = 0
    orphans: int = 0
    truncated: int = 0
    rejected: int = 0
    duplicates: int = 0
    votes: int = 0
    vote_totals: int = 0
    reactions: int = 0
    warnings: list[str] = field(default_factory=list)
    skipped: list[SkippedRecord] = field(default_factory=list)


@dataclass(slots=True)
class ImportReport:
    """The summary of a whole import.

    Every comment record of the file is counted once: ``records == added + existing +
    rejected + duplicates + left_out + lost + in_failed_threads``.
    """

    source: ImportSource
    site: str
    dry_run: bool
    threads: int = 0
    failed_threads: int = 0
    added: int = 0
    existing: int = 0
    orphans: int = 0
    truncated: int = 0
    rejected: int = 0
    duplicates: int = 0
    votes: int = 0
    vote_totals: int = 0
    reactions: int = 0
    subscriptions: int = 0
    staff_records: int = 0  # notes on readers and EU DSA notices restored
    records: int = 0
    left_out: int = 0
    lost: int = 0
    in_failed_threads: int = 0
    warnings: list[str] = field(default_factory=list)
    warning_count: int = 0
    skipped: list[SkippedRecord] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)
    repair_count: int = 0
    errors: list[str] = field(default_factory=list)
    # Receives every skipped record (the summary keeps only the first ones), e.g. for a file.
    on_skip: Callable[[SkippedRecord], None] | None = None

    @property
    def accounted(self) -> int:
        """The records whose fate the summary tells; equals ``records`` once all is done."""
        return (
            self.added + self.existing + self.rejected + self.duplicates + self.left_out
            + self.lost + self.in_failed_threads
        )  # fmt: skip

    def read(self, reader: ReadSummary) -> None:
        """Count what reading the file found: its records, those left out, lost or skipped."""
        self.records += reader.record_count
        self.left_out += reader.left_out
        self.lost += reader.lost
        self.repair_count += reader.repair_count
        self.repairs.extend(reader.repairs[: MAX_WARNINGS_KEPT - len(self.repairs)])
        for record in reader.skipped():
            self.rejected += 1
            self.skip(record)
        self.warn(reader.warnings)

    def skip(self, record: SkippedRecord) -> None:
        """Keep the first skipped records for the summary and hand each to ``on_skip``."""
        if len(self.skipped) < MAX_SKIPPED_KEPT:
            self.skipped.append(record)
        if self.on_skip is not None:
            self.on_skip(record)

    def add(self, outcome: ThreadOutcome) -> None:
        """Count one thread's outcome."""
        self.threads += 1
        self.added += outcome.added
        self.existing += outcome.existing
        self.orphans += outcome.orphans
        self.truncated += outcome.truncated
        self.rejected += outcome.rejected
        self.duplicates += outcome.duplicates
        self.votes += outcome.votes
        self.vote_totals += outcome.vote_totals
        self.reactions += outcome.reactions
        self.warn(outcome.warnings)
        for record in outcome.skipped:
            self.skip(record)

    def warn(self, warnings: Iterable[str]) -> None:
        """Keep the first warnings (a huge import can have thousands) and count all."""
        for warning in warnings:
            self.warning_count += 1
            if len(self.warnings) < MAX_WARNINGS_KEPT:
                self.warnings.append(warning)


class ReadSummary(Protocol):
    """What a reader found in the file besides its threads."""

    @property
    def record_count(self) -> int:
        """Every comment record of the file, whatever became of it."""
        ...

    left_out: int  # records no comment is made of, by design (pingbacks, trackbacks)
    lost: int  # records the XML parser could not recover
    repair_count: int
    repairs: list[str]  # what was repaired to read the file (the first ones)
    warnings: list[str]

    def skipped(self) -> Iterable[SkippedRecord]:
        """Records that could not be read, with their line and reason."""
        ...


class _DryRunDone(Exception):
    """Raised inside a dry run's transaction so that nothing it wrote is kept."""


@dataclass(slots=True)
class _Prepared:
    source: SourceComment
    name: str
    email: str | None
    url: str | None
    body: str
    anchor: dict[str, Any] | None


class ImportService:
    """Turns source records into comments under the rules every comment obeys."""

    def __init__(self, storage: Storage, live: LiveService, keyring: Keyring) -> None:
        self._storage = storage
        self._live = live
        self._keyring = keyring

    async def import_comments(
        self,
        site: str,
        source: ImportSource,
        threads: Iterable[SourceThread | SourceSite] | AsyncIterable[SourceThread | SourceSite],
        *,
        dry_run: bool = False,
        on_thread: Callable[[ThreadOutcome], None] | None = None,
        reader: ReadSummary | None = None,
        on_skip: Callable[[SkippedRecord], None] | None = None,
    ) -> ImportReport:
        """Import every thread of a source, each in its own transaction, and sum up.

        A thread that breaks a rule is skipped whole and reported; the others are imported.
        What ``reader`` found while reading (records skipped, left out, repaired) is counted
        first. Errors reading the file itself (:class:`ImportFileError`) stop the import."""
        report = ImportReport(source, site, dry_run, on_skip=on_skip)
        if reader is not None:
            report.read(reader)
        await self._site(site, None, dry_run)
        async for item in _each(threads):
            if isinstance(item, SourceSite):
                subscriptions, staff = await self.restore_site(site, item, dry_run=dry_run)
                report.subscriptions += subscriptions
                report.staff_records += staff
                continue
            try:
                outcome = await self.import_thread(site, source, item, dry_run=dry_run)
            except ImportFileError:
                raise
            except DomainError as exc:
                report.failed_threads += 1
                report.in_failed_threads += len(item.comments)
                where = f" ({item.record})" if item.record else ""
                report.errors.append(f"Thread {item.page!r}{where} was not imported: {exc.message}")
                continue
            report.add(outcome)
            if on_thread is not None:
                on_thread(outcome)
        return report

    async def import_thread(
        self, site: str, source: ImportSource, thread: SourceThread, *, dry_run: bool = False
    ) -> ThreadOutcome:
        """Import one thread in one transaction: all of its new comments, or none."""
        page = validate_page(thread.page)
        title = validate_title(thread.title)
        outcome = ThreadOutcome(page)
        prepared = self._prepare(thread.comments, outcome)
        source_ids = [p.source.source_id for p in prepared]
        async with self._storage.read() as tx:
            if await tx.sites.get(site) is None:
                raise NotFoundError(f"There is no site called {site!r}.", field="site")
            known = await tx.imports.known(site, page, source.value, source_ids)
        # Votes, reactions and settings are written even when every comment is known.
        counted = bool(thread.votes or thread.reactions) or thread.settings is not None
        if len(known) == len(prepared) and not counted:
            outcome.existing = len(prepared)
            return outcome
        # Rendering is the slow part: done before the write transaction, so that the database
        # (SQLite has one writer) is held only for the inserts.
        rendered = {
            p.source.source_id: render_markdown(p.body) if p.body else ""
            for p in prepared
            if p.source.source_id not in known
        }
        try:
            async with self._storage.write(bulk=True) as tx:
                # Again, inside the transaction: another import may have run in between.
                known = await tx.imports.known(site, page, source.value, source_ids)
                new = [p for p in prepared if p.source.source_id not in known]
                outcome.existing = len(prepared) - len(new)
                if not new and not counted:
                    return outcome
                first = thread.created_at or min(
                    (p.source.created_at for p in new or prepared), default=None
                )
                if first is None:
                    raise ValidationError("The thread has votes but no comments.", field="page")
                thread_id = await tx.imports.thread(site, page, title, first)
                await tx.threads.lock(thread_id)
                if thread.settings is not None:  # our own export: the article's settings
                    await tx.threads.set_settings(thread_id, thread.settings)
                rows = await self._place(tx, thread_id, source, new, known, rendered, outcome)
                rows = await self._count(tx, thread_id, rows)
                await tx.imports.add_comments(rows)
                await tx.imports.remember(
                    thread_id, source.value, [(row.source_id, row.id) for row in rows]
                )
                if thread.votes:
                    outcome.votes = await tx.imports.add_votes(
                        [(v.comment_id, v.voter, v.value, v.created_at) for v in thread.votes]
                    )
                if thread.reactions:
                    outcome.reactions = await tx.imports.add_reactions(
                        [
                            (r.comment_id, r.voter, r.reaction, r.created_at)
                            for r in thread.reactions
                        ]
                    )
                outcome.added = len(rows)
                outcome.vote_totals = sum(row.upvotes + row.downvotes for row in rows)
                if rows:
                    # One event per thread moves its version, so cached pages are refreshed;
                    # it is logged but not published, so live readers are not flooded.
                    await self._live.record(
                        tx, thread_id, CommentCreated(site, page, rows[-1].id, parent_id=None)
                    )
                if dry_run:
                    raise _DryRunDone
        except _DryRunDone:
            pass
        return outcome

    async def restore_site(
        self, site: str, data: SourceSite, *, dry_run: bool = False
    ) -> tuple[int, int]:
        """Restore the site-wide records of our own export (subscriptions, notes on readers,
        DSA notices); returns how many subscriptions and staff records were new. The site itself
        was created by :meth:`prepare_site` if it was missing."""
        if not data.subscriptions and not data.staff_records:
            return 0, 0
        added = staff = 0
        try:
            async with self._storage.write(bulk=True) as tx:
                added = await tx.imports.add_subscriptions(site, list(data.subscriptions))
                for table, rows in data.staff_records.items():
                    staff += await tx.imports.add_staff_records(table, site, list(rows))
                if dry_run:
                    raise _DryRunDone
        except _DryRunDone:
            pass
        return added, staff

    async def prepare_site(self, name: str, data: SourceSite | None) -> Site:
        """The site to import into; from our own export it is created when missing, with the
        origins and title the export names."""
        return await self._site(name, data, False)

    async def _site(self, name: str, data: SourceSite | None, dry_run: bool) -> Site:
        async with self._storage.write() as tx:
            site = await tx.sites.get(name)
            if site is None and data is not None and not dry_run:
                site = Site(validate_site_name(name), tuple(data.origins), data.title)
                await tx.sites.add(site)
                if data.reactions is not None:
                    chosen = validate_reaction_set(data.reactions)
                    await tx.sites.set_reactions(site.name, chosen)
                    site = replace(site, reactions=chosen)
            if site is None:
                raise NotFoundError(
                    f"There is no site called {name!r}; add it first with "
                    f"`rostra site add {name} --origin https://…`.",
                    field="site",
                )
        return site

    def _prepare(
        self, comments: Sequence[SourceComment], outcome: ThreadOutcome
    ) -> list[_Prepared]:
        """Check each record against the comment rules; drop duplicates and broken records."""
        seen: set[str] = set()
        prepared: list[_Prepared] = []
        for source in comments:
            where = f" ({source.record})" if source.record else ""
            if not source.source_id or len(source.source_id) > MAX_SOURCE_ID_LENGTH:
                outcome.rejected += 1
                reason = "no id" if not source.source_id else "an id over 255 characters"
                outcome.skipped.append(SkippedRecord(source.record, f"the comment has {reason}"))
                continue
            if source.source_id in seen:
                outcome.duplicates += 1
                outcome.skipped.append(
                    SkippedRecord(
                        source.record,
                        f"comment id {source.source_id!r} appears twice on this page; "
                        "the first one was kept",
                    )
                )
                continue
            seen.add(source.source_id)
            try:
                prepared.append(self._check(source, outcome, where))
            except ValidationError as exc:
                outcome.rejected += 1
                outcome.skipped.append(
                    SkippedRecord(source.record, f"comment {source.source_id!r}: {exc.message}")
                )
        return prepared

    def _check(self, source: SourceComment, outcome: ThreadOutcome, where: str) -> _Prepared:
        if source.status is CommentStatus.DELETED:
            # Deleted comments are kept only as placeholders, as when deleted here.
            return _Prepared(source, "", None, None, "", None)
        name = " ".join(rules.clean_text(source.author_name).split())[: rules.MAX_NAME_LENGTH]
        name = rules.validate_author_name(name or ANONYMOUS)
        try:
            email = rules.validate_email(source.author_email)
        except ValidationError:
            email = None  # an address the source accepted but we cannot use: not worth a comment
        try:
            url = rules.validate_author_url(source.author_url)
        except ValidationError:
            url = None
        body = rules.clean_text(source.body)
        if len(body) > rules.MAX_BODY_LENGTH:
            marker = TRUNCATION_MARKER.format(length=len(body))
            body = body[: rules.MAX_BODY_LENGTH - len(marker)].rstrip() + marker
            outcome.truncated += 1
            outcome.warnings.append(
                f"Comment {source.source_id!r}{where} was longer than "
                f"{rules.MAX_BODY_LENGTH:,} characters and was shortened."
            )
        body = rules.validate_body(body)
        anchor = parse_anchor(source.anchor)
        return _Prepared(source, name, email, url, body, anchor.to_dict() if anchor else None)

    async def _place(
        self,
        tx: Transaction,
        thread_id: int,
        source: ImportSource,
        new: list[_Prepared],
        known: Mapping[str, str],
        rendered: Mapping[str, str],
        outcome: ThreadOutcome,
    ) -> list[ImportedComment]:
        """Give each new comment its id, parent, root and depth; parents before replies."""
        by_source = {p.source.source_id: p for p in new}
        placed: dict[str, ImportedComment] = {}
        # Parents imported in an earlier run: look them up once.
        earlier = {
            p.source.parent_id
            for p in new
            if p.source.parent_id
            and p.source.parent_id not in by_source
            and p.source.parent_id in known
        }
        earlier_rows: dict[str, tuple[str, str | None, int]] = {}
        for earlier_id in earlier:
            stored = await tx.comments.get(known[earlier_id])
            if stored is not None and stored.thread_id == thread_id:
                earlier_rows[earlier_id] = (stored.id, stored.root_id, stored.depth)
        children: dict[str | None, list[_Prepared]] = {}
        for p in new:
            parent = p.source.parent_id
            if parent is not None and parent not in by_source and parent not in earlier_rows:
                outcome.orphans += 1
                where = f" ({p.source.record})" if p.source.record else ""
                outcome.warnings.append(
                    f"Comment {p.source.source_id!r}{where} replies to {parent!r}, which is not "
                    "in this thread; it was imported as a top-level comment."
                )
                parent = None
            children.setdefault(parent, []).append(p)
        order: list[tuple[_Prepared, str | None]] = []
        stack: list[str | None] = [None, *earlier_rows]
        while stack:
            top = stack.pop()
            for child in children.pop(top, ()):
                order.append((child, top))
                stack.append(child.source.source_id)
        # Whatever is left replies in a circle (a -> b -> a): break it at the top level.
        for leftovers in children.values():
            for child in leftovers:
                outcome.orphans += 1
                outcome.warnings.append(
                    f"Comment {child.source.source_id!r} is part of a reply loop; it was "
                    "imported as a top-level comment."
                )
                order.append((child, None))
        rows: list[ImportedComment] = []
        for p, parent_source in order:
            parent_id: str | None = None
            root_id: str | None = None
            depth = 0
            if parent_source is not None:
                if parent_source in placed:
                    parent_row = placed[parent_source]
                    parent_id, root_id, depth = (
                        parent_row.id,
                        parent_row.root_id or parent_row.id,
                        parent_row.depth + 1,
                    )
                elif parent_source in earlier_rows:
                    pid, proot, pdepth = earlier_rows[parent_source]
                    parent_id, root_id, depth = pid, proot or pid, pdepth + 1
            comment_id = (
                p.source.source_id if source is ImportSource.ROSTRA else self._keyring.new_id()
            )
            row = ImportedComment(
                id=comment_id,
                source_id=p.source.source_id,
                thread_id=thread_id,
                parent_id=parent_id,
                root_id=root_id,
                depth=depth,
                author_name=p.name,
                author_email_hash=p.email and self._keyring.digest("email", p.email.lower()),
                author_url=p.url,
                body=p.body,
                body_html=rendered.get(p.source.source_id)
                or (render_markdown(p.body) if p.body else ""),
                status=p.source.status,
                created_at=p.source.created_at,
                edited_at=p.source.edited_at,
                upvotes=max(0, p.source.upvotes),
                downvotes=max(0, p.source.downvotes),
                anchor=p.anchor if parent_id is None else None,
                stored=dict(p.source.stored),
            )
            placed[p.source.source_id] = row
            rows.append(row)
        return rows

    async def _count(
        self, tx: Transaction, thread_id: int, rows: list[ImportedComment]
    ) -> list[ImportedComment]:
        """Move the thread's and each root's published counts by what is added; new roots get
        their count before they are written, roots from an earlier run are updated."""
        published = [row for row in rows if row.status is CommentStatus.PUBLISHED]
        if published:
            await tx.threads.adjust_count(thread_id, len(published))
        per_root: dict[str, int] = {}
        for row in published:
            if row.root_id is not None:
                per_root[row.root_id] = per_root.get(row.root_id, 0) + 1
        counted = [
            dataclasses.replace(row, descendant_count=per_root.pop(row.id))
            if row.id in per_root
            else row
            for row in rows
        ]
        for root_id, delta in per_root.items():
            await tx.comments.adjust_descendants(root_id, delta)
        return counted


async def _each(
    items: Iterable[SourceThread | SourceSite] | AsyncIterable[SourceThread | SourceSite],
) -> Any:
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item
