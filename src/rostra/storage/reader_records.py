"""An author's record on a site, and staff notes on readers, in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from rostra.domain.comments import CommentStatus
from rostra.domain.reader_history import AuthoredComment, AuthorKey, PastDecision, ReaderNote
from rostra.domain.screening import reasons_from_json
from rostra.domain.staff import Ban, BanKind
from rostra.domain.times import from_us, to_us
from rostra.services.history_ports import CommentAuthor
from rostra.storage.tables import (
    bans,
    comments,
    moderation_decisions,
    reader_notes,
    readers,
    sites,
    threads,
)


def _site_id(name: str) -> sa.ScalarSelect[int]:
    return sa.select(sites.c.id).where(sites.c.name == name).scalar_subquery()


def _by(key: AuthorKey) -> sa.ColumnElement[bool]:
    """The author's comments on the key's site (the author indexes lead)."""
    column = comments.c.author_email_hash if key.kind == "email" else comments.c.ip_hash
    in_site = comments.c.thread_id.in_(
        sa.select(threads.c.id).where(threads.c.site_id == _site_id(key.site))
    )
    return sa.and_(column == key.digest, in_site)


class SqlReaderRecords:
    """``ReaderRecords`` on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def author_of(self, comment_id: str) -> CommentAuthor | None:
        c = comments.c
        row = (
            await self._conn.execute(
                sa.select(sites.c.name, c.author_name, c.author_email_hash, c.ip_hash, c.reader_id)
                .join(threads, threads.c.id == c.thread_id)
                .join(sites, sites.c.id == threads.c.site_id)
                .where(c.id == comment_id)
            )
        ).first()
        if row is None:
            return None
        return CommentAuthor(
            row.name, row.author_name, row.author_email_hash, row.ip_hash, row.reader_id
        )

    async def counts(self, key: AuthorKey) -> dict[str, int]:
        result = await self._conn.execute(
            sa.select(comments.c.status, sa.func.count())
            .where(_by(key))
            .group_by(comments.c.status)
        )
        found = {status.value: 0 for status in CommentStatus}
        found.update({row[0]: int(row[1]) for row in result})
        return found

    async def recent_comments(self, key: AuthorKey, limit: int) -> list[AuthoredComment]:
        c = comments.c
        result = await self._conn.execute(
            sa.select(c.id, threads.c.page, c.body, c.status, c.created_us)
            .join(threads, threads.c.id == c.thread_id)
            .where(_by(key))
            .order_by(c.created_us.desc())
            .limit(limit)
        )
        return [
            AuthoredComment(
                row.id, row.page, row.body, CommentStatus(row.status), from_us(row.created_us)
            )
            for row in result
        ]

    async def first_comment_at(self, key: AuthorKey) -> datetime | None:
        first = await self._conn.scalar(
            sa.select(sa.func.min(comments.c.created_us)).where(_by(key))
        )
        return from_us(first) if first is not None else None

    async def account_created_at(self, reader_id: str) -> datetime | None:
        created = await self._conn.scalar(
            sa.select(readers.c.created_us).where(readers.c.id == reader_id)
        )
        return from_us(created) if created is not None else None

    async def staff_decisions(self, key: AuthorKey, limit: int) -> list[PastDecision]:
        d = moderation_decisions.c
        result = await self._conn.execute(
            sa.select(d.comment_id, d.verdict, d.reasons, d.actor, d.created_us)
            .join(comments, comments.c.id == d.comment_id)
            .where(_by(key), d.actor.is_not(None))
            .order_by(d.created_us.desc(), d.id.desc())
            .limit(limit)
        )
        decisions = []
        for row in result:
            reasons = reasons_from_json(row.reasons)
            decisions.append(
                PastDecision(
                    row.comment_id,
                    row.verdict,
                    "; ".join(r.detail for r in reasons),
                    row.actor,
                    from_us(row.created_us),
                )
            )
        return decisions

    async def bans(self, digests: Sequence[tuple[str, str]]) -> list[Ban]:
        if not digests:
            return []
        wanted = sa.or_(*(sa.and_(bans.c.kind == k, bans.c.value == v) for k, v in digests))
        result = await self._conn.execute(sa.select(bans).where(wanted).order_by(bans.c.id.desc()))
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

    async def add_note(self, key: AuthorKey, body: str, created_by: str, at: datetime) -> int:
        result = await self._conn.execute(
            reader_notes.insert()
            .values(
                site_id=_site_id(key.site),
                author_key=key.text,
                body=body,
                created_by=created_by,
                created_us=to_us(at),
            )
            .returning(reader_notes.c.id)
        )
        return int(result.scalar_one())

    async def notes(self, key: AuthorKey) -> list[ReaderNote]:
        n = reader_notes.c
        result = await self._conn.execute(
            sa.select(n.id, n.body, n.created_by, n.created_us)
            .where(n.site_id == _site_id(key.site), n.author_key == key.text)
            .order_by(n.created_us.desc(), n.id.desc())
        )
        return [
            ReaderNote(int(row.id), row.body, row.created_by, from_us(row.created_us))
            for row in result
        ]
