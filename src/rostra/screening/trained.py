"""The default screen: a classifier trained on Rostra's multilingual corpus, run in numpy.

A comment is cleaned of disguises, embedded by all-MiniLM-L6-v2 (``encoder``), broken into
hashed word and character n-grams, and checked for a few signals (``features``); one logistic
output per category (``weights.CATEGORIES``) turns these into scores. The n-grams carry the
languages the English encoder reads poorly; the embedding carries meaning across phrasings.

Staff teach it per site (``learn``): a comment staff rejected as, say, a threat, or approved
although it was held, is kept with its embedding; a new comment on that site that reads almost
the same (cosine ≥ ``NEAR``) takes the taught verdict. Every worker reads the taught examples
from the database (``ScreeningService`` polls for new ones), so a lesson reaches all workers
within the poll interval.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from rostra.screening import features
from rostra.screening.batching import Batcher
from rostra.screening.encoder import DIMENSIONS, MiniLM, shipped_encoder
from rostra.screening.weights import CATEGORIES, Weights
from rostra.services.ports import ModelRating

BENIGN = "benign"
# Categories that may refuse a comment outright at the site's reject threshold; the others
# (threats, doxxing, spam, …) only ever hold it for staff, who see the context.
REFUSABLE = frozenset({"insult"})
NEAR = 0.82  # cosine similarity at which a taught example decides a new comment
MAX_TAUGHT_CHARS = 2000
EXPLAIN_WORDS = 4


@functools.cache
def shipped_weights() -> Weights:
    path = resources.files("rostra.screening").joinpath("model", "classifier.npz")
    return Weights.load(Path(str(path)))


def _sigmoid(x: NDArray[np.float32]) -> NDArray[np.float32]:
    result: NDArray[np.float32] = 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))
    return result


class _Taught:
    """One site's taught examples: unit vectors and their categories (``benign`` included)."""

    def __init__(self) -> None:
        self.vectors = np.zeros((0, DIMENSIONS), np.float32)
        self.categories: list[str] = []

    def add(self, vector: NDArray[np.float32], category: str) -> None:
        # The category first: a reader between the two lines sees one vector fewer than
        # categories, never a vector without its category.
        self.categories.append(category)
        self.vectors = np.vstack([self.vectors, vector[None, :]])

    def nearest(self, vector: NDArray[np.float32]) -> tuple[str, float] | None:
        if not self.categories:
            return None
        vectors = self.vectors
        if not len(vectors):
            return None
        similarity = vectors @ vector
        best = int(similarity.argmax())
        return self.categories[best], float(similarity[best])


class TrainedModel:
    """``ToxicityModel`` for ``ROSTRA_TOXICITY_MODEL=trained`` (the default)."""

    hold_only: frozenset[str] = frozenset(CATEGORIES) - REFUSABLE
    categories: tuple[str, ...] = CATEGORIES

    def __init__(self, encoder: MiniLM | None = None, weights: Weights | None = None) -> None:
        self._encoder = encoder
        self._weights = weights
        self._taught: dict[str, _Taught] = {}
        self._lock = threading.Lock()
        self.load_seconds: float | None = None
        self._batched: Batcher[tuple[str, str | None], ModelRating] = Batcher(self._rate_many)

    def load(self) -> None:
        """Read the encoder and the weights (once per process; ~0.1-0.3 s)."""
        with self._lock:
            if self._encoder is None or self._weights is None:
                started = time.perf_counter()
                self._encoder = self._encoder or shipped_encoder()
                self._weights = self._weights or shipped_weights()
                features.lexicon_hits("")  # compiles the lexicon's patterns
                self.load_seconds = time.perf_counter() - started

    def rate_sync(self, text: str, site: str | None = None) -> ModelRating:
        """Scores and reasons for ``text`` (blocking: a few milliseconds of CPU)."""
        self.load()
        assert self._encoder is not None and self._weights is not None  # noqa: S101
        cleaned = features.clean(text)
        normalized = features.normalize_cleaned(cleaned)
        vector, known = self._encoder.read(normalized)
        buckets, values = features.hashed(normalized)
        signal = features.signals(cleaned, normalized)
        # The vector weighs as much as the encoder knows the words (see ``MiniLM.read``), and
        # both it and the n-grams as much as the comment has words (``weight_of_words``).
        shrink = features.weight_of_words(normalized)
        logits = self._weights.logits(vector * known * shrink, buckets, values * shrink, signal)
        probabilities = _sigmoid(logits)
        scores = {c: float(p) for c, p in zip(CATEGORIES, probabilities, strict=True)}
        taught = self._taught.get(site) if site is not None else None
        nearest = taught.nearest(vector) if taught is not None else None
        if nearest is not None and nearest[1] >= NEAR:
            category, similarity = nearest
            if category == BENIGN:
                # Staff approved a comment that reads the same: the model's guess yields.
                scores = {c: min(s, 0.25) for c, s in scores.items()}
            else:
                scores[category] = max(scores[category], min(0.99, similarity))
        flagged = [c for c, s in scores.items() if s >= 0.5]
        words = {c: self._weighty_words(normalized, c) for c in flagged}
        return ModelRating(scores, words)

    def _weighty_words(self, normalized: str, category: str) -> tuple[str, ...]:
        """The words whose n-grams pushed ``category`` up the most."""
        assert self._weights is not None  # noqa: S101
        column = CATEGORIES.index(category)
        pushes: dict[str, float] = {}
        for word in dict.fromkeys(w for w in normalized.split() if len(w) > 2):
            buckets, values = features.hashed(word)
            pushes[word] = float(values @ self._weights.hashed[buckets, column])
        ranked = sorted(pushes.items(), key=lambda item: item[1], reverse=True)
        return tuple(word for word, push in ranked[:EXPLAIN_WORDS] if push > 0)

    def _rate_many(self, items: Sequence[tuple[str, str | None]]) -> list[ModelRating]:
        return [self.rate_sync(text, site) for text, site in items]

    def score_sync(self, text: str, site: str | None = None) -> dict[str, float]:
        return self.rate_sync(text, site).scores

    async def rate(self, text: str, site: str | None = None) -> ModelRating:
        # Milliseconds of CPU: off the event loop, in batches when comments arrive together.
        return await self._batched((text, site))

    async def score(self, text: str, site: str | None = None) -> dict[str, float]:
        return (await self.rate(text, site)).scores

    def learn(self, site: str, category: str, text: str) -> None:
        """Remember a staff decision on ``site``: ``text`` is ``category`` (or ``benign``)."""
        if category not in (*CATEGORIES, BENIGN):
            raise ValueError(f"Unknown screening category {category!r}.")
        text = text.strip()[:MAX_TAUGHT_CHARS]
        if not text:
            raise ValueError("A taught example needs some text.")
        self.load()
        assert self._encoder is not None  # noqa: S101
        vector = self._encoder.embed(features.screen_text(text))
        with self._lock:
            self._taught.setdefault(site, _Taught()).add(vector, category)

    async def learn_async(self, site: str, category: str, text: str) -> None:
        await asyncio.to_thread(self.learn, site, category, text)

    def taught(self, site: str) -> int:
        """How many examples staff taught the screen on ``site``."""
        found = self._taught.get(site)
        return len(found.categories) if found else 0
