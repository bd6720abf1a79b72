"""Comments in SQL: the hot read paths are single indexed range scans."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from rostra.domain.comments import Comment, CommentStatus
from rostra.domain.paging import Cursor, Sort
from rostra.domain.times import from_us, to_us
from rostra.services.ports import NewComment
from rostra.storage.prebuilt import prebuilt
from rostra.storage.rows import to_comment
from rostra.storage.tables import comments

PUBLIC_COLUMNS = tuple(
    column
    for column in comments.c
    if column.name not in ("ip_hash", "edit_token_hash", "author_email_hash", "is_anchored")
)
SHOWN = (CommentStatus.PUBLISHED.value, CommentStatus.DELETED.value)
_INSERT = prebuilt(comments.insert())
# A reply reads its parent (and edits and deletes their comment) by id.
_GET = prebuilt(sa.select(*PUBLIC_COLUMNS).where(comments.c.id == sa.bindparam("id")))
_GET_LOCKED = prebuilt(_GET.with_for_update(key_share=True))
_ADJUST_DESCENDANTS = prebuilt(
    comments.update()
    .where(comments.c.id == sa.bindparam("root"))
    .values(descendant_count=comments.c.descendant_count + sa.bindparam("delta"))
)


class SqlCommentRepository:
    """``CommentRepository`` on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, comment: NewComment) -> Comment:
        # Its parameters are bound values, so the compiled INSERT is reused (building .values()
        # per comment cost more than running it). The stored comment is made here rather than
        # read back with RETURNING, whose row handling cost ten times the insert itself.
        await self._conn.execute(
            _INSERT,
            {
                "id": comment.id,
                "thread_id": comment.thread_id,
                "parent_id": comment.parent_id,
                "root_id": comment.root_id,
                "depth": comment.depth,
                "status": comment.status.value,
                "author_name": comment.author_name,
                "author_email_hash": comment.author_email_hash,
                "author_url": comment.author_url,
                "body": comment.body,
                "body_html": comment.body_html,
                "anchor": comment.anchor.to_dict() if comment.anchor else None,
                "is_anchored": comment.anchor is not None,
                "created_us": to_us(comment.created_at),
                "ip_hash": comment.ip_hash,
                "edit_token_hash": comment.edit_token_hash,
                "author_is_staff": comment.author_is_staff,
                "reader_id": comment.reader_id,
                "author_avatar": comment.author_avatar,
            },
        )
        return Comment(
            id=comment.id,
            thread_id=comment.thread_id,
            parent_id=comment.parent_id,
            root_id=comment.root_id,
            depth=comment.depth,
            author_name=comment.author_name,
            author_url=comment.author_url,
            author_is_staff=comment.author_is_staff,
            body=comment.body,
            body_html=comment.body_html,
            status=comment.status,
            created_at=from_us(to_us(comment.created_at)),  # as stored: whole microseconds
            edited_at=None,
            upvotes=0,
            downvotes=0,
            descendant_count=0,
            anchor=comment.anchor,
            reader_id=comment.reader_id,
            author_avatar=comment.author_avatar,
        )

    async def get(self, comment_id: str, *, for_update: bool = False) -> Comment | None:
        query = _GET_LOCKED if for_update else _GET
        row = (await self._conn.execute(query, {"id": comment_id})).first()
        return to_comment(row) if row else None

    async def edit_token_hash(self, comment_id: str) -> str | None:
        value = await self._conn.scalar(
            sa.select(comments.c.edit_token_hash).where(comments.c.id == comment_id)
        )
        return str(value) if value is not None else None

    async def list_roots(
        self,
        thread_id: int,
        *,
        sort: Sort,
        after: Cursor | None,
        limit: int,
        anchored: bool | None,
    ) -> list[Comment]:
        c = comments.c
        query = sa.select(*PUBLIC_COLUMNS).where(
            c.thread_id == thread_id,
            c.depth == 0,
            sa.or_(
                c.status == CommentStatus.PUBLISHED.value,
                sa.and_(c.status == CommentStatus.DELETED.value, c.descendant_count > 0),
            ),
        )
        if anchored is not None:
            query = query.where(c.is_anchored == anchored)
        # Pinned comments (at most 3 a thread) lead the first page of every sort and are left
        # out of the paged order, so cursors stay exact (issue 5).
        pinned: list[Comment] = []
        if after is None:
            rows = await self._conn.execute(
                # "= true" (not "IS true"): the form the partial index is declared with, which
                # SQLite needs to see to use it.
                query.where(c.pinned == sa.true()).order_by(c.created_us.desc(), c.id)
            )
            pinned = [to_comment(row) for row in rows]
        query = query.where(c.pinned.is_(False))
        key: tuple[Any, ...]
        if sort is Sort.VOTES:
            key = (c.score, c.created_us, c.id)
            position: tuple[Any, ...] = after and (after.score, after.created_us, after.comment_id)
        else:
            key = (c.created_us, c.id)
            position = after and (after.created_us, after.comment_id)
        descending = sort is not Sort.OLDEST
        if position:
            row_key = sa.tuple_(*key)
            query = query.where(
                row_key < sa.tuple_(*position) if descending else row_key > sa.tuple_(*position)
            )
        query = query.order_by(*(col.desc() if descending else col.asc() for col in key))
        result = await self._conn.execute(query.limit(limit))
        return pinned + [to_comment(row) for row in result]

    async def list_replies(self, root_ids: Sequence[str]) -> list[Comment]:
        if not root_ids:
            return []
        c = comments.c
        result = await self._conn.execute(
            sa.select(*PUBLIC_COLUMNS)
            .where(c.root_id.in_(list(root_ids)), c.status.in_(SHOWN))
            .order_by(c.created_us, c.id)
        )
        return [to_comment(row) for row in result]

    async def update_body(
        self, comment_id: str, body: str, body_html: str, edited_at: datetime
    ) -> None:
        await self._conn.execute(
            comments.update()
            .where(comments.c.id == comment_id)
            .values(body=body, body_html=body_html, edited_us=to_us(edited_at))
        )

    async def mark_deleted(self, comment_id: str) -> None:
        await self._conn.execute(
            comments.update()
            .where(comments.c.id == comment_id)
            .values(
                status=CommentStatus.DELETED.value,
                author_name="",
                author_email_hash=None,
                author_url=None,
                body="",
                body_html="",
                anchor=None,
                ip_hash=None,
                edit_token_hash=None,
                reader_id=None,
                author_avatar=None,
            )
        )

    async def set_status(self, comment_id: str, status: CommentStatus) -> None:
        await self._conn.execute(
            comments.update().where(comments.c.id == comment_id).values(status=status.value)
        )

    async def adjust_descendants(self, root_id: str, delta: int) -> None:
        await self._conn.execute(_ADJUST_DESCENDANTS, {"root": root_id, "delta": delta})

    async def adjust_votes(self, comment_id: str, up: int, down: int) -> tuple[int, int]:
        c = comments.c
        result = await self._conn.execute(
            comments.update()
            .where(c.id == comment_id)
            .values(upvotes=c.upvotes + up, downvotes=c.downvotes + down, score=c.score + up - down)
            .returning(c.upvotes, c.downvotes)
        )
        row = result.one()
        return int(row.upvotes), int(row.downvotes)
