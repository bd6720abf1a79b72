"""Fitting the screen's classifier: multi-label logistic regression in numpy.

Each comment becomes its sentence vector (``encoder``), its hashed n-grams and its signals
(``features``); one logistic output per category is fitted to the corpus by full-batch Adam on
the weighted cross-entropy, with an L2 penalty. Five-fold cross-validation on the corpus picks
each category's operating point, which is folded into its bias so that a score of 0.5 means
"hold" for every category (a site's hold threshold then moves all of them together).

``tools/screening_model.py train`` runs ``train_and_save``; nothing here runs in a server.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from rostra.screening import features
from rostra.screening.encoder import shipped_encoder
from rostra.screening.weights import CATEGORIES, Weights

Array = NDArray[np.float32]
EPOCHS = 300
RATE = 0.02
L2_DENSE = 1e-4
L2_HASHED = 5e-5
FOLDS = 5
MAX_POSITIVE_WEIGHT = 4.0
MIN_DOCUMENTS = 3
# Out of fold, a category's operating point is the lowest score at which at most a share (its
# budget) of the corpus's benign comments would be held by it. The budget is the largest of
# BUDGETS at which all categories together still publish BENIGN_PUBLISHED of the benign
# comments. Most of the corpus's benign comments are hard cases written to look abusive, so
# ordinary comments fare better (the training run prints both, per file).
BENIGN_BUDGET = 0.004
BUDGETS = (0.002, 0.004, 0.006, 0.008, 0.012, 0.016, 0.024)
BENIGN_PUBLISHED = 0.93


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    labels: frozenset[str]
    lang: str
    source: str = ""


@dataclass(slots=True)
class Matrix:
    """The corpus as the model reads it."""

    vectors: Array  # (n, 384)
    indptr: NDArray[np.int64]  # hashed n-grams, compressed rows
    indices: NDArray[np.int64]
    values: Array
    signals: Array  # (n, len(SIGNALS))
    targets: Array  # (n, len(CATEGORIES))

    def rows(self, chosen: NDArray[np.int64]) -> Matrix:
        starts, ends = self.indptr[chosen], self.indptr[chosen + 1]
        pieces = [np.arange(s, e) for s, e in zip(starts, ends, strict=True)]
        flat = np.concatenate(pieces) if pieces else np.zeros(0, np.int64)
        indptr = np.concatenate([[0], np.cumsum(ends - starts)]).astype(np.int64)
        return Matrix(
            self.vectors[chosen],
            indptr,
            self.indices[flat],
            self.values[flat],
            self.signals[chosen],
            self.targets[chosen],
        )


def read_corpus(paths: Sequence[Path]) -> list[Example]:
    """Every line of the given JSONL files; unknown labels are an error, not a silent skip."""
    examples = []
    for path in paths:
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            labels = frozenset(row["labels"])
            unknown = labels - set(CATEGORIES)
            if unknown:
                raise ValueError(f"{path}:{number}: unknown labels {sorted(unknown)}")
            examples.append(Example(row["text"], labels, row.get("lang", "?"), path.stem))
    return examples


def featurize(examples: Sequence[Example], cache: dict[str, Array] | None = None) -> Matrix:
    """The corpus's features; ``cache`` (normalized text → sentence vector) spares a rerun the
    encoder's time."""
    encoder = shipped_encoder()
    cache = {} if cache is None else cache
    vectors, indptr, indices, values, signal_rows = [], [0], [], [], []
    for example in examples:
        cleaned = features.clean(example.text)
        normalized = features.normalize_cleaned(cleaned)
        if normalized not in cache:
            vector, known = encoder.read(normalized)
            cache[normalized] = np.append(vector, known).astype(np.float32)
        stored = cache[normalized]
        shrink = features.weight_of_words(normalized)
        vectors.append(stored[:-1] * stored[-1] * shrink)
        buckets, weights = features.hashed(normalized)
        indices.append(buckets)
        values.append(weights * shrink)
        indptr.append(indptr[-1] + len(buckets))
        signal_rows.append(features.signals(cleaned, normalized))
    targets = np.array(
        [[float(c in e.labels) for c in CATEGORIES] for e in examples], dtype=np.float32
    )
    return Matrix(
        np.vstack(vectors).astype(np.float32),
        np.asarray(indptr, np.int64),
        np.concatenate(indices).astype(np.int64),
        np.concatenate(values).astype(np.float32),
        np.vstack(signal_rows).astype(np.float32),
        targets,
    )


def _sigmoid(x: Array) -> Array:
    result: Array = 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))
    return result


