"""Re-anchoring: exact position, then quote with context, then bounded fuzzy match, else orphaned.

The cases in ``tests/data/anchoring_cases.json`` are shared with the widget's JavaScript mirror
(``tests/e2e/test_inline.py`` runs them in Chromium): both must give the same answers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rostra.domain.anchoring import (
    MAX_CANDIDATES,
    Method,
    Orphaned,
    Placement,
    place_anchor,
)
from rostra.domain.anchors import Anchor, parse_anchor
from rostra.domain.errors import ValidationError

CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).resolve().parents[2] / "data" / "anchoring_cases.json").read_text()
)["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_shared_case_places_the_anchor_where_the_fixture_says(case: dict[str, Any]) -> None:
    anchor = parse_anchor(case["anchor"])
    assert anchor is not None
    result = place_anchor(case["text"], anchor)
    if case["expected"] is None:
        assert result == Orphaned(case["orphaned"])
    else:
        expected = case["expected"]
        assert result == Placement(expected["start"], expected["end"], Method(expected["method"]))


def test_shared_cases_cover_every_method_and_both_orphan_reasons() -> None:
    methods = {c["expected"]["method"] for c in CASES if c["expected"]}
    reasons = {c["orphaned"] for c in CASES if c["orphaned"]}
    assert methods == {"position", "quote", "fuzzy"}
    assert reasons == {"not_found", "ambiguous"}


def test_fuzzy_placement_covers_the_edited_passage_not_just_the_old_length() -> None:
    text = "Before it. The council approved the new budget on Monday. After it."
    anchor = Anchor("The council approved the budget on Monday.", "Before it. ", " After it.")
    result = place_anchor(text, anchor)
    assert isinstance(result, Placement)
    assert result.method is Method.FUZZY
    assert text[result.start : result.end] == "The council approved the new budget on Monday."


def test_a_quote_resembling_several_places_equally_is_not_moved_to_any() -> None:
    text = "Alpha beta gamma delta. " * 3 + "Epsilon zeta eta theta."
    result = place_anchor(text, Anchor("Alpha beta gxmma delta.", "", ""))
    assert result == Orphaned("ambiguous")


def test_too_many_candidate_regions_are_reported_ambiguous_rather_than_searched() -> None:
    text = "ab" * (MAX_CANDIDATES * 4)
    result = place_anchor(text, Anchor("abababababXbababababab", "", ""))
    assert isinstance(result, Orphaned)


def test_edits_beyond_a_quarter_of_the_passage_orphan_it() -> None:
    text = "Start. The mayor opened the new library wing today. End."
    anchor = Anchor("The mayor closed an old museum room yesterday.", "Start. ", " End.")
    assert place_anchor(text, anchor) == Orphaned("not_found")


def test_passage_id_of_a_fixed_feedback_point_is_kept_and_checked() -> None:
    anchor = parse_anchor({"exact": "Do you agree?", "passage": "poll-1"})
    assert anchor is not None
    assert anchor.passage == "poll-1"
    assert anchor.to_dict()["passage"] == "poll-1"
    assert parse_anchor(anchor.to_dict()) == anchor
    assert "passage" not in Anchor("no point").to_dict()  # older stored anchors stay equal


@pytest.mark.parametrize("bad", ["", " padded ", "x" * 101, "tab\there", 7])
def test_bad_passage_ids_are_rejected(bad: object) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_anchor({"exact": "Do you agree?", "passage": bad})
    assert caught.value.field == "anchor.passage"
