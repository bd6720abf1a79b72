"""Reading threads: one page of a thread with its replies arranged, and comment counts for many
pages, answered from memory while nothing changed (issue 4). ``CommentService`` hands its reads
here; writing comments stays in ``rostra.services.comments``."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import cast

from rostra.domain.comments import Comment
from rostra.domain.errors import NotFoundError, ValidationError
from rostra.domain.paging import Cursor, Sort, validate_limit
from rostra.domain.sites import Site
from rostra.domain.threads import CommentNode, Thread, arrange_replies, validate_page
from rostra.services.callers import Caller
from rostra.services.images import with_images
from rostra.services.metrics_ports import Metrics
from rostra.services.page_cache import PageCache
from rostra.services.ports import ReplicaUnavailableError, Storage, Transaction

MAX_COUNT_PAGES = 100


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
        self, storage: Storage, cached_pages: int, max_depth: int, metrics: Metrics
    ) -> None:
        self._storage = storage
        self._max_depth = max_depth
        self._metrics = metrics
        self._pages: PageCache[tuple[object, ...], _ArrangedPage] = PageCache(cached_pages)
        # Answers that hold until the next commit anywhere (Storage.changes), keyed by question.
        self._unchanged: PageCache[tuple[object, ...], tuple[Hashable, object]] = PageCache(
            cached_pages
        )

    async def read_thread(self, query: ThreadQuery, caller: Caller) -> ThreadPage:
        """One page of a thread's top-level comments, each with its replies nested."""
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
            if thread is not None and arranged is not None:
                return self._page(
                    thread, query, limit, arranged, await _my_votes(look, caller, arranged)
                )
        if thread is not None and (
            replicated := await self._read_on_replica(thread, query, caller, limit, after)
        ):
            return replicated
        async with self._storage.read() as tx:
            thread = await tx.threads.find(query.site, page)
            if thread is None:
                site = await site_named(tx, query.site)
                return ThreadPage(site.name, page, None, 0, [], None, {})
            key = (thread.id, thread.version, query.sort, limit, after, query.anchored)
            arranged = self._pages.get(key)
            if arranged is None:
                arranged = await self._arrange(tx, thread.id, query, after, limit)
                self._pages.put(key, arranged)
            return self._page(thread, query, limit, arranged, await _my_votes(tx, caller, arranged))

    async def _read_on_replica(
        self, current: Thread, query: ThreadQuery, caller: Caller, limit: int, after: Cursor | None
    ) -> ThreadPage | None:
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
                self._pages.put(
                    (thread.id, thread.version, query.sort, limit, after, query.anchored), arranged
                )
                my_votes = await _my_votes(tx, caller, arranged)
        except ReplicaUnavailableError:
            self._metrics.replica_read("unavailable")
            return None
        self._metrics.replica_read("served")
        return self._page(thread, query, limit, arranged, my_votes)

    @staticmethod
    def _page(
        thread: Thread,
        query: ThreadQuery,
        limit: int,
        arranged: _ArrangedPage,
        my_votes: dict[str, int],
    ) -> ThreadPage:
        return ThreadPage(
            thread.site,
            thread.page,
            thread.title,
            thread.comment_count,
            arranged.comments,
            arranged.next_cursor,
            my_votes,
            cache_key=f"{thread.id}:{thread.version}:{query.sort}:{limit}:"
            f"{query.cursor}:{query.anchored}",
        )

    async def _arrange(
        self, tx: Transaction, thread_id: int, query: ThreadQuery, after: Cursor | None, limit: int
    ) -> _ArrangedPage:
        roots = await tx.comments.list_roots(
            thread_id, sort=query.sort, after=after, limit=limit + 1, anchored=query.anchored
        )
        pinned = [root for root in roots if root.pinned]  # first page only (issue 5)
        roots = [root for root in roots if not root.pinned]
        has_more = len(roots) > limit
        roots = roots[:limit]
        last = roots[-1] if roots else None
        roots = pinned + roots
        replies = await tx.comments.list_replies([root.id for root in roots])
        roots, replies = await with_images(tx, roots), await with_images(tx, replies)
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


async def _my_votes(tx: Transaction, caller: Caller, arranged: _ArrangedPage) -> dict[str, int]:
    """The reader's own votes on the comments of a page (none for readers without a voter id)."""
    if not caller.voter or not arranged.comment_ids:
        return {}
    return await tx.votes.for_voter(caller.voter, arranged.comment_ids)


async def site_named(tx: Transaction, name: str) -> Site:
    """The site called ``name``; ``NotFoundError`` naming the field when there is none."""
    site = await tx.sites.get(name)
    if site is None:
        raise no_such_site(name)
    return site


def no_such_site(name: str) -> NotFoundError:
    return NotFoundError(f"There is no site called {name!r}.", field="site")
