"""The mail outbox in SQL: jobs written with the change that caused them, leased to workers.

Claiming: PostgreSQL locks the chosen rows with ``FOR UPDATE SKIP LOCKED``, so concurrent
workers take disjoint jobs without waiting on each other; SQLite has one writer at a time
(``BEGIN IMMEDIATE``), so the select-then-lease runs alone. A lease that runs out (its worker
died) makes the job claimable again; a worker that stops gracefully releases the jobs it
claimed but did not start, so others take them at once instead of after the lease.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from rostra.domain.subscriptions import (
    FailedJob,
    JobStatus,
    MailJob,
    MailKind,
    NewMailJob,
    OutboxSummary,
)
from rostra.domain.times import from_us, to_us
from rostra.storage.tables import outbox

MAX_ERROR = 1000


def _job(row: Any) -> MailJob:
    return MailJob(
        id=row.id,
        kind=MailKind(row.kind),
        recipient=row.recipient,
        subscription_id=row.subscription_id,
        payload=dict(row.payload),
        attempts=row.attempts,
    )


class SqlOutbox:
    """``Outbox`` on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def enqueue(self, job: NewMailJob) -> int:
        result = await self._conn.execute(
            outbox.insert()
            .values(
                kind=job.kind.value,
                recipient=job.recipient,
                subscription_id=job.subscription_id,
                payload=job.payload,
                status=JobStatus.PENDING.value,
                attempts=0,
                available_us=to_us(job.available_at),
                created_us=to_us(job.created_at),
            )
            .returning(outbox.c.id)
        )
        return int(result.scalar_one())

    async def add_to_waiting(
        self, subscription_id: str, kind: str, item: dict[str, object]
    ) -> bool:
        waiting = (
            outbox.c.subscription_id == subscription_id,
            outbox.c.kind == kind,
            outbox.c.status == JobStatus.PENDING.value,
            outbox.c.leased_by.is_(None),
        )
        row = (
            await self._conn.execute(
                sa.select(outbox.c.id, outbox.c.payload).where(*waiting).with_for_update()
            )
        ).first()
        if row is None:
            return False
        payload = dict(row.payload)
        payload["items"] = [*payload.get("items", []), item]
        # The lease condition again: a worker that claimed the job meanwhile wins, and the
        # caller writes a new job instead.
        result = await self._conn.execute(
            outbox.update().where(outbox.c.id == row.id, *waiting).values(payload=payload)
        )
        return bool(result.rowcount)

    async def claim(
        self,
        now: datetime,
        lease_until: datetime,
        worker: str,
        limit: int,
        kinds: Sequence[str],
    ) -> list[MailJob]:
        now_us = to_us(now)
        due = (
            sa.select(outbox.c.id)
            .where(
                outbox.c.status == JobStatus.PENDING.value,
                outbox.c.kind.in_(kinds),
                outbox.c.available_us <= now_us,
                sa.or_(outbox.c.lease_until_us.is_(None), outbox.c.lease_until_us < now_us),
            )
            .order_by(outbox.c.available_us, outbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list((await self._conn.execute(due)).scalars())
        if not ids:
            return []
        result = await self._conn.execute(
            outbox.update()
            .where(outbox.c.id.in_(ids))
            .values(
                lease_until_us=to_us(lease_until),
                leased_by=worker,
                attempts=outbox.c.attempts + 1,
            )
            .returning(
                outbox.c.id,
                outbox.c.kind,
                outbox.c.recipient,
                outbox.c.subscription_id,
                outbox.c.payload,
                outbox.c.attempts,
            )
        )
        return sorted((_job(row) for row in result), key=lambda job: job.id)

    async def mark_sent(self, job_id: int, worker: str, now: datetime) -> None:
        await self._conn.execute(
            outbox.update()
            .where(outbox.c.id == job_id)
            .values(
                status=JobStatus.SENT.value,
                sent_us=to_us(now),
                lease_until_us=None,
                leased_by=worker,
                last_error=None,
            )
        )

    async def retry(self, job_id: int, worker: str, at: datetime, error: str) -> None:
        await self._conn.execute(
            outbox.update()
            .where(
                outbox.c.id == job_id,
                outbox.c.leased_by == worker,
                outbox.c.status == JobStatus.PENDING.value,
            )
            .values(
                available_us=to_us(at),
                lease_until_us=None,
                leased_by=None,
                last_error=error[:MAX_ERROR],
            )
        )

    async def release(self, job_ids: list[int], worker: str) -> int:
        if not job_ids:
            return 0
        result = await self._conn.execute(
            outbox.update()
            .where(
                outbox.c.id.in_(job_ids),
                outbox.c.leased_by == worker,
                outbox.c.status == JobStatus.PENDING.value,
            )
            .values(
                lease_until_us=None,
                leased_by=None,
                # Never tried: the claim's count is given back, so a released job does not
                # come nearer to giving up.
                attempts=outbox.c.attempts - 1,
            )
        )
        return int(result.rowcount)

    async def finish(self, job_id: int, worker: str, status: str, error: str | None) -> None:
        await self._conn.execute(
            outbox.update()
            .where(outbox.c.id == job_id, outbox.c.status == JobStatus.PENDING.value)
            .values(
                status=status,
                lease_until_us=None,
                leased_by=worker,
                last_error=error[:MAX_ERROR] if error else None,
            )
        )

    async def summary(self) -> OutboxSummary:
        counts_result = await self._conn.execute(
            sa.select(outbox.c.status, sa.func.count()).group_by(outbox.c.status)
        )
        counts = {status.value: 0 for status in JobStatus}
        counts.update({row[0]: int(row[1]) for row in counts_result})
        retrying = await self._conn.scalar(
            sa.select(sa.func.count()).where(
                outbox.c.status == JobStatus.PENDING.value, outbox.c.last_error.is_not(None)
            )
        )
        failed = await self._conn.execute(
            sa.select(
                outbox.c.id,
                outbox.c.kind,
                outbox.c.recipient,
                outbox.c.attempts,
                outbox.c.last_error,
                outbox.c.created_us,
            )
            .where(outbox.c.status == JobStatus.FAILED.value)
            .order_by(outbox.c.id.desc())
            .limit(20)
        )
        failures = [
            FailedJob(
                row.id,
                row.kind,
                row.recipient,
                row.attempts,
                row.last_error or "",
                from_us(row.created_us),
            )
            for row in failed
        ]
        return OutboxSummary(counts, int(retrying or 0), failures)
