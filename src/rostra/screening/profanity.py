"""The embedded default: alt-profanity-check, a linear model over word n-grams whose weights
ship inside its wheel (no network, about 2 ms a comment on one core)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from rostra.domain.screening import fold, normalize_text

CATEGORY = "profanity"


class ProfanityModel:
    """``ToxicityModel`` on alt-profanity-check. The library is imported on the first comment,
    not at start-up (importing scikit-learn takes most of a second)."""

    hold_only: frozenset[str] = frozenset()

    def __init__(self) -> None:
        self._predict: Callable[[Sequence[str]], Any] | None = None
        self._lock = threading.Lock()
        self.load_seconds: float | None = None

    def load(self) -> None:
        """Import the classifier now (idempotent); ``rostra serve`` never calls it."""
        with self._lock:
            if self._predict is None:
                started = time.perf_counter()
                from profanity_check import predict_prob

                self._predict = predict_prob
                self.load_seconds = time.perf_counter() - started

    def score_sync(self, text: str) -> dict[str, float]:
        """The score of ``text`` as written and as normalized (``f.u.c.k``, ``id10t``),
        whichever is higher; blocking, so callers on an event loop use ``score``."""
        self.load()
        assert self._predict is not None  # noqa: S101 - set by load()
        variants = [text]
        normalized = normalize_text(text)
        if normalized != " ".join(fold(text).split()):
            variants.append(normalized)
        return {CATEGORY: float(max(self._predict(variants)))}

    async def score(self, text: str) -> dict[str, float]:
        return await asyncio.to_thread(self.score_sync, text)
