"""Anchors for inline feedback: the quoted passage, its context and optional offsets."""

from __future__ import annotations

from typing import Any

import pytest

from rostra.domain.anchors import (
    MAX_CONTEXT_LENGTH,
    MAX_EXACT_LENGTH,
    MAX_OFFSET,
    Anchor,
    parse_anchor,
)
from rostra.domain.errors import ValidationError


def test_no_anchor_means_whole_article() -> None:
    assert parse_anchor(None) is None


def test_full_anchor_is_parsed_and_round_trips_through_its_dict() -> None:
    data = {"exact": "the bridge", "prefix": "Yesterday ", "suffix": " reopened", "start": 10}
    data["end"] = 20
    anchor = parse_anchor(data)
    assert anchor == Anchor("the bridge", "Yesterday ", " reopened", 10, 20)
    assert anchor is not None
    assert anchor.to_dict() == data
    assert parse_anchor(anchor.to_dict()) == anchor


def test_context_and_offsets_are_optional() -> None:
    assert parse_anchor({"exact": "passage"}) == Anchor("passage", "", "", None, None)
    assert parse_anchor({"exact": "passage", "prefix": None, "suffix": None}) == Anchor("passage")


def test_exact_at_the_limit_is_accepted() -> None:
    anchor = parse_anchor({"exact": "e" * MAX_EXACT_LENGTH})
    assert anchor is not None
    assert len(anchor.exact) == MAX_EXACT_LENGTH


def test_long_context_keeps_the_text_nearest_the_passage() -> None:
    prefix = "far " + "p" * MAX_CONTEXT_LENGTH
    suffix = "s" * MAX_CONTEXT_LENGTH + " far"
    anchor = parse_anchor({"exact": "x", "prefix": prefix, "suffix": suffix})
    assert anchor is not None
    assert anchor.prefix == "p" * MAX_CONTEXT_LENGTH
    assert anchor.suffix == "s" * MAX_CONTEXT_LENGTH


def test_offsets_at_the_bounds_are_accepted() -> None:
    anchor = parse_anchor({"exact": "x", "start": 0, "end": MAX_OFFSET})
    assert anchor is not None
    assert (anchor.start, anchor.end) == (0, MAX_OFFSET)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "anchor.exact"),
        ({"exact": ""}, "anchor.exact"),
        ({"exact": "  \n "}, "anchor.exact"),
        ({"exact": 42}, "anchor.exact"),
        ({"exact": ["a"]}, "anchor.exact"),
        ({"exact": "e" * (MAX_EXACT_LENGTH + 1)}, "anchor.exact"),
        ({"exact": "x", "prefix": 5}, "anchor.prefix"),
        ({"exact": "x", "suffix": ["a"]}, "anchor.suffix"),
        ({"exact": "x", "start": 1}, "anchor.end"),
        ({"exact": "x", "end": 1}, "anchor.end"),
        ({"exact": "x", "start": 5, "end": 5}, "anchor.end"),
        ({"exact": "x", "start": 6, "end": 5}, "anchor.end"),
        ({"exact": "x", "start": -1, "end": 5}, "anchor.start"),
        ({"exact": "x", "start": 0, "end": MAX_OFFSET + 1}, "anchor.end"),
        ({"exact": "x", "start": True, "end": 5}, "anchor.start"),
        ({"exact": "x", "start": 0, "end": False}, "anchor.end"),
        ({"exact": "x", "start": "0", "end": 5}, "anchor.start"),
        ({"exact": "x", "start": 0.0, "end": 5}, "anchor.start"),
        ({"exact": "x", "start": None, "end": 5}, "anchor.end"),
    ],
)
def test_malformed_anchor_is_refused_naming_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_anchor(data)
    assert caught.value.field == field
    assert caught.value.code == "invalid"
