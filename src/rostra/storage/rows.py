"""Conversions between stored rows and domain objects."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import itemgetter
from typing import Any

from rostra.domain.anchors import parse_anchor
from rostra.domain.comments import Comment, CommentStatus
from rostra.domain.reactions import reaction_pairs
from rostra.domain.times import from_us

_STATUS = {status.value: status for status in CommentStatus}
# The columns a comment is made of, in the order ``_make`` takes them; the last seven are
# missing from rows that narrower selects return.
_COLUMNS = (
    "id",
    "thread_id",
    "parent_id",
    "root_id",
    "depth",
    "author_name",
    "author_url",
    "author_is_staff",
    "body",
    "body_html",
    "status",
    "created_us",
    "edited_us",
    "upvotes",
    "downvotes",
    "descendant_count",
    "anchor",
    "pinned",
    "reader_id",
    "author_avatar",
    "featured_us",
    "featured_note",
    "reaction_counts",
    "mentions",
)
_OPTIONAL = {
    "pinned": False,
    "reader_id": None,
    "author_avatar": None,
    "featured_us": None,
    "featured_note": None,
    "reaction_counts": None,
    "mentions": None,
}


def _make(
    id: str,
    thread_id: int,
    parent_id: str | None,
    root_id: str | None,
    depth: int,
    author_name: str,
    author_url: str | None,
    author_is_staff: Any,
    body: str,
    body_html: str,
    status: str,
    created_us: int,
    edited_us: int | None,
    upvotes: int,
    downvotes: int,
    descendant_count: int,
    anchor: Any,
    pinned: Any,
    reader_id: str | None,
    author_avatar: str | None,
    featured_us: int | None,
    featured_note: str | None,
    reaction_counts: Any,
    mentions: Any,
) -> Comment:
    return Comment(
        id,
        thread_id,
        parent_id,
        root_id,
        depth,
        author_name,
        author_url,
        bool(author_is_staff),
        body,
        body_html,
        _STATUS[status],
        from_us(created_us),
        from_us(edited_us) if edited_us is not None else None,
        upvotes,
        downvotes,
        descendant_count,
        parse_anchor(anchor) if anchor is not None else None,
        bool(pinned),
        reader_id=reader_id,
        author_avatar=author_avatar,
        featured_at=from_us(featured_us) if featured_us is not None else None,
        featured_note=featured_note,
        reactions=reaction_pairs(reaction_counts),
        mentions=tuple(mentions or ()),
    )


def _picker(fields: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """A function taking ``_COLUMNS``' values out of a row with these ``fields``, by position
    (a row's attribute lookups cost about as much as building the comment)."""
    if all(name in fields for name in _COLUMNS):
        return itemgetter(*(fields.index(name) for name in _COLUMNS))
    required = [name for name in _COLUMNS if name not in _OPTIONAL]
    missing = [name for name in required if name not in fields]
    if missing:
        raise KeyError(f"A comment row lacks {', '.join(missing)}")
    return lambda row: tuple(
        row[fields.index(name)] if name in fields else _OPTIONAL[name] for name in _COLUMNS
    )


def to_comment(row: Any) -> Comment:
    """A ``comments`` row as a domain comment."""
    return _make(*_picker(tuple(row._fields))(row))


def to_comments(rows: Iterable[Any]) -> list[Comment]:
    """Rows of one result (same columns) as domain comments, the columns looked up once."""
    found = list(rows)
    if not found:
        return []
    pick = _picker(tuple(found[0]._fields))
    return [_make(*pick(row)) for row in found]
