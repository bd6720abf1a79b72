"""Comments in SQL: the hot read paths are single indexed range scans."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from rostra.domain.comments import Comment, CommentStatus
from rostra.domain.mentions import ThreadAuthor
from rostra.domain.paging import PAGED_SORTS, Cursor, Sort
from rostra.domain.times import from_us, to_us
from rostra.services.ports import NewComment
from rostra.storage.id_lists import in_list
from rostra.storage.prebuilt import prebuilt
from rostra.storage.rows import to_comment, to_comments
from rostra.storage.tables import comments

PUBLIC_COLUMNS = tuple(
    column
    for column in comments.c
    if column.name
    not in ("ip_hash", "edit_token_hash", "author_email_hash", "is_anchored", "author_voter")
)
# Mentions suggest and resolve the authors of a thread's latest comments, not of all of them.
MENTIONABLE_COMMENTS = 1000
SHOWN = (CommentStatus.PUBLISHED.value, CommentStatus.DELETED.value)
_INSERT = prebuilt(comments.insert())
# A reply reads its parent (and edits and deletes their comment) by id.
_GET = prebuilt(sa.select(*PUBLIC_COLUMNS).where(comments.c.id == sa.bindparam("id")))
_GET_LOCKED = prebuilt(_GET.with_for_update(key_share=True))
# The replies under a page's top-level comments, oldest first. Which of them are shown is
# decided after reading: with a condition on ``status`` the planner may walk a status index
# across the whole table instead of the replies' own index.
REPLIES = prebuilt(
    sa.select(*PUBLIC_COLUMNS)
    .where(in_list(comments.c.root_id, "roots"))
    .order_by(comments.c.created_us, comments.c.id)
)
# The editors' picks that lead a first page, newest pick first.
FEATURED = prebuilt(
    sa.select(*PUBLIC_COLUMNS)
    .where(
        comments.c.thread_id == sa.bindparam("thread_id"),
        comments.c.featured_us.is_not(None),
        comments.c.status == CommentStatus.PUBLISHED.value,
    )
    .order_by(comments.c.featured_us.desc(), comments.c.id)
    .limit(sa.bindparam("limit"))
)
_ADJUST_DESCENDANTS = prebuilt(
    comments.update()
    .where(comments.c.id == sa.bindparam("root"))
    .values(descendant_count=comments.c.descendant_count + sa.bindparam("delta"))
)


@dataclass(frozen=True, slots=True)
class RootsKey:
    """Which top-level comments a statement in ``ROOTS`` reads: in ``sort`` order (None: the
    pinned ones), inline feedback only, none of it, or both (``anchored``), from the start or
    after a cursor's position (``keyset``)."""

    sort: Sort | None
    anchored: bool | None
    keyset: bool


def _roots(key: RootsKey) -> sa.Select[Any]:
    """One page's top-level comments by one range of an index, with its parameters bound
    (``thread_id``, ``limit``, and the cursor's ``after_us``, ``after_id``, ``after_score``)."""
    c = comments.c
    query = sa.select(*PUBLIC_COLUMNS).where(
        c.thread_id == sa.bindparam("thread_id"),
        c.depth == 0,
        sa.or_(
            c.status == CommentStatus.PUBLISHED.value,
            sa.and_(c.status == CommentStatus.DELETED.value, c.descendant_count > 0),
        ),
    )
    if key.anchored is not None:
        query = query.where(c.is_anchored == key.anchored)
    if key.sort is None:
        # "= true" (not "IS true"): the form the partial index is declared with, which SQLite
        # needs to see to use it.
        return query.where(c.pinned == sa.true()).order_by(c.created_us.desc(), c.id)
    query = query.where(c.pinned.is_(False))
    order: tuple[Any, ...] = (c.created_us, c.id)
    position: tuple[Any, ...] = (sa.bindparam("after_us"), sa.bindparam("after_id"))
    if key.sort in (Sort.VOTES, Sort.REACTIONS):
        order = (c.score if key.sort is Sort.VOTES else c.reaction_total, *order)
        position = (sa.bindparam("after_score"), *position)
    descending = key.sort is not Sort.OLDEST
    if key.keyset:
        row_key, at = sa.tuple_(*order), sa.tuple_(*position)
        query = query.where(row_key < at if descending else row_key > at)
    query = query.order_by(*(col.desc() if descending else col.asc() for col in order))
    return query.limit(sa.bindparam("limit"))


