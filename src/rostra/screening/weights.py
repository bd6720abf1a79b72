"""The trained classifier's weights (``model/classifier.npz``) and the arithmetic that turns
a comment's features into one score per category."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from rostra.screening.training import Matrix

# What the screen knows how to recognise. A comment may be several at once.
CATEGORIES = (
    "threat",
    "violence",  # calls for violence against people or groups; approval of past atrocities
    "dehumanization",
    "insult",  # insults and harassment of a person
    "sexual_harassment",
    "self_harm",  # encouraging someone to hurt or kill themselves
    "personal_data",  # doxxing: a person's address, phone, workplace, plate
    "spam",  # spam and scams
)

Array = NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Weights:
    embedding: Array  # (384, categories)
    hashed: Array  # (HASH_SIZE, categories)
    signals: Array  # (len(SIGNALS), categories)
    bias: Array  # (categories,)

    def logits(
        self,
        vector: Array,
        buckets: NDArray[np.int64],
        values: Array,
        signals: Array,
    ) -> Array:
        """One comment's raw scores (log-odds) per category."""
        result: Array = vector @ self.embedding + signals @ self.signals + self.bias
        if len(buckets):
            result = result + values @ self.hashed[buckets]
        return result

    def logits_many(self, data: Matrix) -> Array:
        rows = self.hashed[data.indices] * data.values[:, None]
        hashed = np.add.reduceat(rows, data.indptr[:-1], axis=0) if len(rows) else 0
        empty = np.diff(data.indptr) == 0
        if len(rows) and empty.any():
            hashed[empty] = 0
        result: Array = (
            data.vectors @ self.embedding + hashed + data.signals @ self.signals + self.bias
        )
        return result

    def shifted(self, offsets: Array) -> Weights:
        """The same model with each category's bias lowered by ``offsets`` (its operating
        point, in log-odds): a score of 0.5 then stands where that point stood."""
        return Weights(self.embedding, self.hashed, self.signals, self.bias - offsets)

    def save(self, path: Path) -> None:
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            categories=np.array(CATEGORIES),
            embedding=self.embedding.astype(np.float16),
            hashed=self.hashed.astype(np.float16),
            signals=self.signals.astype(np.float32),
            bias=self.bias.astype(np.float32),
        )
        path.write_bytes(buffer.getvalue())

    @classmethod
    def load(cls, path: Path) -> Weights:
        with np.load(path) as stored:
            if tuple(str(c) for c in stored["categories"]) != CATEGORIES:
                raise ValueError(f"{path} was trained for other categories.")
            return cls(
                embedding=stored["embedding"].astype(np.float32),
                hashed=stored["hashed"].astype(np.float32),
                signals=stored["signals"].astype(np.float32),
                bias=stored["bias"].astype(np.float32),
            )
