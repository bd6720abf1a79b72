"""The staff digest ledger in SQL: queue sizes per site, and one ``instance`` row per site that
records the latest digest period queued.

The guard needs no table of its own: the row's key is derived from the site name, its value
holds the period. A worker claims a period by inserting the row (``ON CONFLICT DO NOTHING``) or
by updating it *from the value it read*. On PostgreSQL a second writer waits for the first one's
row lock and then finds the value changed, so it updates nothing; on SQLite writers run one at a
time (``BEGIN IMMEDIATE``). Either way one transaction wins each (site, period).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from rostra.domain.comments import CommentStatus
from rostra.domain.staff_digests import DigestClaim
from rostra.storage.tables import comments, instance, sites, threads

KEY_PREFIX = "staff_digest:"


def ledger_key(site: str) -> str:
    """The ``instance`` key of a site's digest row (site names may be longer than the key)."""
    return KEY_PREFIX + hashlib.sha256(site.encode()).hexdigest()[:48]


def _encode(claim: DigestClaim) -> str:
    return json.dumps(
        {"site": claim.site, "period": claim.period, "pending": claim.pending}, sort_keys=True
    )


def _decode(value: str) -> DigestClaim | None:
    try:
        data = json.loads(value)
        return DigestClaim(str(data["site"]), int(data["period"]), int(data["pending"]))
    except (ValueError, TypeError, KeyError):
        return None


class SqlStaffDigestLedger:
    """``StaffDigestLedger`` on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def pending_by_site(self) -> dict[str, int]:
        # A scan of the comments once per digest period and worker: there is no index on
        # status, and one is not worth its cost on every comment write for an hourly count.
        query = (
            sa.select(sites.c.name, sa.func.count())
            .select_from(
                comments.join(threads, threads.c.id == comments.c.thread_id).join(
                    sites, sites.c.id == threads.c.site_id
                )
            )
            .where(comments.c.status == CommentStatus.PENDING.value)
            .group_by(sites.c.name)
        )
        return {name: int(count) for name, count in await self._conn.execute(query)}

    async def claim(self, site: str, period: int, pending: int) -> bool:
        key = ledger_key(site)
        value = _encode(DigestClaim(site, period, pending))
        insert: Any = (
            postgresql.insert if self._conn.dialect.name == "postgresql" else sqlite.insert
        )(instance)
        inserted = await self._conn.execute(
            insert.values(key=key, value=value)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(instance.c.key)
        )
        if inserted.first() is not None:
            return True
        seen = await self._conn.scalar(sa.select(instance.c.value).where(instance.c.key == key))
        if seen is None:
            return False  # deleted between the two statements (by hand): try next period
        previous = _decode(seen)
        if previous is not None and previous.supersedes(period):
            return False
        updated = await self._conn.execute(
            instance.update()
            .where(instance.c.key == key, instance.c.value == seen)
            .values(value=value)
        )
        return bool(updated.rowcount)