# Every form a page's top-level comments are read in, built once: building the query on each
# read cost more than running it (bench/page_build.py).
ROOTS = {
    key: prebuilt(_roots(key))
    for key in [
        *(RootsKey(None, anchored, False) for anchored in (None, True, False)),
        *(
            RootsKey(sort, anchored, keyset)
            for sort in PAGED_SORTS
            for anchored in (None, True, False)
            for keyset in (False, True)
        ),
    ]
}


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
                "mentions": list(comment.mentions) or None,
                "author_voter": comment.author_voter,
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
            mentions=comment.mentions,
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

    async def author_voter(self, comment_id: str) -> str | None:
        value = await self._conn.scalar(
            sa.select(comments.c.author_voter).where(comments.c.id == comment_id)
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
        # Pinned comments (at most 3 a thread) lead the first page of every sort and are left
        # out of the paged order, so cursors stay exact.
        pinned: list[Comment] = []
        if after is None:
            rows = await self._conn.execute(
                ROOTS[RootsKey(None, anchored, False)], {"thread_id": thread_id}
            )
            pinned = to_comments(rows)
        parameters: dict[str, Any] = {"thread_id": thread_id, "limit": limit}
        if after is not None:
            parameters |= {"after_us": after.created_us, "after_id": after.comment_id}
            if sort in (Sort.VOTES, Sort.REACTIONS):
                parameters["after_score"] = after.score
        result = await self._conn.execute(
            ROOTS[RootsKey(sort, anchored, after is not None)], parameters
        )
        return pinned + to_comments(result)

    async def list_featured(self, thread_id: int, limit: int) -> list[Comment]:
        result = await self._conn.execute(FEATURED, {"thread_id": thread_id, "limit": limit})
        return to_comments(result)

    async def last_by_author(
        self, thread_id: int, *, reader_id: str | None, ip_hash: str | None
    ) -> datetime | None:
        c = comments.c
        # One indexed range of the author's recent comments, whatever the thread's size.
        author = c.reader_id == reader_id if reader_id else c.ip_hash == ip_hash
        if not reader_id and not ip_hash:
            return None
        latest = await self._conn.scalar(
            sa.select(sa.func.max(c.created_us)).where(author, c.thread_id == thread_id)
        )
        return from_us(latest) if latest is not None else None

    async def list_replies(self, root_ids: Sequence[str]) -> list[Comment]:
        if not root_ids:
            return []
        result = await self._conn.execute(REPLIES, {"roots": list(root_ids)})
        return [reply for reply in to_comments(result) if reply.status.value in SHOWN]

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
                author_voter=None,
            )
        )

    async def set_status(self, comment_id: str, status: CommentStatus) -> None:
        await self._conn.execute(
            comments.update().where(comments.c.id == comment_id).values(status=status.value)
        )

    async def adjust_descendants(self, root_id: str, delta: int) -> None:
        await self._conn.execute(_ADJUST_DESCENDANTS, {"root": root_id, "delta": delta})

    async def thread_authors(self, thread_id: int) -> list[ThreadAuthor]:
        c = comments.c
        result = await self._conn.execute(
            sa.select(c.id, c.author_name, c.author_email_hash)
            .where(c.thread_id == thread_id, c.status == CommentStatus.PUBLISHED.value)
            .order_by(c.created_us.desc(), c.id.desc())
            .limit(MENTIONABLE_COMMENTS)
        )
        found: dict[str, ThreadAuthor] = {}
        for row in result:
            if row.author_name and row.author_name not in found:
                found[row.author_name] = ThreadAuthor(
                    row.author_name, row.id, row.author_email_hash
                )
        return list(found.values())

    async def set_reactions(self, comment_id: str, counts: Mapping[str, int]) -> None:
        await self._conn.execute(
            comments.update()
            .where(comments.c.id == comment_id)
            .values(reaction_counts=dict(counts) or None, reaction_total=sum(counts.values()))
        )

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
