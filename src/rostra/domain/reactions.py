"""Reactions: one per reader and comment, chosen from the small fixed set of the comment's site."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from rostra.domain.errors import ValidationError

DEFAULT_REACTIONS = ("👍", "❤️", "😂", "😮", "😢", "😡")
MAX_REACTIONS = 8
MAX_REACTION_LENGTH = 24


def site_reactions(stored: Iterable[str] | None) -> tuple[str, ...]:
    """A site's reactions as stored: None means the default set, an empty list none at all."""
    return DEFAULT_REACTIONS if stored is None else tuple(stored)


def validate_reaction_set(values: Iterable[object]) -> tuple[str, ...]:
    """A site's choice: up to 8 distinct emoji or short text labels (an empty set turns
    reactions off)."""
    chosen: list[str] = []
    for value in values:
        if not isinstance(value, str):
            raise ValidationError("Each reaction is an emoji or a short label.", field="reactions")
        label = unicodedata.normalize("NFC", value.strip())
        if not label or len(label) > MAX_REACTION_LENGTH:
            raise ValidationError(
                f"A reaction is 1-{MAX_REACTION_LENGTH} characters: {value!r}.",
                field="reactions",
            )
        if any(unicodedata.category(ch) in ("Cc", "Cf") and ch != "\u200d" for ch in label):
            raise ValidationError(
                f"A reaction may not hold control characters: {value!r}.", field="reactions"
            )
        if label in chosen:
            raise ValidationError(f"{label!r} is listed twice.", field="reactions")
        chosen.append(label)
    if len(chosen) > MAX_REACTIONS:
        raise ValidationError(
            f"A site offers at most {MAX_REACTIONS} reactions.", field="reactions"
        )
    return tuple(chosen)


def validate_reaction(value: object, offered: tuple[str, ...]) -> str | None:
    """A reader's choice: one of the site's reactions, or null to take theirs back."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError(
            "'reaction' is one of the site's reactions, or null.", field="reaction"
        )
    if not offered:
        raise ValidationError("This site does not offer reactions.", field="reaction")
    label = unicodedata.normalize("NFC", value)
    if label not in offered:
        raise ValidationError(
            f"{value!r} is not one of this site's reactions ({' '.join(offered)}).",
            field="reaction",
        )
    return label


def reaction_pairs(counts: Mapping[str, Any] | None) -> tuple[tuple[str, int], ...]:
    """Stored counts as (reaction, count) pairs, most chosen first, without zeros."""
    if not counts:
        return ()
    pairs = [(str(k), int(v)) for k, v in counts.items() if int(v) > 0]
    return tuple(sorted(pairs, key=lambda pair: -pair[1]))


def adjust_counts(counts: Mapping[str, int], old: str | None, new: str | None) -> dict[str, int]:
    """The counts after a reader's reaction goes from ``old`` to ``new`` (None: none)."""
    changed = dict(counts)
    if old is not None:
        changed[old] = changed.get(old, 0) - 1
    if new is not None:
        changed[new] = changed.get(new, 0) + 1
    return {k: v for k, v in changed.items() if v > 0}
