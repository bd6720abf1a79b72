"""Reading threads: one page of a thread with its replies arranged, and comment counts for many
pages, answered from memory while nothing changed. ``CommentService`` hands its reads
here; writing comments stays in ``rostra.services.comments``."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import cast

from rostra.domain.comments import Comment
from rostra.domain.errors import NotFoundError, ValidationError
from rostra.domain.paging import Cursor, Sort, validate_limit
from rostra.domain.sites import Site
from rostra.domain.threads import (
    CommentNode,
    Thread,
    ThreadSettings,
    arrange_replies,
    validate_page,
)
from rostra.services.callers import Caller
from rostra.services.images import with_images
from rostra.services.metrics_ports import Metrics
from rostra.services.page_cache import PageCache
from rostra.services.ports import Clock, ReplicaUnavailableError, Storage, Transaction

MAX_COUNT_PAGES = 100
# Up to this many replies under a page's top-level comments, the page is read by single indexed
# statements (Storage.glance); more are read in a transaction on the driver's thread.
GLANCED_REPLIES = 300


@dataclass(frozen=True, slots=True)
class PageRevision:
    """What a page for readers without votes was made from: the thread's row (its version,
    settings, featured count, its site's reactions and read-only age) and whether the thread
    was closed as of that read. While both are the same, so is the page, whatever else was
    committed meanwhile (``ThreadReader.still_current``)."""

    thread: Thread
    closed: bool


@dataclass(frozen=True, slots=True)
class ThreadQuery:
    """Which part of a thread a reader asks for."""

    site: str
    page: str
    sort: Sort = Sort.NEWEST
    limit: int = 20
    cursor: str | None = None
    anchored: bool | None = None


@dataclass(frozen=True, slots=True)
class ThreadPage:
    """One page of top-level comments with their replies arranged, plus the reader's votes.

    ``cache_key`` names this exact content (thread version and query) for the reader-independent
    part; the same key always means the same comments.
    """

    site: str
    page: str
    title: str | None
    comment_count: int
    comments: list[CommentNode]
    next_cursor: str | None
    my_votes: dict[str, int]
    cache_key: str | None = None
    reactions: tuple[str, ...] = ()  # the site's set
    my_reactions: dict[str, str] = field(default_factory=dict)
    # Per-article settings (docs/editorial-controls.md); ``closed`` also counts the site's
    # read-only age, as of this read.
    settings: ThreadSettings = field(default_factory=ThreadSettings)
    featured_count: int = 0
    read_only_from: datetime | None = None
    closed: bool = False
    revision: PageRevision | None = None


@dataclass(frozen=True, slots=True)
class _ArrangedPage:
    """What a page shows to every reader: cached per thread version."""

    comments: list[CommentNode]
    next_cursor: str | None
    comment_ids: list[str]


class ThreadReader:
    """Thread pages and counts: arranged pages kept per thread version, and whole answers kept
    while ``Storage.changes`` stays put."""

    def __init__(
        self,
        storage: Storage,
        cached_pages: int,
        max_depth: int,
        metrics: Metrics,
        clock: Clock | None = None,
    ) -> None:
        self._clock = clock
        self._storage = storage
        self._max_depth = max_depth
        self._metrics = metrics
        self._pages: PageCache[tuple[object, ...], _ArrangedPage] = PageCache(cached_pages)
        self._making: dict[
            tuple[object, ...], asyncio.Future[tuple[Thread, _ArrangedPage] | None]
        ] = {}
        # Answers that hold until the next commit anywhere (Storage.changes), keyed by question.
        self._unchanged: PageCache[tuple[object, ...], tuple[Hashable, object]] = PageCache(
            cached_pages
        )

    async def read_thread(self, query: ThreadQuery, caller: Caller) -> ThreadPage:
        """One page of a thread's top-level comments, each with its replies nested."""
        found = await self._read_page(query, caller)
        if found.read_only_from is None or found.closed or self._clock is None:
            return found
        # The site's read-only age closes a thread without any write: judged at each read.
        if self._clock.now() < found.read_only_from:
            return found
        revision = found.revision and replace(found.revision, closed=True)
        return replace(found, closed=True, cache_key=f"{found.cache_key}:closed", revision=revision)

    async def still_current(self, revisions: Sequence[PageRevision]) -> list[bool]:
        """Whether pages made from ``revisions`` are still the pages: one statement reads the
        threads' rows by id, where building the pages again would read and arrange their
        comments."""
        async with self._storage.glance() as look:
            found = await look.threads.find_many(list({r.thread.id for r in revisions}))
        now = self._clock.now() if self._clock else None
        held = []
        for revision in revisions:
            thread = found.get(revision.thread.id)
            closed = None
            if thread is not None:
                closed = thread.is_closed(now) if now else thread.settings.closed
            same = thread is revision.thread or thread == revision.thread
            held.append(same and closed == revision.closed)
        return held

    async def _read_page(self, query: ThreadQuery, caller: Caller) -> ThreadPage:
        page = validate_page(query.page)
        limit = validate_limit(query.limit)
        after = Cursor.decode(query.cursor, query.sort) if query.cursor else None
        if caller.voter:  # the answer carries this reader's votes
            return await self._read_thread(query, caller, page, limit, after)
        # While nothing at all was committed, the same question has the same answer.
        stamp = self._storage.changes()
        memo_key = ("page", query.site, page, query.sort, limit, query.cursor, query.anchored)
        if stamp is not None and (memo := self._unchanged.get(memo_key)) and memo[0] == stamp:
            return cast(ThreadPage, memo[1])
        result = await self._read_thread(query, caller, page, limit, after)
        if stamp is not None:
            self._unchanged.put(memo_key, (stamp, result))
        return result

    async def _read_thread(
        self, query: ThreadQuery, caller: Caller, page: str, limit: int, after: Cursor | None
    ) -> ThreadPage:
        # Most reads find the page already arranged for the thread's current version: that
        # takes one indexed lookup (two with the reader's votes) and no transaction.
        async with self._storage.glance() as look:
            thread = await look.threads.find(query.site, page)
            key = (
                (thread.id, thread.version, query.sort, limit, after, query.anchored)
                if thread
                else None
            )
            arranged = self._pages.get(key) if key else None
            if thread and key and arranged is None and self._builds_here(key):
                # Built on this connection from the version just read: a second check-out and
                # lookup of the thread cost about a tenth of a build on PostgreSQL.
                thread, arranged = await self._build(key, thread, query, limit, after, look)
            if thread is not None and arranged is not None:
                return self._page(
                    thread, query, limit, arranged, *await _mine(look, caller, thread, arranged)
                )
        if thread is None or key is None:
            async with self._storage.read() as tx:
                site = await site_named(tx, query.site)
            return ThreadPage(site.name, page, None, 0, [], None, {}, reactions=site.reactions)
        # One build per page and thread version: readers who arrive while it is made wait for
        # it rather than each making the same page again (a hot thread's new version otherwise
        # sent every waiting reader into the same build).
        making = self._making.get(key)
        built = await asyncio.shield(making) if making is not None else None
        if built is None:  # none under way, or it failed: this reader builds
            built = await self._build(key, thread, query, limit, after)
        thread, arranged = built
        if _voter_on(caller, arranged) is None:  # no connection to take for an anonymous reader
            return self._page(thread, query, limit, arranged, {}, {})
        async with self._storage.glance() as look:
            mine = await _mine(look, caller, thread, arranged)
        return self._page(thread, query, limit, arranged, *mine)

    def _builds_here(self, key: tuple[object, ...]) -> bool:
        """Whether a reader who found no page for ``key`` builds it on the connection of its
        glance: when no other reader builds it already (it waits for that one, holding no
        connection) and no replica could serve it (the primary's connection is not held
        while a replica reads)."""
        return key not in self._making and not self._storage.has_replicas()

    async def _build(
        self,
        key: tuple[object, ...],
        current: Thread,
        query: ThreadQuery,
        limit: int,
        after: Cursor | None,
        look: Transaction | None = None,
    ) -> tuple[Thread, _ArrangedPage]:
        """Arrange the page for ``current``'s version (or a later one) and keep it; readers of
        the same ``key`` meanwhile get this result. ``look``: the primary's glance that read
        ``current``, to build on (no replica is tried then)."""
        making: asyncio.Future[tuple[Thread, _ArrangedPage] | None]
        making = asyncio.get_running_loop().create_future()
        self._making[key] = making
        built: tuple[Thread, _ArrangedPage] | None = None
        try:
            if look is None:
                built = await self._read_on_replica(current, query, limit, after)
            if built is None:
                built = await self._build_on_primary(current, query, limit, after, look)
            thread, arranged = built
            self._pages.put(
                (thread.id, thread.version, query.sort, limit, after, query.anchored), arranged
            )
            return built
        finally:
            if self._making.get(key) is making:
                del self._making[key]
            making.set_result(built)

    async def _read_on_replica(
        self, current: Thread, query: ThreadQuery, limit: int, after: Cursor | None
    ) -> tuple[Thread, _ArrangedPage] | None:
        """The page as a read replica has it, if one answers and holds at least ``current``
        version of the thread (what the primary had as this read began): nobody, the writer
        included, reads a page older than their own last change. None otherwise."""
        try:
            async with self._storage.replica_read() as tx:
                if tx is None:
                    return None
                thread = await tx.threads.find(current.site, current.page)
                if thread is None or thread.version < current.version:
                    self._metrics.replica_read("behind")
                    return None
                arranged = await self._arrange(tx, thread.id, query, after, limit)
        except ReplicaUnavailableError:
            self._metrics.replica_read("unavailable")
            return None
        self._metrics.replica_read("served")
        return thread, arranged

    @staticmethod
    def _page(
        thread: Thread,
        query: ThreadQuery,
        limit: int,
        arranged: _ArrangedPage,
        my_votes: dict[str, int],
        my_reactions: dict[str, str],
    ) -> ThreadPage:
        # The site's reactions come with the thread row, not its version: they are in the key.
        return ThreadPage(
            thread.site,
            thread.page,
            thread.title,
            thread.comment_count,
            arranged.comments,
            arranged.next_cursor,
            my_votes,
            cache_key=f"{thread.id}:{thread.version}:{query.sort}:{limit}:"
            f"{query.cursor}:{query.anchored}:{'|'.join(thread.reactions)}",
            settings=thread.settings,
            featured_count=thread.featured_count,
            read_only_from=thread.read_only_from(),
            closed=thread.settings.closed,
            reactions=thread.reactions,
            my_reactions=my_reactions,
            revision=PageRevision(thread, thread.settings.closed),
        )

    async def _build_on_primary(
        self,
        current: Thread,
        query: ThreadQuery,
        limit: int,
        after: Cursor | None,
        look: Transaction | None = None,
    ) -> tuple[Thread, _ArrangedPage]:
        """The page from the primary database, by index lookups that each see the latest
        commit (on SQLite they run on this thread: the hand-offs to a driver thread cost more
        than the statements), on ``look`` when given. The thread's version is read first
        (``current`` from ``look``, else again here), so the page is never older than the
        version it is kept under. A page whose comments have many replies reads those in a
        transaction on the driver's thread, so as not to hold up other requests."""
        opened = look is None
        async with self._storage.glance() if look is None else nullcontext(look) as look:
            thread = current
            if opened:
                thread = await look.threads.find(current.site, current.page) or current
            if query.sort is Sort.FEATURED:
                return thread, await self._featured(look, thread.id, limit)
            roots = await look.comments.list_roots(
                thread.id, sort=query.sort, after=after, limit=limit + 1, anchored=query.anchored
            )
            if sum(root.descendant_count for root in roots) <= GLANCED_REPLIES:
                return thread, await self._arranged(look, roots, query, limit)
        async with self._storage.read() as tx:
            return thread, await self._arranged(tx, roots, query, limit)

    async def _arrange(
        self, tx: Transaction, thread_id: int, query: ThreadQuery, after: Cursor | None, limit: int
    ) -> _ArrangedPage:
        if query.sort is Sort.FEATURED:
            return await self._featured(tx, thread_id, limit)
        roots = await tx.comments.list_roots(
            thread_id, sort=query.sort, after=after, limit=limit + 1, anchored=query.anchored
        )
        return await self._arranged(tx, roots, query, limit)

    @staticmethod
    async def _featured(tx: Transaction, thread_id: int, limit: int) -> _ArrangedPage:
        """Staff's picks, most recently featured first, each alone (its place in the
        conversation is in the other tabs): one page."""
        picks = await with_images(tx, await tx.comments.list_featured(thread_id, limit))
        return _ArrangedPage([CommentNode(c, 0) for c in picks], None, [c.id for c in picks])

    async def _arranged(
        self, tx: Transaction, roots: list[Comment], query: ThreadQuery, limit: int
    ) -> _ArrangedPage:
        """``roots`` (``limit`` + 1 asked, pinned ones first) with their replies arranged."""
        pinned = [root for root in roots if root.pinned]  # first page only
        roots = [root for root in roots if not root.pinned]
        has_more = len(roots) > limit
        roots = roots[:limit]
        last = roots[-1] if roots else None
        roots = pinned + roots
        replies = await tx.comments.list_replies([root.id for root in roots])
        shown = await with_images(tx, roots + replies)  # one statement for the whole page
        roots, replies = shown[: len(roots)], shown[len(roots) :]
        by_root: dict[str, list[Comment]] = {}
        for reply in replies:
            by_root.setdefault(reply.root_id or "", []).append(reply)
        nodes = [
            node
            for root in roots
            if (node := arrange_replies(root, by_root.get(root.id, ()), max_depth=self._max_depth))
        ]
        next_cursor = Cursor.after(query.sort, last).encode() if has_more and last else None
        ids = [root.id for root in roots] + [reply.id for reply in replies]
        return _ArrangedPage(nodes, next_cursor, ids)

    async def count_comments(self, site_name: str, pages: Sequence[str]) -> dict[str, int]:
        """Published-comment counts for up to 100 pages of one site; unknown pages count 0."""
        if len(pages) > MAX_COUNT_PAGES:
            raise ValidationError(
                f"Ask for at most {MAX_COUNT_PAGES} pages at once.", field="pages"
            )
        checked = [validate_page(page) for page in pages]
        stamp = self._storage.changes()
        memo_key = ("counts", site_name, *checked)
        found: dict[str, int] | None = None
        if stamp is not None and (memo := self._unchanged.get(memo_key)) and memo[0] == stamp:
            found = cast(dict[str, int], memo[1])
        else:
            async with self._storage.glance() as tx:
                found = await tx.threads.counts(site_name, checked)
            if found is None:
                raise no_such_site(site_name)
            if stamp is not None:
                self._unchanged.put(memo_key, (stamp, found))
        return {page: found.get(clean, 0) for page, clean in zip(pages, checked, strict=True)}


def _voter_on(caller: Caller, arranged: _ArrangedPage) -> str | None:
    """The reader's voter id when the page may hold their votes or reactions, else None."""
    return caller.voter if caller.voter and arranged.comment_ids else None


async def _mine(
    tx: Transaction, caller: Caller, thread: Thread, arranged: _ArrangedPage
) -> tuple[dict[str, int], dict[str, str]]:
    """The reader's own votes and reactions on the comments of a page (none for readers
    without a voter id; no reactions where the site offers none)."""
    voter = _voter_on(caller, arranged)
    if voter is None:
        return {}, {}
    votes = await tx.votes.for_voter(voter, arranged.comment_ids)
    if not thread.reactions:
        return votes, {}
    return votes, await tx.reactions.for_voter(voter, arranged.comment_ids)


async def site_named(tx: Transaction, name: str) -> Site:
    """The site called ``name``; ``NotFoundError`` naming the field when there is none."""
    site = await tx.sites.get(name)
    if site is None:
        raise no_such_site(name)
    return site


def no_such_site(name: str) -> NotFoundError:
    return NotFoundError(f"There is no site called {name!r}.", field="site")
