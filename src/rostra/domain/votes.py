"""Votes: one per reader and comment, up (+1), down (-1) or withdrawn (0)."""

from __future__ import annotations

from dataclasses import dataclass

from rostra.domain.errors import ValidationError


@dataclass(frozen=True, slots=True)
class Tally:
    """A comment's vote counts as readers see them."""

    upvotes: int
    downvotes: int
    my_vote: int

    @property
    def score(self) -> int:
        """Upvotes minus downvotes."""
        return self.upvotes - self.downvotes


def validate_vote(value: object) -> int:
    """A vote is exactly 1, -1 or 0; booleans are not numbers here."""
    if isinstance(value, bool) or value not in (1, -1, 0):
        raise ValidationError("A vote is 1 (up), -1 (down) or 0 (withdraw).", field="value")
    return int(value)  # type: ignore[call-overload,unused-ignore]


def vote_delta(old: int, new: int) -> tuple[int, int]:
    """How (upvotes, downvotes) change when a reader's vote goes from ``old`` to ``new``."""
    return (int(new == 1) - int(old == 1), int(new == -1) - int(old == -1))
