"""Re-anchoring: where a stored anchor belongs in the article's current text, or that it is lost.

Three steps, most certain first:

1. **position**: ``start``/``end`` still hold ``exact``;
2. **quote**: ``exact`` occurs in the text; the occurrence whose surrounding text agrees best with
   the stored ``prefix``/``suffix`` wins (ties go to the one nearest the old ``start``, and with
   no ``start`` a tie is ambiguous);
3. **fuzzy**: candidate regions begin where the quote's head (or the prefix's tail) occurs and end
   where its tail (or the suffix's head) occurs, with a length within 25 % of the quote's; each
   is scored by Levenshtein distance (rapidfuzz) and must stay within 25 % of the quote's length.
   Two acceptable regions that do not overlap are ambiguous.

Anything else is :class:`Orphaned`: a comment is never moved to a place it was not written about.
``src/rostra/widget/inline.js`` mirrors these rules for the browser; ``tests/data/
anchoring_cases.json`` holds the cases both must agree on.
"""

from __future__ import annotations

import enum
from bisect import bisect_left
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from rostra.domain.anchors import Anchor

FUZZY_MIN_LENGTH = 10  # shorter quotes are too common to place by resemblance
FUZZY_ERROR_RATE = 0.25  # edits allowed per character of the quote
SEED_LENGTH = 16  # characters of the quote's head/tail and of the context used to find regions
CONTEXT_MIN_LENGTH = 4  # shorter context is too common to locate anything
MAX_OCCURRENCES = 64  # a seed found more often than this tells nothing and is ignored
MAX_CANDIDATES = 256  # regions scored at most; beyond, the anchor is too ambiguous to place


class Method(enum.StrEnum):
    """How an anchor was placed."""

    POSITION = "position"
    QUOTE = "quote"
    FUZZY = "fuzzy"


@dataclass(frozen=True, slots=True)
class Placement:
    """Where the anchored passage is now: ``text[start:end]``."""

    start: int
    end: int
    method: Method


@dataclass(frozen=True, slots=True)
class Orphaned:
    """The passage cannot be placed any more: ``not_found`` or ``ambiguous``."""

    reason: str


def place_anchor(text: str, anchor: Anchor) -> Placement | Orphaned:
    """Find where ``anchor`` belongs in ``text`` now, or report it orphaned."""
    exact = anchor.exact
    if not exact:
        return Orphaned("not_found")
    start, end = anchor.start, anchor.end
    if start is not None and end is not None and text[start:end] == exact:
        return Placement(start, end, Method.POSITION)
    found = _by_quote(text, anchor)
    if found is not None:
        return found
    return _by_resemblance(text, anchor)


def _occurrences(text: str, needle: str) -> list[int]:
    """Every index where ``needle`` starts (overlapping), or [] when there are too many."""
    found: list[int] = []
    at = text.find(needle)
    while at >= 0:
        if len(found) == MAX_OCCURRENCES:
            return []
        found.append(at)
        at = text.find(needle, at + 1)
    return found


def _common_tail(a: str, b: str) -> int:
    """Length of the longest common suffix."""
    n = 0
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x != y:
            break
        n += 1
    return n


def _common_head(a: str, b: str) -> int:
    """Length of the longest common prefix."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _by_quote(text: str, anchor: Anchor) -> Placement | Orphaned | None:
    exact, prefix, suffix = anchor.exact, anchor.prefix, anchor.suffix
    n = len(exact)
    best: list[tuple[int, int]] = []  # (score, index) of the best-scoring occurrences
    top = -1
    at = text.find(exact)
    while at >= 0:
        score = _common_tail(prefix, text[max(0, at - len(prefix)) : at]) + _common_head(
            suffix, text[at + n : at + n + len(suffix)]
        )
        if score > top:
            top, best = score, [(score, at)]
        elif score == top:
            best.append((score, at))
        at = text.find(exact, at + 1)
    if not best:
        return None
    if len(best) == 1:
        return Placement(best[0][1], best[0][1] + n, Method.QUOTE)
    if anchor.start is None:
        return Orphaned("ambiguous")
    hint = anchor.start
    nearest = min(best, key=lambda item: (abs(item[1] - hint), item[1]))[1]
    return Placement(nearest, nearest + n, Method.QUOTE)


def _by_resemblance(text: str, anchor: Anchor) -> Placement | Orphaned:
    exact, prefix, suffix = anchor.exact, anchor.prefix, anchor.suffix
    n = len(exact)
    if n < FUZZY_MIN_LENGTH:
        return Orphaned("not_found")
    limit = int(n * FUZZY_ERROR_RATE)
    seed = min(SEED_LENGTH, n // 3)
    starts = set(_occurrences(text, exact[:seed]))
    ends = {at + seed for at in _occurrences(text, exact[-seed:])}
    before = prefix[-SEED_LENGTH:]
    if len(before) >= CONTEXT_MIN_LENGTH:
        starts |= {at + len(before) for at in _occurrences(text, before)}
    after = suffix[:SEED_LENGTH]
    if len(after) >= CONTEXT_MIN_LENGTH:
        ends |= set(_occurrences(text, after))
    ordered_ends = sorted(ends)
    candidates: list[tuple[int, int, int]] = []  # (distance, start, end)
    scored = 0
    for start in sorted(starts):
        i = bisect_left(ordered_ends, start + n - limit)
        while i < len(ordered_ends) and ordered_ends[i] <= start + n + limit:
            end = ordered_ends[i]
            i += 1
            if end <= start:
                continue
            scored += 1
            if scored > MAX_CANDIDATES:
                return Orphaned("ambiguous")
            distance = Levenshtein.distance(exact, text[start:end], score_cutoff=limit)
            if distance <= limit:
                candidates.append((distance, start, end))
    if not candidates:
        return Orphaned("not_found")
    _, start, end = min(candidates)
    if any(e <= start or s >= end for _, s, e in candidates):
        return Orphaned("ambiguous")
    return Placement(start, end, Method.FUZZY)
