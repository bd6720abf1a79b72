"""Floors on the trained screen's quality, measured on the held-out sets that were written
apart from the training corpus (tests/data/moderation/heldout/, see its datasheet). A change
that loses recall or floods staff with benign comments fails here; bench/moderation_eval.py
prints the full per-category figures."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from rostra.domain import screening as rules
from rostra.domain.moderation import ModerationSettings, Verdict
from rostra.screening.trained import TrainedModel

HELDOUT = Path(__file__).parents[2] / "data" / "moderation" / "heldout"
SETTINGS = ModerationSettings()


@cache
def model() -> TrainedModel:
    loaded = TrainedModel()
    loaded.load()
    return loaded


def flagged(text: str) -> bool:
    """Held or refused with the default settings, by the model and the text rules."""
    rating = model().rate_sync(text)
    reasons = (
        *rules.score_reasons(rating.scores, SETTINGS, hold_only=model().hold_only),
        *rules.link_reasons(text, SETTINGS),
    )
    return any(reason.verdict is not Verdict.PUBLISH for reason in reasons)


def rows(name: str) -> list[dict[str, object]]:
    lines = (HELDOUT / name).read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


# (file, least share of abusive comments held, least share of benign comments published)
FLOORS = [("en.jsonl", 0.88, 0.93), ("multilingual.jsonl", 0.70, 0.90)]


@pytest.mark.parametrize(("name", "recall", "published"), FLOORS)
def test_heldout_set_stays_above_its_floor(name: str, recall: float, published: float) -> None:
    abusive = [str(r["text"]) for r in rows(name) if r["labels"]]
    benign = [str(r["text"]) for r in rows(name) if not r["labels"]]
    held = sum(flagged(text) for text in abusive) / len(abusive)
    left = sum(not flagged(text) for text in benign) / len(benign)
    assert held >= recall, f"{name}: {held:.3f} of abusive comments held (floor {recall})"
    assert left >= published, f"{name}: {left:.3f} of benign comments published (floor {published})"
