"""Domain objects built in one line, for tests of the pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rostra.domain.anchors import Anchor
from rostra.domain.comments import Comment, CommentStatus

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def make_comment(
    comment_id: str,
    parent_id: str | None = None,
    *,
    root_id: str | None = None,
    second: float = 0,
    status: CommentStatus = CommentStatus.PUBLISHED,
    anchor: Anchor | None = None,
    upvotes: int = 0,
    downvotes: int = 0,
) -> Comment:
    """A comment in thread 1 posted ``second`` seconds after T0; replies default to root "r"."""
    if parent_id is not None and root_id is None:
        root_id = "r"
    return Comment(
        id=comment_id,
        thread_id=1,
        parent_id=parent_id,
        root_id=root_id,
        depth=0 if parent_id is None else 1,
        author_name=f"Author of {comment_id}",
        author_url="https://author.example",
        author_is_staff=False,
        body=f"Body of {comment_id}",
        body_html=f"<p>Body of {comment_id}</p>",
        status=status,
        created_at=T0 + timedelta(seconds=second),
        edited_at=None,
        upvotes=upvotes,
        downvotes=downvotes,
        descendant_count=0,
        anchor=anchor,
    )
