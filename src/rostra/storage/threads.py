"""Threads in SQL."""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from rostra.domain.comments import CommentStatus
from rostra.domain.reactions import site_reactions
from rostra.domain.threads import Thread, ThreadSettings
from rostra.domain.times import from_us, to_us
from rostra.services.clock import SystemClock
from rostra.storage.prebuilt import prebuilt
from rostra.storage.tables import comments, sites, threads
from rostra.storage.thread_turns import HeldThreads

# The thread's published picks, through the partial index of picked comments: nearly always
# an empty range.
_FEATURED_COUNT = (
    sa.select(sa.func.count())
    .select_from(comments)
    .where(
        comments.c.thread_id == threads.c.id,
        comments.c.featured_us.is_not(None),
        comments.c.status == CommentStatus.PUBLISHED.value,
    )
    .correlate(threads)
    .scalar_subquery()
)

THREAD_COLUMNS = (
    threads.c.id,
    sites.c.name.label("site"),
    threads.c.page,
    threads.c.title,
    threads.c.comment_count,
    threads.c.version,
    sites.c.reactions.label("site_reactions"),
    threads.c.settings,
    threads.c.created_us,
    # The site's read-only age, from its moderation settings (JSON on both databases).
    sites.c.moderation["read_only_after_days"].as_integer().label("read_only_days"),
    _FEATURED_COUNT.label("featured_count"),
)


# Built once: every thread read starts here, and a statement object keeps its cache key.
_FIND = prebuilt(
    sa.select(*THREAD_COLUMNS)
    .join_from(threads, sites, threads.c.site_id == sites.c.id)
    .where(sites.c.name == sa.bindparam("site"), threads.c.page == sa.bindparam("page"))
)


# Many threads by id at once: whether kept pages still hold after a commit elsewhere. An IN list
# expanded per call, not ``in_list``: SQLite answers "id IN (SELECT value FROM json_each(?))" by
# scanning every thread (test_query_plans), where the expanded list probes the primary key.
_FIND_MANY = (
    sa.select(*THREAD_COLUMNS)
    .join_from(threads, sites, threads.c.site_id == sites.c.id)
    .where(threads.c.id.in_(sa.bindparam("ids", expanding=True)))
)


_ADJUST_COUNT = prebuilt(
    threads.update()
    .where(threads.c.id == sa.bindparam("thread"))
    .values(comment_count=threads.c.comment_count + sa.bindparam("delta"))
)


# The Thread last made from each thread's row, with the row: an unchanged row gives the same
# (immutable) object again. After each commit the kept pages' threads are read back by the
# hundred to see whether they changed (``find_many``); making each one anew cost ten times the
# statement, and the same object lets the comparison stop at identity.
_MADE: OrderedDict[int, tuple[tuple[Any, ...], Thread]] = OrderedDict()
_MADE_MAX = 4_096  # more than the pages a worker keeps checking (MAX_CHECKED)


def _thread(row: Any) -> Thread:
    raw = tuple(row)
    made = _MADE.get(row.id)
    if made is not None and made[0] == raw:
        return made[1]
    thread = _new_thread(row)
    _MADE[row.id] = (raw, thread)
    if len(_MADE) > _MADE_MAX:
        _MADE.popitem(last=False)  # the first made goes: no bookkeeping on the hits
    return thread


def _new_thread(row: Any) -> Thread:
    return Thread(
        row.id,
        row.site,
        row.page,
        row.title,
        row.comment_count,
        row.version,
        site_reactions(row.site_reactions),
        settings=ThreadSettings.from_json(row.settings),
        created_at=from_us(row.created_us),
        read_only_days=row.read_only_days or 0,
        featured_count=row.featured_count or 0,
    )


class SqlThreadRepository:
    """``ThreadRepository`` on one connection."""

    def __init__(self, conn: AsyncConnection, held: HeldThreads) -> None:
        self._conn = conn
        self._held = held

    def _select(self) -> sa.Select[Any]:
        return sa.select(*THREAD_COLUMNS).join_from(threads, sites, threads.c.site_id == sites.c.id)

    async def find(self, site: str, page: str) -> Thread | None:
        row = (await self._conn.execute(_FIND, {"site": site, "page": page})).first()
        return _thread(row) if row else None

    async def find_many(self, thread_ids: Sequence[int]) -> dict[int, Thread]:
        if not thread_ids:
            return {}
        result = await self._conn.execute(_FIND_MANY, {"ids": list(thread_ids)})
        return {thread.id: thread for thread in map(_thread, result)}

    async def get_by_id(self, thread_id: int) -> Thread:
        result = await self._conn.execute(self._select().where(threads.c.id == thread_id))
        return _thread(result.one())

    async def find_by_id(self, thread_id: int) -> Thread | None:
        if not 0 < thread_id < 2**31:  # the column is a 32-bit integer on PostgreSQL
            return None
        row = (await self._conn.execute(self._select().where(threads.c.id == thread_id))).first()
        return _thread(row) if row else None

    async def set_settings(self, thread_id: int, settings: ThreadSettings) -> None:
        await self._conn.execute(
            threads.update()
            .where(threads.c.id == thread_id)
            .values(settings=None if settings.is_default else settings.to_json())
        )

    async def lock(self, thread_id: int) -> None:
        if self._conn.dialect.name == "sqlite":
            return  # a write transaction there (BEGIN IMMEDIATE) already excludes every other
        # NO KEY UPDATE: does not conflict with the key-share locks that inserting rows which
        # reference the thread take (FOR UPDATE would, and deadlock concurrent writers).
        await self._conn.execute(
            sa.select(threads.c.id).where(threads.c.id == thread_id).with_for_update(key_share=True)
        )
        self._held.locked(thread_id)

    async def get_or_create(
        self, site: str, page: str, title: str | None, now: datetime | None = None
    ) -> Thread:
        # Nearly always found: a thread exists after its first comment.
        thread = await self.find(site, page)
        if thread is None:
            site_id = sa.select(sites.c.id).where(sites.c.name == site).scalar_subquery()
            insert = postgresql.insert if self._conn.dialect.name == "postgresql" else sqlite.insert
            # ON CONFLICT makes two first comments on a page, arriving together, share a thread.
            await self._conn.execute(
                insert(threads)
                .values(
                    site_id=site_id,
                    page=page,
                    title=title,
                    created_us=to_us(now or SystemClock().now()),
                )
                .on_conflict_do_nothing(index_elements=["site_id", "page"])
            )
            thread = await self.find(site, page)
            assert thread is not None  # noqa: S101 - inserted or found just above
        if title and not thread.title:
            await self._conn.execute(
                threads.update().where(threads.c.id == thread.id).values(title=title)
            )
            self._held.locked(thread.id)  # the update holds the row until commit
            thread = dataclasses.replace(thread, title=title)
        return thread

    async def adjust_count(self, thread_id: int, delta: int) -> None:
        await self._conn.execute(_ADJUST_COUNT, {"thread": thread_id, "delta": delta})

    async def counts(self, site: str, pages: Sequence[str]) -> dict[str, int] | None:
        # The site's row comes back even when no page has a thread, which tells "no such
        # site" apart from "no comments" in the same statement.
        matching = sa.and_(threads.c.site_id == sites.c.id, threads.c.page.in_(list(set(pages))))
        result = await self._conn.execute(
            sa.select(sites.c.id, threads.c.page, threads.c.comment_count)
            .select_from(sites.outerjoin(threads, matching))
            .where(sites.c.name == site)
        )
        rows = result.all()
        if not rows:
            return None
        return {row.page: row.comment_count for row in rows if row.page is not None}
