"""Sort orders and the opaque cursors that page through a thread's top-level comments.

A cursor holds the sort key of the last comment shown, so "load more" continues right after it
whatever is posted meanwhile: new comments sort before it (newest) or after the end (oldest) and
neither repeat nor push older ones off the next page.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from enum import StrEnum

from rostra.domain.comments import Comment
from rostra.domain.errors import ValidationError
from rostra.domain.times import to_us

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class Sort(StrEnum):
    """The sort tabs: Newest, Oldest, Most Voted, Most reacted, and Featured (staff's picks,
    one page)."""

    NEWEST = "newest"
    OLDEST = "oldest"
    VOTES = "votes"
    REACTIONS = "reactions"
    FEATURED = "featured"


# The orders that page through a thread's top-level comments with a cursor.
PAGED_SORTS = (Sort.NEWEST, Sort.OLDEST, Sort.VOTES, Sort.REACTIONS)


@dataclass(frozen=True, slots=True)
class Cursor:
    """The position after which the next page starts, in the order of ``sort``."""

    sort: Sort
    created_us: int
    comment_id: str
    score: int = 0  # the score, or the reaction total for "Most reacted"

    @classmethod
    def after(cls, sort: Sort, comment: Comment) -> Cursor:
        """The cursor that continues after ``comment``."""
        score = comment.reaction_total if sort is Sort.REACTIONS else comment.score
        return cls(sort, to_us(comment.created_at), comment.id, score)

    def encode(self) -> str:
        """An opaque, URL-safe string."""
        raw = json.dumps([self.sort.value, self.score, self.created_us, self.comment_id])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, sort: Sort) -> Cursor:
        """Read a cursor made by :meth:`encode` for the same ``sort``, or raise."""
        problem = ValidationError(
            "The cursor is not one this server gave out for this sort order.", field="cursor"
        )
        if sort not in PAGED_SORTS:
            raise ValidationError(
                "The featured comments are one page: send no cursor.", field="cursor"
            )
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            name, score, created_us, comment_id = json.loads(raw)
        except (ValueError, TypeError, RecursionError) as exc:
            raise problem from exc
        if (
            name != sort.value
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in (score, created_us))
            or not isinstance(comment_id, str)
            or len(comment_id) > 64
        ):
            raise problem
        return cls(sort, created_us, comment_id, score)


def validate_limit(limit: int) -> int:
    """Pages hold 1-100 top-level comments."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValidationError(f"'limit' must be between 1 and {MAX_PAGE_SIZE}.", field="limit")
    return limit
