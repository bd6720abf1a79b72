"""Bans, reader reports, the moderation queue and the audit log in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from rostra.domain.comments import CommentStatus
from rostra.domain.staff import AuditEntry, Ban, BanKind, StaffAction
from rostra.domain.times import from_us, to_us
from rostra.services.staff_ports import QueueItem
from rostra.storage.comments import PUBLIC_COLUMNS
from rostra.storage.prebuilt import prebuilt
from rostra.storage.rows import to_comment
from rostra.storage.tables import audit_log, bans, comment_reports, comments, sites, threads

# Built once: every new comment is checked against the bans. Two (kind, value) pairs cover an
# author's email and address digests; a single pair is passed twice.
_BANNED = prebuilt(
    sa.select(bans.c.id)
    .where(
        sa.or_(
            sa.and_(bans.c.kind == sa.bindparam("kind_a"), bans.c.value == sa.bindparam("a")),
            sa.and_(bans.c.kind == sa.bindparam("kind_b"), bans.c.value == sa.bindparam("b")),
        ),
        sa.or_(bans.c.expires_us.is_(None), bans.c.expires_us > sa.bindparam("now")),
    )
    .limit(1)
)


class SqlStaffRecords:
    """``StaffRecords`` on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_ban(
        self,
        kind: BanKind,
        value: str,
        reason: str,
        created_by: str,
        created_at: datetime,
        expires_at: datetime | None,
    ) -> int:
        result = await self._conn.execute(
            bans.insert()
            .values(
                kind=kind.value,
                value=value,
                reason=reason,
                created_by=created_by,
                created_us=to_us(created_at),
                expires_us=to_us(expires_at) if expires_at else None,
            )
            .returning(bans.c.id)
        )
        return int(result.scalar_one())

    async def remove_ban(self, ban_id: int) -> bool:
        result = await self._conn.execute(bans.delete().where(bans.c.id == ban_id))
        return bool(result.rowcount)

    def _in_force(self, now: datetime) -> sa.ColumnElement[bool]:
        return sa.or_(bans.c.expires_us.is_(None), bans.c.expires_us > to_us(now))

    async def list_bans(self, now: datetime) -> list[Ban]:
        result = await self._conn.execute(
            sa.select(bans).where(self._in_force(now)).order_by(bans.c.id.desc())
        )
        return [
            Ban(
                id=int(row.id),
                kind=BanKind(row.kind),
                value=row.value,
                reason=row.reason,
                created_at=from_us(row.created_us),
                expires_at=from_us(row.expires_us) if row.expires_us is not None else None,
                created_by=row.created_by,
            )
            for row in result
        ]

    async def is_banned(self, values: Sequence[tuple[BanKind, str]], now: datetime) -> bool:
        if not values:
            return False
        now_us = to_us(now)
        for start in range(0, len(values), 2):
            (kind_a, a), (kind_b, b) = values[start], values[min(start + 1, len(values) - 1)]
            parameters = {"kind_a": kind_a.value, "a": a, "kind_b": kind_b.value, "b": b}
            if await self._conn.scalar(_BANNED, {**parameters, "now": now_us}) is not None:
                return True
        return False

    async def author_digests(self, comment_id: str) -> tuple[str | None, str | None]:
        row = (
            await self._conn.execute(
                sa.select(comments.c.author_email_hash, comments.c.ip_hash).where(
                    comments.c.id == comment_id
                )
            )
        ).first()
        return (row.author_email_hash, row.ip_hash) if row else (None, None)

    async def add_report(
        self,
        comment_id: str,
        reporter: str,
        reason: str,
        at: datetime,
        category: str | None = None,
    ) -> bool:
        exists = await self._conn.scalar(
            sa.select(comment_reports.c.comment_id).where(
                comment_reports.c.comment_id == comment_id, comment_reports.c.reporter == reporter
            )
        )
        if exists is not None:
            return False
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(
                    comment_reports.insert().values(
                        comment_id=comment_id,
                        reporter=reporter,
                        reason=reason,
                        category=category,
                        created_us=to_us(at),
                    )
                )
        except IntegrityError:  # the same reader, twice at once
            return False
        return True

    async def report_count(self, comment_id: str) -> int:
        value = await self._conn.scalar(
            sa.select(sa.func.count()).where(comment_reports.c.comment_id == comment_id)
        )
        return int(value or 0)

    async def clear_reports(self, comment_id: str) -> None:
        await self._conn.execute(
            comment_reports.delete().where(comment_reports.c.comment_id == comment_id)
        )

    async def set_status(self, comment_id: str, status: CommentStatus) -> None:
        await self._conn.execute(
            comments.update().where(comments.c.id == comment_id).values(status=status.value)
        )

    async def set_pinned(self, comment_id: str, pinned: bool) -> None:
        await self._conn.execute(
            comments.update().where(comments.c.id == comment_id).values(pinned=pinned)
        )

    async def set_featured(
        self, comment_id: str, featured_at: datetime | None, note: str | None
    ) -> None:
        await self._conn.execute(
            comments.update()
            .where(comments.c.id == comment_id)
            .values(
                featured_us=to_us(featured_at) if featured_at else None,
                featured_note=note if featured_at else None,
            )
        )

    async def pinned_count(self, thread_id: int) -> int:
        value = await self._conn.scalar(
            sa.select(sa.func.count()).where(
                comments.c.thread_id == thread_id, comments.c.pinned.is_(True)
            )
        )
        return int(value or 0)

    async def queue(
        self,
        *,
        site: str | None,
        search: str | None,
        report_threshold: int,
        limit: int,
        offset: int,
    ) -> list[QueueItem]:
        c = comments.c
        reports = (
            sa.select(
                comment_reports.c.comment_id.label("comment_id"),
                sa.func.count().label("report_count"),
            )
            .group_by(comment_reports.c.comment_id)
            .subquery()
        )
        count = sa.func.coalesce(reports.c.report_count, 0)
        query = (
            sa.select(
                *PUBLIC_COLUMNS,
                sites.c.name.label("site_name"),
                threads.c.page,
                count.label("reports"),
            )
            .select_from(
                comments.join(threads, threads.c.id == c.thread_id)
                .join(sites, sites.c.id == threads.c.site_id)
                .outerjoin(reports, reports.c.comment_id == c.id)
            )
            .where(
                sa.or_(
                    c.status == CommentStatus.PENDING.value,
                    sa.and_(c.status == CommentStatus.PUBLISHED.value, count >= report_threshold),
                )
            )
        )
        if site:
            query = query.where(sites.c.name == site)
        if search:
            needle = search.lower()
            query = query.where(
                sa.or_(
                    sa.func.lower(c.author_name).contains(needle, autoescape=True),
                    sa.func.lower(c.body).contains(needle, autoescape=True),
                )
            )
        query = query.order_by(c.created_us, c.id).limit(limit).offset(offset)
        rows = list(await self._conn.execute(query))
        reasons: dict[str, list[str]] = {}
        categories: dict[str, list[tuple[str, int]]] = {}
        reported = [row.id for row in rows if row.reports]
        if reported:
            found = await self._conn.execute(
                sa.select(comment_reports.c.comment_id, comment_reports.c.reason)
                .where(comment_reports.c.comment_id.in_(reported), comment_reports.c.reason != "")
                .order_by(comment_reports.c.created_us)
            )
            for comment_id, reason in found:
                reasons.setdefault(comment_id, []).append(reason)
            tallied = await self._conn.execute(
                sa.select(
                    comment_reports.c.comment_id,
                    comment_reports.c.category,
                    sa.func.count().label("n"),
                )
                .where(
                    comment_reports.c.comment_id.in_(reported),
                    comment_reports.c.category.is_not(None),
                )
                .group_by(comment_reports.c.comment_id, comment_reports.c.category)
                .order_by(sa.func.count().desc(), comment_reports.c.category)
            )
            for comment_id, category, n in tallied:
                categories.setdefault(comment_id, []).append((category, int(n)))
        return [
            QueueItem(
                comment=to_comment(row),
                site=row.site_name,
                page=row.page,
                report_count=int(row.reports),
                report_reasons=tuple(reasons.get(row.id, ())),
                report_categories=tuple(categories.get(row.id, ())),
            )
            for row in rows
        ]

    async def audit(
        self, actor: str, action: StaffAction, target: str, reason: str, at: datetime
    ) -> None:
        await self._conn.execute(
            audit_log.insert().values(
                actor=actor, action=action.value, target=target, reason=reason, created_us=to_us(at)
            )
        )

    async def recent_audit_entries(
        self, actor: str, action: StaffAction, since: datetime
    ) -> list[AuditEntry]:
        # The time index bounds the scan to the last few minutes of the log.
        result = await self._conn.execute(
            sa.select(audit_log)
            .where(
                audit_log.c.created_us >= to_us(since),
                audit_log.c.actor == actor,
                audit_log.c.action == action.value,
            )
            .order_by(audit_log.c.id.desc())
        )
        return [
            AuditEntry(
                id=int(row.id),
                actor=row.actor,
                action=StaffAction(row.action),
                target=row.target,
                reason=row.reason,
                created_at=from_us(row.created_us),
            )
            for row in result
        ]

    async def audit_entries(self, limit: int, offset: int) -> list[AuditEntry]:
        result = await self._conn.execute(
            sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit).offset(offset)
        )
        return [
            AuditEntry(
                id=int(row.id),
                actor=row.actor,
                action=StaffAction(row.action),
                target=row.target,
                reason=row.reason,
                created_at=from_us(row.created_us),
            )
            for row in result
        ]
