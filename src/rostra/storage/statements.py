"""EU DSA statements of reasons and the authors' appeals, in SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from rostra.domain.dsa import AppealStatus, Statement
from rostra.domain.times import from_us, to_us
from rostra.storage.tables import dsa_statements, sites

_COLUMNS = (*dsa_statements.c, sites.c.name.label("site_name"))


def _moment(value: int | None) -> datetime | None:
    return from_us(value) if value is not None else None


def _statement(row: Any) -> Statement:
    return Statement(
        id=row.id,
        site=row.site_name,
        comment_id=row.comment_id,
        decision=row.decision,
        ground=row.ground,
        comment_excerpt=row.comment_excerpt,
        notice_id=row.notice_id,
        automated=bool(row.automated),
        decided_by=row.decided_by,
        recipient=row.recipient,
        created_at=from_us(row.created_us),
        appeal_text=row.appeal_text,
        appeal_status=AppealStatus(row.appeal_status) if row.appeal_status else None,
        appealed_at=_moment(row.appealed_us),
        appeal_reason=row.appeal_reason,
        appeal_decided_by=row.appeal_decided_by,
        appeal_decided_at=_moment(row.appeal_decided_us),
    )


def _select() -> sa.Select[Any]:
    return sa.select(*_COLUMNS).join(sites, sites.c.id == dsa_statements.c.site_id)


class SqlStatementRecords:
    """``StatementRecords`` on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, statement: Statement) -> None:
        site_id = sa.select(sites.c.id).where(sites.c.name == statement.site).scalar_subquery()
        await self._conn.execute(
            dsa_statements.insert().values(
                id=statement.id,
                site_id=site_id,
                comment_id=statement.comment_id,
                decision=statement.decision,
                ground=statement.ground,
                comment_excerpt=statement.comment_excerpt,
                notice_id=statement.notice_id,
                automated=statement.automated,
                decided_by=statement.decided_by,
                recipient=statement.recipient,
                created_us=to_us(statement.created_at),
            )
        )

    async def get(self, statement_id: str) -> Statement | None:
        row = (
            await self._conn.execute(_select().where(dsa_statements.c.id == statement_id))
        ).first()
        return _statement(row) if row else None

    async def appeal(self, statement_id: str, text: str, at: datetime) -> bool:
        s = dsa_statements.c
        result = await self._conn.execute(
            dsa_statements.update()
            .where(s.id == statement_id, s.appeal_status.is_(None))
            .values(appeal_text=text, appeal_status=AppealStatus.OPEN.value, appealed_us=to_us(at))
        )
        return bool(result.rowcount)

    async def decide_appeal(
        self, statement_id: str, status: AppealStatus, reason: str, actor: str, at: datetime
    ) -> bool:
        s = dsa_statements.c
        result = await self._conn.execute(
            dsa_statements.update()
            .where(s.id == statement_id, s.appeal_status == AppealStatus.OPEN.value)
            .values(
                appeal_status=status.value,
                appeal_reason=reason,
                appeal_decided_by=actor,
                appeal_decided_us=to_us(at),
            )
        )
        return bool(result.rowcount)

    async def appeals(self, *, status: AppealStatus, limit: int, offset: int) -> list[Statement]:
        s = dsa_statements.c
        result = await self._conn.execute(
            _select()
            .where(s.appeal_status == status.value)
            .order_by(s.appealed_us, s.id)
            .limit(limit)
            .offset(offset)
        )
        return [_statement(row) for row in result]

    async def listed(
        self,
        *,
        site: str | None,
        since: datetime | None,
        until: datetime | None,
        limit: int,
        offset: int,
    ) -> list[Statement]:
        s = dsa_statements.c
        query = _select()
        if site is not None:
            query = query.where(sites.c.name == site)
        if since is not None:
            query = query.where(s.created_us >= to_us(since))
        if until is not None:
            query = query.where(s.created_us < to_us(until))
        result = await self._conn.execute(
            query.order_by(s.created_us, s.id).limit(limit).offset(offset)
        )
        return [_statement(row) for row in result]

    async def purge_before(self, moment: datetime) -> int:
        """Statements older than ``moment`` whose appeal (if any) is decided."""
        s = dsa_statements.c
        result = await self._conn.execute(
            dsa_statements.delete().where(
                s.created_us < to_us(moment),
                sa.or_(s.appeal_status.is_(None), s.appeal_status != AppealStatus.OPEN.value),
            )
        )
        return int(result.rowcount or 0)
