"""Votes: exactly 1, -1 or 0, and how a changed vote moves the counts."""

from __future__ import annotations

import pytest

from rostra.domain.errors import ValidationError
from rostra.domain.votes import Tally, validate_vote, vote_delta


@pytest.mark.parametrize(
    ("old", "new", "delta"),
    [
        (0, 0, (0, 0)),
        (0, 1, (1, 0)),
        (0, -1, (0, 1)),
        (1, 1, (0, 0)),
        (1, 0, (-1, 0)),
        (1, -1, (-1, 1)),
        (-1, -1, (0, 0)),
        (-1, 0, (0, -1)),
        (-1, 1, (1, -1)),
    ],
)
def test_vote_delta_moves_upvotes_and_downvotes(old: int, new: int, delta: tuple[int, int]) -> None:
    assert vote_delta(old, new) == delta


@pytest.mark.parametrize("value", [1, -1, 0])
def test_one_minus_one_and_zero_are_votes(value: int) -> None:
    result = validate_vote(value)
    assert result == value
    assert type(result) is int


@pytest.mark.parametrize("value", [True, False, 2, -2, "1", "up", None, [], {}, 0.5])
def test_anything_else_is_not_a_vote(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_vote(value)
    assert caught.value.field == "value"


def test_tally_score_is_upvotes_minus_downvotes() -> None:
    assert Tally(upvotes=2, downvotes=5, my_vote=-1).score == -3
