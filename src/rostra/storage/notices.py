"""EU DSA notices in SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from rostra.domain.dsa import Notice, NoticeStatus
from rostra.domain.times import from_us, to_us
from rostra.storage.tables import dsa_notices, sites

_COLUMNS = (*dsa_notices.c, sites.c.name.label("site_name"))


def _notice(row: Any) -> Notice:
    return Notice(
        id=row.id,
        site=row.site_name,
        comment_id=row.comment_id,
        comment_body=row.comment_body,
        category=row.category,
        explanation=row.explanation,
        notifier_name=row.notifier_name,
        notifier_email=row.notifier_email,
        status=NoticeStatus(row.status),
        decision_reason=row.decision_reason,
        decided_by=row.decided_by,
        decided_at=from_us(row.decided_us) if row.decided_us is not None else None,
        created_at=from_us(row.created_us),
        lang=row.lang,
    )


def _select() -> sa.Select[Any]:
    return sa.select(*_COLUMNS).join(sites, sites.c.id == dsa_notices.c.site_id)


class SqlNoticeRecords:
    """``NoticeRecords`` on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, notice: Notice) -> None:
        site_id = sa.select(sites.c.id).where(sites.c.name == notice.site).scalar_subquery()
        await self._conn.execute(
            dsa_notices.insert().values(
                id=notice.id,
                site_id=site_id,
                comment_id=notice.comment_id,
                comment_body=notice.comment_body,
                category=notice.category,
                explanation=notice.explanation,
                notifier_name=notice.notifier_name,
                notifier_email=notice.notifier_email,
                status=notice.status.value,
                decision_reason=notice.decision_reason,
                created_us=to_us(notice.created_at),
                lang=notice.lang,
            )
        )

    async def get(self, notice_id: str) -> Notice | None:
        row = (await self._conn.execute(_select().where(dsa_notices.c.id == notice_id))).first()
        return _notice(row) if row else None

    async def listed(
        self,
        *,
        site: str | None,
        status: NoticeStatus | None,
        since: datetime | None,
        until: datetime | None,
        limit: int,
        offset: int,
    ) -> list[Notice]:
        n = dsa_notices.c
        query = _select()
        if site is not None:
            query = query.where(sites.c.name == site)
        if status is not None:
            query = query.where(n.status == status.value)
        if since is not None:
            query = query.where(n.created_us >= to_us(since))
        if until is not None:
            query = query.where(n.created_us < to_us(until))
        result = await self._conn.execute(
            query.order_by(n.created_us, n.id).limit(limit).offset(offset)
        )
        return [_notice(row) for row in result]

    async def decide(
        self, notice_id: str, status: NoticeStatus, reason: str, actor: str, at: datetime
    ) -> None:
        await self._conn.execute(
            dsa_notices.update()
            .where(dsa_notices.c.id == notice_id)
            .values(
                status=status.value, decision_reason=reason, decided_by=actor, decided_us=to_us(at)
            )
        )

    async def open_for_comment(self, comment_id: str) -> list[Notice]:
        n = dsa_notices.c
        result = await self._conn.execute(
            _select()
            .where(n.comment_id == comment_id, n.status == NoticeStatus.OPEN.value)
            .order_by(n.created_us)
        )
        return [_notice(row) for row in result]

    async def purge_decided_before(self, moment: datetime) -> int:
        n = dsa_notices.c
        result = await self._conn.execute(
            dsa_notices.delete().where(
                n.status != NoticeStatus.OPEN.value, n.decided_us < to_us(moment)
            )
        )
        return int(result.rowcount or 0)
