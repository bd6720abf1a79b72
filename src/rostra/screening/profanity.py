"""The embedded default: alt-profanity-check, a linear model over words whose weights ship
inside its wheel (no network). Its weights are evaluated by ``LinearScorer`` (~0.1 ms a comment,
on the event loop); scikit-learn's own ``predict_prob`` (~3-7 ms a call, batched on a thread)
remains for a model release of another shape."""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from rostra.domain.screening import fold, normalize_text
from rostra.screening.batching import Batcher
from rostra.screening.linear import LinearScorer, UnsupportedModelError

CATEGORY = "profanity"


def profanity_available() -> bool:
    """Whether alt-profanity-check (the ``profanity`` extra) is installed; nothing is
    imported."""
    return importlib.util.find_spec("profanity_check") is not None


@functools.cache
def _shipped_scorer() -> LinearScorer | None:
    """The scorer of the model in alt-profanity-check's wheel, read once per process (~30 ms:
    the weights of 15,000 words), or None for a model of another shape."""
    from profanity_check import profanity_check

    try:
        return LinearScorer.of(profanity_check.vectorizer, profanity_check.model)
    except UnsupportedModelError:
        return None


class ProfanityModel:
    """``ToxicityModel`` on alt-profanity-check. The library is imported by ``load``, which the
    server calls as it starts (importing scikit-learn takes a second or more), not on import."""

    hold_only: frozenset[str] = frozenset()

    def __init__(self) -> None:
        self._predict: Callable[[Sequence[str]], Any] | None = None
        self._scorer: LinearScorer | None = None
        self._lock = threading.Lock()
        self.load_seconds: float | None = None
        # Comments posted together are scored in one call (see ``rostra.screening.batching``).
        self._batched: Batcher[str, dict[str, float]] = Batcher(self.score_many)

    def load(self) -> None:
        """Import the classifier now (idempotent); the app's start-up hook calls it."""
        with self._lock:
            if self._predict is None:
                started = time.perf_counter()
                from profanity_check import predict_prob

                self._scorer = _shipped_scorer()
                self._predict = predict_prob
                self.load_seconds = time.perf_counter() - started

    def score_sync(self, text: str) -> dict[str, float]:
        """The score of ``text`` as written and as normalized (``f.u.c.k``, ``id10t``),
        whichever is higher; blocking, so callers on an event loop use ``score``."""
        return self.score_many([text])[0]

    def score_many(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """``score_sync`` for several texts in one call to the classifier (blocking)."""
        self.load()
        assert self._predict is not None  # noqa: S101 - set by load()
        variants: list[str] = []
        spans: list[tuple[int, int]] = []
        for text in texts:
            start = len(variants)
            variants.append(text)
            normalized = normalize_text(text)
            if normalized != " ".join(fold(text).split()):
                variants.append(normalized)
            spans.append((start, len(variants)))
        if not variants:
            return []
        if self._scorer is not None:
            probabilities = [self._scorer.probability(variant) for variant in variants]
        else:
            probabilities = self._predict(variants)
        return [{CATEGORY: float(max(probabilities[a:b]))} for a, b in spans]

    async def score(self, text: str) -> dict[str, float]:
        if self._predict is None:  # the server loads at start-up; a first use elsewhere waits
            await asyncio.to_thread(self.load)
        if self._scorer is not None:  # microseconds: a thread hop would cost more
            return self.score_sync(text)
        return await self._batched(text)

    @property
    def fast(self) -> bool:
        """Whether the weights are evaluated by ``LinearScorer`` (after ``load``)."""
        return self._scorer is not None
