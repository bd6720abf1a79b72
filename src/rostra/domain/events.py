"""What happened to a thread, published to live readers after the change is committed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ThreadEvent:
    """Base of the events one thread's readers receive; ``name`` is the SSE event name."""

    site: str
    page: str
    comment_id: str

    name = "thread.changed"


@dataclass(frozen=True, slots=True)
class CommentCreated(ThreadEvent):
    """A comment was published."""

    name = "comment.created"


@dataclass(frozen=True, slots=True)
class CommentUpdated(ThreadEvent):
    """A published comment's text changed."""

    name = "comment.updated"


@dataclass(frozen=True, slots=True)
class CommentDeleted(ThreadEvent):
    """A comment was deleted by its author or staff."""

    name = "comment.deleted"


@dataclass(frozen=True, slots=True)
class VoteChanged(ThreadEvent):
    """A comment's score changed."""

    score: int = 0
    upvotes: int = 0
    downvotes: int = 0

    name = "vote.changed"
