"""A site's chat-alert settings in SQL (one row per site), and the queue size they watch."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from rostra.domain.comments import CommentStatus
from rostra.storage.tables import chat_alerts, comments, sites, threads


def _site_id(site: str) -> sa.ScalarSelect[int]:
    return sa.select(sites.c.id).where(sites.c.name == site).scalar_subquery()


class SqlChatAlertRepository:
    """``ChatAlertRepository`` on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, site: str) -> dict[str, object] | None:
        stored = await self._conn.scalar(
            sa.select(chat_alerts.c.settings).where(chat_alerts.c.site_id == _site_id(site))
        )
        return dict(stored) if stored else None

    async def put(self, site: str, settings: dict[str, object], at_us: int) -> None:
        await self.delete(site)
        await self._conn.execute(
            chat_alerts.insert().values(site_id=_site_id(site), settings=settings, updated_us=at_us)
        )

    async def delete(self, site: str) -> bool:
        result = await self._conn.execute(
            chat_alerts.delete().where(chat_alerts.c.site_id == _site_id(site))
        )
        return bool(result.rowcount)

    async def pending_count(self, site: str) -> int:
        count = await self._conn.scalar(
            sa.select(sa.func.count())
            .select_from(comments.join(threads, threads.c.id == comments.c.thread_id))
            .where(
                threads.c.site_id == _site_id(site),
                comments.c.status == CommentStatus.PENDING.value,
            )
        )
        return int(count or 0)
