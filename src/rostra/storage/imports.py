"""Imports and exports in SQL: bulk inserts, the source-id map, and per-thread reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from rostra.domain.errors import ConflictError
from rostra.domain.times import to_us
from rostra.services.clock import SystemClock
from rostra.services.import_ports import ImportedComment
from rostra.storage.tables import (
    comments,
    dsa_notices,
    dsa_statements,
    import_sources,
    metadata,
    reactions,
    reader_notes,
    sites,
    threads,
    votes,
)

# Both SQLite (32,766) and PostgreSQL (32,767) bound the parameters of one statement.
CHUNK = 900
# Staff records of a site that travel with its export: notes on readers, EU DSA notices.
STAFF_RECORDS = {
    "reader_notes": reader_notes,
    "dsa_notices": dsa_notices,
    "dsa_statements": dsa_statements,
}
# Columns an import computes itself; a restored export never sets them directly.
COMPUTED = frozenset(
    {
        "id", "thread_id", "parent_id", "root_id", "depth", "status", "author_name",
        "author_url", "body", "body_html", "anchor", "is_anchored",
        "created_us", "edited_us", "upvotes", "downvotes", "score", "descendant_count",
        "edit_token_hash", "reaction_total",
    }
)  # fmt: skip
RESTORABLE = frozenset(column.name for column in comments.c) - COMPUTED


def _chunks(items: Sequence[Any]) -> list[Sequence[Any]]:
    return [items[start : start + CHUNK] for start in range(0, len(items), CHUNK)]


class SqlImportRepository:
    """``ImportRepository`` on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    def _insert(self) -> Any:
        return postgresql.insert if self._conn.dialect.name == "postgresql" else sqlite.insert

    def _site_id(self, site: str) -> sa.ScalarSelect[Any]:
        return sa.select(sites.c.id).where(sites.c.name == site).scalar_subquery()

    async def known(
        self, site: str, page: str, source: str, source_ids: Sequence[str]
    ) -> dict[str, str]:
        found: dict[str, str] = {}
        s = import_sources.c
        thread = (
            sa.select(threads.c.id)
            .where(threads.c.site_id == self._site_id(site), threads.c.page == page)
            .scalar_subquery()
        )
        for chunk in _chunks(list(dict.fromkeys(source_ids))):
            result = await self._conn.execute(
                sa.select(s.source_id, s.comment_id).where(
                    s.thread_id == thread,
                    s.source == source,
                    s.source_id.in_(list(chunk)),
                )
            )
            found.update({row.source_id: row.comment_id for row in result})
        return found

    async def thread(self, site: str, page: str, title: str | None, created_at: datetime) -> int:
        await self._conn.execute(
            self._insert()(threads)
            .values(
                site_id=self._site_id(site), page=page, title=title, created_us=to_us(created_at)
            )
            .on_conflict_do_nothing(index_elements=["site_id", "page"])
        )
        row = (
            await self._conn.execute(
                sa.select(threads.c.id, threads.c.title).where(
                    threads.c.site_id == self._site_id(site), threads.c.page == page
                )
            )
        ).one()
        if title and not row.title:
            await self._conn.execute(
                threads.update().where(threads.c.id == row.id).values(title=title)
            )
        return int(row.id)

    async def add_comments(self, rows: Sequence[ImportedComment]) -> None:
        try:
            await self._add_comments(rows)
        except sa.exc.IntegrityError as exc:
            # Only a restore keeps ids; one taken by another site's comment fails the thread.
            raise ConflictError(
                "A comment id of this thread is already used by another comment "
                f"(one of {rows[0].id!r} … {rows[-1].id!r}).",
                field="id",
            ) from exc

    async def _add_comments(self, rows: Sequence[ImportedComment]) -> None:
        batch: list[dict[str, Any]] = []
        for row in rows:
            values = {
                "id": row.id,
                "thread_id": row.thread_id,
                "parent_id": row.parent_id,
                "root_id": row.root_id,
                "depth": row.depth,
                "status": row.status.value,
                "author_name": row.author_name,
                "author_email_hash": row.author_email_hash,
                "author_url": row.author_url,
                "body": row.body,
                "body_html": row.body_html,
                "anchor": row.anchor,
                "is_anchored": row.anchor is not None,
                "created_us": to_us(row.created_at),
                "edited_us": to_us(row.edited_at) if row.edited_at else None,
                "upvotes": row.upvotes,
                "downvotes": row.downvotes,
                "score": row.upvotes - row.downvotes,
                "descendant_count": row.descendant_count,
            }
            values.update({k: v for k, v in row.stored.items() if k in RESTORABLE})
            values["reaction_total"] = sum((values.get("reaction_counts") or {}).values())
            if batch and batch[-1].keys() != values.keys():
                await self._conn.execute(comments.insert(), batch)
                batch = []
            batch.append(values)
            if len(batch) >= CHUNK:
                await self._conn.execute(comments.insert(), batch)
                batch = []
        if batch:
            await self._conn.execute(comments.insert(), batch)

    async def remember(self, thread_id: int, source: str, pairs: Sequence[tuple[str, str]]) -> None:
        if not pairs:
            return
        now = to_us(SystemClock().now())
        for chunk in _chunks(pairs):
            await self._conn.execute(
                import_sources.insert(),
                [
                    {
                        "thread_id": thread_id,
                        "source": source,
                        "source_id": source_id,
                        "comment_id": comment_id,
                        "imported_us": now,
                    }
                    for source_id, comment_id in chunk
                ],
            )

    async def add_votes(self, rows: Sequence[tuple[str, str, int, datetime]]) -> int:
        return await self._add_choices(votes, "value", "vote", rows)

    async def add_reactions(self, rows: Sequence[tuple[str, str, str, datetime]]) -> int:
        return await self._add_choices(reactions, "reaction", "reaction", rows)

    async def _add_choices(
        self,
        table: sa.Table,
        column: str,
        what: str,
        rows: Sequence[tuple[str, str, Any, datetime]],
    ) -> int:
        """Insert (comment id, voter, choice, time) rows of ``table`` not stored yet."""
        added = 0
        for chunk in _chunks(rows):
            ids = list({comment_id for comment_id, *_ in chunk})
            existing = {
                (row.comment_id, row.voter)
                for row in await self._conn.execute(
                    sa.select(table.c.comment_id, table.c.voter).where(table.c.comment_id.in_(ids))
                )
            }
            fresh = {
                (comment_id, voter): {
                    "comment_id": comment_id,
                    "voter": voter,
                    column: choice,
                    "created_us": to_us(created_at),
                }
                for comment_id, voter, choice, created_at in chunk
                if (comment_id, voter) not in existing
            }
            if fresh:
                try:
                    await self._conn.execute(table.insert(), list(fresh.values()))
                except sa.exc.IntegrityError as exc:
                    raise ConflictError(
                        f"A {what} names a comment that does not exist.", field="comment_id"
                    ) from exc
            added += len(fresh)
        return added

    async def add_subscriptions(self, site: str, rows: Sequence[Mapping[str, Any]]) -> int:
        table = metadata.tables.get("subscriptions")
        if table is None or not rows:
            return 0
        site_id = await self._conn.scalar(sa.select(sites.c.id).where(sites.c.name == site))
        names = {column.name for column in table.c}
        added = 0
        for row in rows:
            values = {k: v for k, v in row.items() if k in names}
            values["site_id"] = site_id
            result = await self._conn.execute(
                self._insert()(table).values(**values).on_conflict_do_nothing()
            )
            added += max(result.rowcount, 0)
        return added

    async def export_threads(self, site: str, after_id: int, limit: int) -> list[dict[str, Any]]:
        t = threads.c
        result = await self._conn.execute(
            sa.select(t.id, t.page, t.title, t.created_us, t.comment_count, t.settings)
            .where(t.site_id == self._site_id(site), t.id > after_id)
            .order_by(t.id)
            .limit(limit)
        )
        return [dict(row._mapping) for row in result]

    async def export_comments(self, thread_id: int) -> list[dict[str, Any]]:
        result = await self._conn.execute(
            sa.select(comments)
            .where(comments.c.thread_id == thread_id)
            .order_by(comments.c.depth, comments.c.created_us, comments.c.id)
        )
        return [dict(row._mapping) for row in result]

    async def export_votes(self, thread_id: int) -> list[dict[str, Any]]:
        return await self._export_choices(votes, thread_id)

    async def export_reactions(self, thread_id: int) -> list[dict[str, Any]]:
        return await self._export_choices(reactions, thread_id)

    async def _export_choices(self, table: sa.Table, thread_id: int) -> list[dict[str, Any]]:
        result = await self._conn.execute(
            sa.select(table)
            .join_from(table, comments, table.c.comment_id == comments.c.id)
            .where(comments.c.thread_id == thread_id)
            .order_by(table.c.comment_id, table.c.voter)
        )
        return [dict(row._mapping) for row in result]

    async def export_staff_records(self, table: str, site: str) -> list[dict[str, Any]]:
        source = STAFF_RECORDS[table]
        result = await self._conn.execute(
            sa.select(source)
            .where(source.c.site_id == self._site_id(site))
            .order_by(source.c.created_us)
        )
        left_out = {"site_id", "id"} if table == "reader_notes" else {"site_id"}
        return [{k: v for k, v in row._mapping.items() if k not in left_out} for row in result]

    async def add_staff_records(
        self, table: str, site: str, rows: Sequence[Mapping[str, Any]]
    ) -> int:
        target = STAFF_RECORDS[table]
        if not rows:
            return 0
        site_id = await self._conn.scalar(sa.select(sites.c.id).where(sites.c.name == site))
        names = {column.name for column in target.c} - {"site_id"}
        if table == "reader_notes":
            names.discard("id")
        added = 0
        for row in rows:
            values = {k: v for k, v in row.items() if k in names}
            values["site_id"] = site_id
            result = await self._conn.execute(
                self._insert()(target).values(**values).on_conflict_do_nothing()
            )
            added += max(result.rowcount, 0)
        return added

    async def export_subscriptions(self, site: str) -> list[dict[str, Any]]:
        table = metadata.tables.get("subscriptions")
        if table is None:
            return []
        result = await self._conn.execute(
            sa.select(table).where(table.c.site_id == self._site_id(site)).order_by(table.c.id)
        )
        return [{k: v for k, v in row._mapping.items() if k != "site_id"} for row in result]
