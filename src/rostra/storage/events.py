"""The thread event log in SQL."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from rostra.domain.events import ThreadEvent, event_from
from rostra.domain.times import to_us
from rostra.services.clock import SystemClock
from rostra.storage.prebuilt import prebuilt
from rostra.storage.tables import instance, sites, thread_events, threads
from rostra.storage.thread_turns import HeldThreads

FORGOTTEN_KEY = "events_forgotten_before"


# Built once: every published comment, vote and edit appends an event.
_APPEND = prebuilt(thread_events.insert().returning(thread_events.c.id))
_SET_VERSION = prebuilt(
    threads.update()
    .where(threads.c.id == sa.bindparam("thread"))
    .values(
        version=sa.bindparam("sequence"),
        comment_count=threads.c.comment_count + sa.bindparam("delta"),
    )
)


def _append_setting_version() -> sa.Update:
    """PostgreSQL: lock the thread's row, append the event, then set the thread's version and
    count, in one statement. The sequence number is drawn after the lock is held (the insert
    reads its thread id from the locked row), so one thread's events commit in order."""
    locked = (
        sa.select(threads.c.id)
        .where(threads.c.id == sa.bindparam("thread", type_=sa.Integer))
        .with_for_update(key_share=True)
        .cte("locked")
    )
    appended = (
        thread_events.insert()
        .from_select(
            ["thread_id", "name", "payload", "created_us"],
            sa.select(
                locked.c.id,
                sa.bindparam("event_name", type_=thread_events.c.name.type),
                sa.bindparam("event_payload", type_=thread_events.c.payload.type),
                sa.bindparam("at", type_=sa.BigInteger),
            ),
        )
        .returning(thread_events.c.id)
        .cte("appended")
    )
    return (
        threads.update()
        .where(threads.c.id == sa.bindparam("thread", type_=sa.Integer))
        .values(
            version=sa.select(appended.c.id).scalar_subquery(),
            comment_count=threads.c.comment_count + sa.bindparam("delta", type_=sa.Integer),
        )
        .returning(threads.c.version)
    )


_APPEND_SETTING_VERSION = _append_setting_version()  # PostgreSQL only: never replayed
# Every thread's events after a sequence, with their site and page (LogRelayEventBus).
_SINCE = prebuilt(
    sa.select(
        thread_events.c.id,
        thread_events.c.name,
        thread_events.c.payload,
        sites.c.name.label("site"),
        threads.c.page,
    )
    .join(threads, threads.c.id == thread_events.c.thread_id)
    .join(sites, sites.c.id == threads.c.site_id)
    .where(thread_events.c.id > sa.bindparam("sequence"))
    .order_by(thread_events.c.id)
    .limit(sa.bindparam("limit"))
)


class SqlEventLog:
    """``EventLog`` on one connection."""

    def __init__(self, conn: AsyncConnection, held: HeldThreads) -> None:
        self._conn = conn
        self._held = held

    async def append(self, thread_id: int, event: ThreadEvent, count_delta: int = 0) -> int:
        # The thread's row is locked from before the sequence number is drawn until commit
        # (here on PostgreSQL, if ThreadRepository.lock has not already; on SQLite by the
        # write transaction), so one thread's events commit in order: a reader that has seen
        # N can never later miss an event below N.
        payload, at = event.payload(), to_us(SystemClock().now())
        if self._conn.dialect.name == "postgresql":
            values = {"thread": thread_id, "event_name": event.name, "event_payload": payload}
            await self._held.queue_for(thread_id)
            result = await self._conn.execute(
                _APPEND_SETTING_VERSION, {**values, "at": at, "delta": count_delta}
            )
            self._held.locked(thread_id)
            return int(result.scalar_one())
        row = {"thread_id": thread_id, "name": event.name, "payload": payload, "created_us": at}
        sequence = int((await self._conn.execute(_APPEND, row)).scalar_one())
        await self._conn.execute(
            _SET_VERSION, {"thread": thread_id, "sequence": sequence, "delta": count_delta}
        )
        return sequence

    async def after(self, thread_id: int, sequence: int, limit: int) -> list[ThreadEvent]:
        c = thread_events.c
        result = await self._conn.execute(
            sa.select(c.id, c.name, c.payload)
            .where(c.thread_id == thread_id, c.id > sequence)
            .order_by(c.id)
            .limit(limit)
        )
        # Site and page are filled in by the caller, who knows which thread it asked for.
        return [event_from(row.name, "", "", row.id, row.payload) for row in result]

    async def since(self, sequence: int, limit: int) -> list[ThreadEvent]:
        result = await self._conn.execute(_SINCE, {"sequence": sequence, "limit": limit})
        return [event_from(row.name, row.site, row.page, row.id, row.payload) for row in result]

    async def latest(self) -> int:
        value = await self._conn.scalar(sa.select(sa.func.max(thread_events.c.id)))
        return int(value or 0)

    async def forgotten_before(self) -> int:
        value = await self._conn.scalar(
            sa.select(instance.c.value).where(instance.c.key == FORGOTTEN_KEY)
        )
        return int(value or 0)

    async def prune(self, older_than: datetime) -> None:
        cutoff = to_us(older_than)
        last = await self._conn.scalar(
            sa.select(sa.func.max(thread_events.c.id)).where(thread_events.c.created_us < cutoff)
        )
        if last is None:
            return
        await self._conn.execute(thread_events.delete().where(thread_events.c.id <= last))
        updated = await self._conn.execute(
            instance.update().where(instance.c.key == FORGOTTEN_KEY).values(value=str(last + 1))
        )
        if updated.rowcount == 0:
            await self._conn.execute(
                instance.insert().values(key=FORGOTTEN_KEY, value=str(last + 1))
            )
