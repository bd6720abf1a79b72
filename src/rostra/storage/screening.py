"""Moderation decisions and the author history screening needs, in SQL."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from rostra.domain.comments import CommentStatus
from rostra.domain.moderation import TrustRecord, Verdict
from rostra.domain.screening import reasons_from_json, reasons_to_json
from rostra.domain.times import from_us, to_us
from rostra.services.ports import Decision, TaughtExample
from rostra.storage.prebuilt import prebuilt
from rostra.storage.tables import (
    comments,
    moderation_decisions,
    screening_exemplars,
    sites,
    threads,
)

# Built once (each new comment runs them): the decision's insert, and the author's recent
# comments by email digest or by address digest. Joined rather than "thread_id IN (the site's
# threads)": PostgreSQL then walks the author index (hash, time) newest first and stops at the
# limit, instead of reading all of an address's comments once per thread (29 ms at 3,500).
_RECORD = prebuilt(moderation_decisions.insert())


def _recent_by(who: sa.ColumnElement[bool]) -> sa.Select[tuple[str]]:
    return (
        sa.select(comments.c.body)
        .join(threads, threads.c.id == comments.c.thread_id)
        .join(sites, sites.c.id == threads.c.site_id)
        .where(
            who,
            sites.c.name == sa.bindparam("site"),
            comments.c.created_us >= sa.bindparam("since"),
            comments.c.status != CommentStatus.DELETED.value,
        )
        .order_by(comments.c.created_us.desc())
        .limit(sa.bindparam("limit"))
    )


_RECENT_BY_EMAIL = prebuilt(_recent_by(comments.c.author_email_hash == sa.bindparam("who")))
_RECENT_BY_IP = prebuilt(_recent_by(comments.c.ip_hash == sa.bindparam("who")))


class SqlScreeningRepository:
    """``ScreeningRepository`` on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def record_decision(self, decision: Decision) -> None:
        await self._conn.execute(
            _RECORD,
            {
                "comment_id": decision.comment_id,
                "verdict": decision.verdict.value,
                "reasons": reasons_to_json(decision.reasons),
                "actor": decision.actor,
                "created_us": to_us(decision.created_at),
            },
        )

    async def add_exemplar(
        self, site: str, category: str, text: str, added_by: int | None, created_at: datetime
    ) -> None:
        site_id = sa.select(sites.c.id).where(sites.c.name == site).scalar_subquery()
        await self._conn.execute(
            screening_exemplars.insert().values(
                site_id=site_id,
                category=category,
                text=text,
                added_by=added_by,
                created_us=to_us(created_at),
            )
        )

    async def exemplars(self) -> list[tuple[str, str]]:
        e = screening_exemplars.c
        result = await self._conn.execute(sa.select(e.category, e.text).order_by(e.id))
        return [(row.category, row.text) for row in result]

    async def exemplars_after(self, last_id: int, limit: int) -> list[TaughtExample]:
        e = screening_exemplars.c
        result = await self._conn.execute(
            sa.select(e.id, sites.c.name, e.category, e.text)
            .join(sites, sites.c.id == e.site_id)
            .where(e.id > last_id)
            .order_by(e.id)
            .limit(limit)
        )
        return [TaughtExample(row.id, row.name, row.category, row.text) for row in result]

    async def decisions(self, comment_id: str) -> list[Decision]:
        d = moderation_decisions.c
        result = await self._conn.execute(
            sa.select(d.comment_id, d.verdict, d.reasons, d.actor, d.created_us)
            .where(d.comment_id == comment_id)
            .order_by(d.id)
        )
        return [
            Decision(
                row.comment_id,
                Verdict(row.verdict),
                reasons_from_json(row.reasons),
                row.actor,
                from_us(row.created_us),
            )
            for row in result
        ]

    def _by_author(
        self, site: str, author_email_hash: str | None, ip_hash: str | None
    ) -> sa.ColumnElement[bool] | None:
        # The email hash identifies an author best; the IP hash stands in when there is none.
        if author_email_hash:
            who = comments.c.author_email_hash == author_email_hash
        elif ip_hash:
            who = comments.c.ip_hash == ip_hash
        else:
            return None
        site_id = sa.select(sites.c.id).where(sites.c.name == site).scalar_subquery()
        in_site = comments.c.thread_id.in_(
            sa.select(threads.c.id).where(threads.c.site_id == site_id)
        )
        return sa.and_(who, in_site)

    async def trust_record(
        self, site: str, author_email_hash: str | None, ip_hash: str | None, limit: int
    ) -> TrustRecord:
        condition = self._by_author(site, author_email_hash, ip_hash)
        if condition is None:
            return TrustRecord(0, None)
        rejected_us = await self._conn.scalar(
            sa.select(sa.func.max(comments.c.created_us)).where(
                condition, comments.c.status == CommentStatus.REJECTED.value
            )
        )
        since = comments.c.created_us > rejected_us if rejected_us is not None else sa.true()
        # Counted up to the limit: a regular's thousands of comments are not all read.
        approved = sa.select(comments.c.id).where(
            condition, since, comments.c.status == CommentStatus.PUBLISHED.value
        )
        count = await self._conn.scalar(
            sa.select(sa.func.count()).select_from(approved.limit(limit).subquery())
        )
        return TrustRecord(
            int(count or 0), from_us(rejected_us) if rejected_us is not None else None
        )

    async def recent_bodies(
        self,
        site: str,
        author_email_hash: str | None,
        ip_hash: str | None,
        since: datetime,
        limit: int,
    ) -> list[str]:
        if author_email_hash:
            query, who = _RECENT_BY_EMAIL, author_email_hash
        elif ip_hash:
            query, who = _RECENT_BY_IP, ip_hash
        else:
            return []
        parameters = {"who": who, "site": site, "since": to_us(since), "limit": limit}
        return [row.body for row in await self._conn.execute(query, parameters)]
