"""Feeds in SQL: the newest published comments of a site or a page, and their version."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from rostra.domain.comments import CommentStatus
from rostra.services.feeds import FeedItem
from rostra.storage.comments import PUBLIC_COLUMNS
from rostra.storage.rows import to_comment
from rostra.storage.tables import comments, sites, threads


class SqlFeedRepository:
    """``FeedRepository`` on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def version(self, site: str, page: str | None) -> int:
        query = (
            sa.select(sa.func.max(threads.c.version))
            .select_from(threads.join(sites, sites.c.id == threads.c.site_id))
            .where(sites.c.name == site)
        )
        if page is not None:
            query = query.where(threads.c.page == page)
        return int(await self._conn.scalar(query) or 0)

    async def latest(self, site: str, page: str | None, limit: int) -> list[FeedItem]:
        query = (
            sa.select(*PUBLIC_COLUMNS, threads.c.page, threads.c.title.label("page_title"))
            .select_from(
                comments.join(threads, threads.c.id == comments.c.thread_id).join(
                    sites, sites.c.id == threads.c.site_id
                )
            )
            .where(sites.c.name == site, comments.c.status == CommentStatus.PUBLISHED.value)
            .order_by(comments.c.created_us.desc(), comments.c.id.desc())
            .limit(limit)
        )
        if page is not None:
            query = query.where(threads.c.page == page)
        rows = await self._conn.execute(query)
        return [FeedItem(to_comment(row), row.page, row.page_title) for row in rows]
