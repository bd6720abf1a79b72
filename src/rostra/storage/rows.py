"""Conversions between stored rows and domain objects."""

from __future__ import annotations

from typing import Any

from rostra.domain.anchors import parse_anchor
from rostra.domain.comments import Comment, CommentStatus
from rostra.domain.times import from_us


def to_comment(row: Any) -> Comment:
    """A ``comments`` row as a domain comment."""
    return Comment(
        id=row.id,
        thread_id=row.thread_id,
        parent_id=row.parent_id,
        root_id=row.root_id,
        depth=row.depth,
        author_name=row.author_name,
        author_url=row.author_url,
        author_is_staff=bool(row.author_is_staff),
        body=row.body,
        body_html=row.body_html,
        status=CommentStatus(row.status),
        created_at=from_us(row.created_us),
        edited_at=from_us(row.edited_us) if row.edited_us is not None else None,
        upvotes=row.upvotes,
        downvotes=row.downvotes,
        descendant_count=row.descendant_count,
        anchor=parse_anchor(row.anchor),
        pinned=bool(getattr(row, "pinned", False)),
        reader_id=getattr(row, "reader_id", None),  # issue 10
        author_avatar=getattr(row, "author_avatar", None),
        featured_at=from_us(featured) if (featured := getattr(row, "featured_us", None)) else None,
        featured_note=getattr(row, "featured_note", None),
    )