def fit(data: Matrix, epochs: int = EPOCHS) -> Weights:
    """Weights fitted to ``data`` (seconds for thousands of comments). The sparse products use
    SciPy, which the training tool's environment has (the ``dev`` extra); serving needs none."""
    from scipy import sparse

    n, categories = data.targets.shape
    used, local = np.unique(data.indices, return_inverse=True)
    # N-grams seen in fewer than MIN_DOCUMENTS comments teach the model one writer's wording
    # ("budget" in two harassing comments), not a kind of abuse: they get no weight.
    documents = np.bincount(local, minlength=len(used))
    values = np.where(documents[local] >= MIN_DOCUMENTS, data.values, 0).astype(np.float32)
    grams = sparse.csr_matrix((values, local, data.indptr), shape=(n, len(used)))
    grams_t = grams.T.tocsr()
    params = {
        "embedding": np.zeros((data.vectors.shape[1], categories), np.float32),
        "hashed": np.zeros((len(used), categories), np.float32),
        "signals": np.zeros((data.signals.shape[1], categories), np.float32),
        "bias": np.zeros(categories, np.float32),
    }
    moments = {k: (np.zeros_like(v), np.zeros_like(v)) for k, v in params.items()}
    # Positives are rare per category: weigh them so each category's two sides count alike.
    positives = data.targets.sum(0)
    weight_pos = np.where(positives > 0, (n - positives) / np.maximum(positives, 1), 1.0)
    weight_pos = np.minimum(weight_pos, MAX_POSITIVE_WEIGHT).astype(np.float32)
    sample_weight = np.where(data.targets > 0, weight_pos, 1.0).astype(np.float32)
    for step in range(1, epochs + 1):
        logits = (
            data.vectors @ params["embedding"]
            + grams @ params["hashed"]
            + data.signals @ params["signals"]
            + params["bias"]
        )
        error = ((_sigmoid(logits) - data.targets) * sample_weight / n).astype(np.float32)
        grads = {
            "embedding": data.vectors.T @ error + L2_DENSE * params["embedding"],
            "hashed": grams_t @ error + L2_HASHED * params["hashed"],
            "signals": data.signals.T @ error + L2_DENSE * params["signals"],
            "bias": error.sum(0),
        }
        for key, grad in grads.items():
            m, v = moments[key]
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            m_hat = m / (1 - 0.9**step)
            v_hat = v / (1 - 0.999**step)
            params[key] -= (RATE * m_hat / (np.sqrt(v_hat) + 1e-8)).astype(np.float32)
    full_hashed = np.zeros((features.HASH_SIZE, categories), np.float32)
    full_hashed[used] = params["hashed"]
    return Weights(
        embedding=params["embedding"],
        hashed=full_hashed,
        signals=params["signals"],
        bias=params["bias"],
    )


def out_of_fold(data: Matrix, folds: int = FOLDS, seed: int = 7) -> Array:
    """Each comment's probabilities from a model that did not see it."""
    n = len(data.targets)
    order = np.random.default_rng(seed).permutation(n)
    result = np.zeros_like(data.targets)
    for fold in range(folds):
        held = np.sort(order[fold::folds])
        kept = np.sort(np.setdiff1d(order, held))
        weights = fit(data.rows(kept))
        part = data.rows(held)
        result[held] = _sigmoid(weights.logits_many(part))
    return result


def operating_points(probabilities: Array, targets: Array, budget: float = BENIGN_BUDGET) -> Array:
    """Per category, the lowest probability that holds at most ``budget`` of the benign
    comments (those with no label at all), between 0.05 and 0.9."""
    benign = targets.sum(1) == 0
    points = np.full(targets.shape[1], 0.5, np.float32)
    for c in range(targets.shape[1]):
        scores = np.sort(probabilities[benign, c])[::-1]
        allowed = int(budget * len(scores))
        cut = float(scores[allowed]) if allowed < len(scores) else 0.0
        points[c] = min(0.9, max(cut + 1e-4, 0.05))
    return points


def choose_points(probabilities: Array, targets: Array) -> Array:
    """The operating points of the largest per-category budget (``BUDGETS``) that still
    publishes ``BENIGN_PUBLISHED`` of the corpus's benign comments out of fold, all categories
    together: as much recall as that precision allows."""
    benign = targets.sum(1) == 0
    abusive = ~benign
    chosen = operating_points(probabilities, targets, BUDGETS[0])
    for budget in BUDGETS:
        points = operating_points(probabilities, targets, budget)
        flagged = (probabilities >= points).any(1)
        published = 1 - flagged[benign].mean()
        held = flagged[abusive].mean()
        print(f"  budget {budget:.3f}: benign published {published:.3f}, abusive held {held:.3f}")
        if published >= BENIGN_PUBLISHED:
            chosen = points
    return chosen


def train_and_save(root: Path) -> Weights:
    corpus = sorted((root / "tests" / "data" / "moderation" / "train").glob("*.jsonl"))
    examples = read_corpus(corpus)
    print(f"{len(examples)} training comments from {len(corpus)} files")
    cache_path = root / ".cache" / "screening-vectors-v3.npz"
    cache: dict[str, Array] = {}
    if cache_path.exists():
        with np.load(cache_path) as stored:
            cache = dict(zip(stored["texts"].tolist(), stored["vectors"], strict=True))
    data = featurize(examples, cache)
    cache_path.parent.mkdir(exist_ok=True)
    np.savez(cache_path, texts=np.array(list(cache)), vectors=np.vstack(list(cache.values())))
    probabilities = out_of_fold(data)
    points = choose_points(probabilities, data.targets)
    flagged = (probabilities >= points).any(1)
    print("  out of fold, per file (abusive held / benign published):")
    for source in sorted({e.source for e in examples}):
        rows = np.array([e.source == source for e in examples])
        abusive = rows & (data.targets.sum(1) > 0)
        benign = rows & (data.targets.sum(1) == 0)
        held = f"{flagged[abusive].mean():.3f}" if abusive.any() else "-"
        kept = f"{1 - flagged[benign].mean():.3f}" if benign.any() else "-"
        print(f"    {source:28} {held:>6} / {kept}")
    for category, point in zip(CATEGORIES, points, strict=True):
        print(f"  {category:18} operating point {point:.3f}")
    weights = fit(data)
    weights = weights.shifted(np.log(points / (1 - points)).astype(np.float32))
    target = root / "src" / "rostra" / "screening" / "model" / "classifier.npz"
    weights.save(target)
    print(f"wrote {target}")
    return weights
