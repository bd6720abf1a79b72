"""alt-profanity-check's classifier evaluated from its fitted weights.

The shipped model is a ``TfidfVectorizer`` feeding a ``CalibratedClassifierCV`` of five
``LinearSVC`` folds with sigmoid calibration. Through scikit-learn's ``predict_proba`` one
comment costs ~3-7 ms, nearly all of it input validation and dispatch that runs on every call
(the arithmetic is a few dozen multiplications). ``LinearScorer`` does the same arithmetic in
plain Python with the vectorizer's own analyzer, so tokens and numbers are scikit-learn's:
for each fold, ``p = expit(-(a * (w . x + b) + c))``, with ``x`` the comment's l2-normalized
tf-idf vector, and the probability is the mean over the folds. The test suite checks it against
``predict_prob`` on a corpus; ``LinearScorer.of`` refuses a model of any other shape, and the
caller then keeps scikit-learn's own path.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any


class UnsupportedModelError(ValueError):
    """The model is not the tf-idf + calibrated linear classifier this scorer reproduces."""


class LinearScorer:
    """Profanity probabilities of texts, equal to ``predict_prob`` up to float rounding."""

    def __init__(
        self,
        analyze: Callable[[str], list[str]],
        weights: dict[str, tuple[float, tuple[float, ...]]],
        folds: Sequence[tuple[float, float, float]],
    ) -> None:
        self._analyze = analyze
        self._weights = weights  # token -> (idf, each fold's coefficient)
        self._folds = tuple(folds)  # each fold's (intercept, calibration a, calibration b)

    @classmethod
    def of(cls, vectorizer: Any, model: Any) -> LinearScorer:
        """Read the weights out of the fitted scikit-learn objects, or raise
        ``UnsupportedModelError`` when they are not of the shape described above."""
        params = vectorizer.get_params()
        if (
            type(vectorizer).__name__ != "TfidfVectorizer"
            or params["norm"] != "l2"
            or not params["use_idf"]
            or params["sublinear_tf"]
            or params["binary"]
            or type(model).__name__ != "CalibratedClassifierCV"
            or list(model.classes_) != [0, 1]
        ):
            raise UnsupportedModelError("not a tf-idf vectorizer and a calibrated binary model")
        coefficients: list[Sequence[float]] = []
        folds: list[tuple[float, float, float]] = []
        for fold in model.calibrated_classifiers_:
            estimator = fold.estimator
            (calibrator,) = fold.calibrators
            if (
                type(estimator).__name__ != "LinearSVC"
                or type(calibrator).__name__ != "_SigmoidCalibration"
                or estimator.coef_.shape[0] != 1
            ):
                raise UnsupportedModelError("a fold is not a sigmoid-calibrated LinearSVC")
            coefficients.append(estimator.coef_[0].tolist())
            folds.append(
                (float(estimator.intercept_[0]), float(calibrator.a_), float(calibrator.b_))
            )
        idf = vectorizer.idf_.tolist()
        weights = {
            token: (idf[column], tuple(c[column] for c in coefficients))
            for token, column in vectorizer.vocabulary_.items()
        }
        return cls(vectorizer.build_analyzer(), weights, folds)

    def probability(self, text: str) -> float:
        """The mean calibrated probability over the folds that ``text`` is profane."""
        counts = Counter(token for token in self._analyze(text) if token in self._weights)
        squares = 0.0
        sums = [0.0] * len(self._folds)
        for token, count in counts.items():
            idf, coefficients = self._weights[token]
            value = count * idf
            squares += value * value
            for k, coefficient in enumerate(coefficients):
                sums[k] += value * coefficient
        norm = math.sqrt(squares) or 1.0  # no known word: a zero vector, as scikit-learn leaves it
        total = 0.0
        for (intercept, a, b), dot in zip(self._folds, sums, strict=True):
            total += _expit(-(a * (dot / norm + intercept) + b))
        return total / len(self._folds)


def _expit(x: float) -> float:
    # The logistic function without overflow for large |x|.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)
