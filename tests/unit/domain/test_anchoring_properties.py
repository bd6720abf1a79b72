"""Properties of re-anchoring on random texts: exact when nothing changed, exact after edits
around the passage, and never somewhere else after edits inside it."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rostra.domain.anchoring import Orphaned, Placement, place_anchor
from rostra.domain.anchors import Anchor

CONTEXT = 32
# Word-like text: letters, a few punctuation marks and spaces, as in an article.
ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.;'-"
texts = st.text(alphabet=ALPHABET, min_size=40, max_size=400)


def occurs_once(text: str, part: str) -> bool:
    """``part`` occurs exactly once, counting overlapping occurrences."""
    first = text.find(part)
    return first >= 0 and text.find(part, first + 1) < 0


def anchor_for(text: str, start: int, end: int) -> Anchor:
    return Anchor(
        text[start:end],
        text[max(0, start - CONTEXT) : start],
        text[end : end + CONTEXT],
        start,
        end,
    )


@st.composite
def passages(draw: st.DrawFn, min_size: int = 1) -> tuple[str, int, int]:
    text = draw(texts)
    start = draw(st.integers(0, len(text) - min_size))
    end = draw(st.integers(start + min_size, min(len(text), start + 80)))
    return text, start, end


@st.composite
def small_edit(draw: st.DrawFn, text: str, lo: int, hi: int) -> tuple[str, int, int]:
    """One insertion, deletion or replacement of up to 3 characters within [lo, hi]; returns
    the new text, where the edit began and how much it moved what followed."""
    at = draw(st.integers(lo, hi))
    removed = draw(st.integers(0, min(3, hi - at)))
    inserted = draw(st.text(alphabet=ALPHABET, max_size=3))
    assume(removed or inserted)
    return text[:at] + inserted + text[at + removed :], at, len(inserted) - removed


@given(passages())
def test_any_passage_of_an_unchanged_text_re_anchors_exactly(case: tuple[str, int, int]) -> None:
    text, start, end = case
    result = place_anchor(text, anchor_for(text, start, end))
    assert isinstance(result, Placement)
    assert (result.start, result.end) == (start, end)


@given(passages())
def test_without_offsets_a_unique_passage_re_anchors_exactly(case: tuple[str, int, int]) -> None:
    text, start, end = case
    anchor = anchor_for(text, start, end)
    assume(occurs_once(text, anchor.exact))
    result = place_anchor(text, Anchor(anchor.exact, anchor.prefix, anchor.suffix))
    assert isinstance(result, Placement)
    assert (result.start, result.end) == (start, end)


@settings(max_examples=300)
@given(st.data(), passages(min_size=5))
def test_small_edits_around_a_passage_keep_it_exactly(
    data: st.DataObject, case: tuple[str, int, int]
) -> None:
    text, start, end = case
    anchor = anchor_for(text, start, end)
    edits = data.draw(st.integers(1, 3))
    new, new_start = text, start
    for _ in range(edits):
        before = data.draw(st.booleans())
        exact_at = new_start
        exact_end = new_start + len(anchor.exact)
        if before:
            new, _, moved = data.draw(small_edit(new, 0, exact_at))
            new_start += moved
        else:
            new, _, _ = data.draw(small_edit(new, exact_end, len(new)))
    assert new[new_start : new_start + len(anchor.exact)] == anchor.exact
    # Where the passage occurs more than once, context decides; require it to be unique so
    # that "exactly" has one meaning.
    assume(occurs_once(new, anchor.exact))
    result = place_anchor(new, anchor)
    assert isinstance(result, Placement)
    assert (result.start, result.end) == (new_start, new_start + len(anchor.exact))


@settings(max_examples=300)
@given(st.data(), passages(min_size=10))
def test_edits_inside_a_passage_place_it_over_the_old_region_or_orphan_it(
    data: st.DataObject, case: tuple[str, int, int]
) -> None:
    text, start, end = case
    anchor = anchor_for(text, start, end)
    assume(occurs_once(text, anchor.exact))
    new, _, moved = data.draw(small_edit(text, start, end))
    assume(new[start : end + moved] != anchor.exact)
    result = place_anchor(new, anchor)
    if isinstance(result, Orphaned):
        return
    # The edited passage now spans [start, end + moved); the placement must overlap it.
    assert result.start < max(end + moved, start + 1)
    assert result.end > start
