"""Anchors: where in the article an inline-feedback comment belongs (W3C Web Annotation style)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rostra.domain.errors import ValidationError

MAX_EXACT_LENGTH = 2_000
MAX_CONTEXT_LENGTH = 200
MAX_OFFSET = 10_000_000
MAX_PASSAGE_LENGTH = 100


@dataclass(frozen=True, slots=True)
class Anchor:
    """A quoted passage with its surrounding text and, optionally, its character offsets."""

    exact: str
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    end: int | None = None
    # The publisher's id of a fixed feedback point (``data-rostra-passage``), when there is one.
    passage: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the contract (``passage`` only when set, so older forms stay equal)."""
        data: dict[str, Any] = {
            "exact": self.exact,
            "prefix": self.prefix,
            "suffix": self.suffix,
            "start": self.start,
            "end": self.end,
        }
        if self.passage is not None:
            data["passage"] = self.passage
        return data


def parse_anchor(data: dict[str, Any] | None) -> Anchor | None:
    """Check an anchor as received (or as stored) and build it; None means whole-article."""
    if data is None:
        return None
    exact = data.get("exact")
    if not isinstance(exact, str) or not exact.strip():
        raise ValidationError(
            "An anchor needs the quoted passage in 'exact'.", field="anchor.exact"
        )
    if len(exact) > MAX_EXACT_LENGTH:
        raise ValidationError(
            f"The quoted passage is longer than {MAX_EXACT_LENGTH:,} characters.",
            field="anchor.exact",
        )
    context: dict[str, str] = {}
    for key in ("prefix", "suffix"):
        value = data.get(key) or ""
        if not isinstance(value, str):
            raise ValidationError(f"'{key}' must be text.", field=f"anchor.{key}")
        context[key] = (
            value[-MAX_CONTEXT_LENGTH:] if key == "prefix" else value[:MAX_CONTEXT_LENGTH]
        )
    start, end = data.get("start"), data.get("end")
    for key, value in (("start", start), ("end", end)):
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_OFFSET
        ):
            raise ValidationError(
                f"'{key}' must be a character offset between 0 and {MAX_OFFSET:,}.",
                field=f"anchor.{key}",
            )
    if (start is None) != (end is None):
        raise ValidationError("Give both 'start' and 'end', or neither.", field="anchor.end")
    if start is not None and end is not None and end <= start:
        raise ValidationError("'end' must come after 'start'.", field="anchor.end")
    passage = data.get("passage")
    if passage is not None and (
        not isinstance(passage, str)
        or not 1 <= len(passage) <= MAX_PASSAGE_LENGTH
        or not passage.isprintable()
        or passage != passage.strip()
    ):
        raise ValidationError(
            f"'passage' must be the feedback point's id, 1-{MAX_PASSAGE_LENGTH} characters.",
            field="anchor.passage",
        )
    return Anchor(exact, context["prefix"], context["suffix"], start, end, passage)
