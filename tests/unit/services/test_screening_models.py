"""The toxicity model adapters: lazy loading, obfuscation, the semantic stage and its learning,
and the setting that chooses among them. The semantic tests run only where the ``semantic``
extra is installed (``pip install 'rostra[semantic]'``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rostra.bootstrap import build_toxicity_model
from rostra.config import Settings, SettingsError, load_settings
from rostra.screening import (
    EmbeddingScreen,
    ProfanityModel,
    SemanticModel,
    TrainedModel,
    semantic_available,
)
from rostra.screening.linear import LinearScorer, UnsupportedModelError
from rostra.screening.semantic import CATEGORIES, default_exemplars
from rostra.services.screening import ScreeningService
from tests.conftest import MovableClock

needs_semantic = pytest.mark.skipif(
    not semantic_available(), reason="the 'semantic' extra (torch, sentence-transformers) is absent"
)


async def test_profanity_model_loads_on_first_use_only() -> None:
    model = ProfanityModel()
    assert model.load_seconds is None
    scores = await model.score("Have a nice day")
    assert model.load_seconds is not None
    assert set(scores) == {"profanity"}
    assert scores["profanity"] < 0.5


async def test_profanity_model_scores_swearing_high_and_sees_through_separators() -> None:
    model = ProfanityModel()
    assert (await model.score("fuck you"))["profanity"] > 0.9
    assert (await model.score("f.u.c.k you"))["profanity"] > 0.9


def _eval_texts() -> list[str]:
    corpus = Path(__file__).parents[2] / "data" / "moderation" / "eval.jsonl"
    with corpus.open(encoding="utf-8") as lines:
        texts = [json.loads(line)["text"] for line in lines]
    # No known word (a zero vector), repeated words, long text, other scripts, digits only.
    return [*texts, "", "!!!", "the and of", "shit " * 300, "x" * 10_000, "Ärger über €", "12 34"]


def test_linear_scorer_gives_scikit_learns_probabilities() -> None:
    from profanity_check import predict_prob, profanity_check

    scorer = LinearScorer.of(profanity_check.vectorizer, profanity_check.model)
    texts = _eval_texts()
    expected = predict_prob(texts)
    for text, probability in zip(texts, expected, strict=True):
        assert scorer.probability(text) == pytest.approx(float(probability), abs=1e-12), text


def test_shipped_model_is_scored_by_the_linear_scorer() -> None:
    # A release of alt-profanity-check with another model shape would fall back to scikit-learn's
    # slow path (milliseconds a comment); this says so instead of letting posting slow down.
    model = ProfanityModel()
    model.load()
    assert model.fast


def test_linear_scorer_refuses_other_model_shapes() -> None:
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts, labels = ["good news", "bad words here", "nice day", "awful stuff"], [0, 1, 0, 1]
    counts = CountVectorizer().fit(texts)
    logistic = LogisticRegression().fit(counts.transform(texts), labels)
    with pytest.raises(UnsupportedModelError):
        LinearScorer.of(counts, logistic)
    tfidf = TfidfVectorizer().fit(texts)
    with pytest.raises(UnsupportedModelError):
        LinearScorer.of(tfidf, LogisticRegression().fit(tfidf.transform(texts), labels))


def test_toxicity_model_setting_chooses_the_model() -> None:
    assert isinstance(build_toxicity_model(Settings()), TrainedModel)
    assert isinstance(build_toxicity_model(Settings(toxicity_model="profanity")), ProfanityModel)
    assert build_toxicity_model(Settings(toxicity_model="none")) is None


def test_unknown_toxicity_model_setting_is_refused() -> None:
    with pytest.raises(SettingsError, match="ROSTRA_TOXICITY_MODEL"):
        load_settings({"ROSTRA_TOXICITY_MODEL": "gpt"})


@pytest.mark.skipif(semantic_available(), reason="only meaningful without the semantic extra")
def test_semantic_setting_without_the_extra_says_how_to_install_it() -> None:
    with pytest.raises(SettingsError, match=r"rostra\[semantic\]"):
        build_toxicity_model(Settings(toxicity_model="semantic"))


def test_shipped_exemplars_cover_every_category() -> None:
    exemplars = default_exemplars()
    for category in (*CATEGORIES, "benign"):
        assert len(exemplars[category]) >= 10, category


def test_exemplars_of_unknown_categories_or_without_text_are_refused() -> None:
    screen = EmbeddingScreen({"threat": ["x"]})
    with pytest.raises(ValueError, match="category"):
        screen.add_exemplar("rudeness", "text")
    with pytest.raises(ValueError, match="text"):
        screen.add_exemplar("threat", "   ")
    screen.add_exemplar("threat", "  see you soon  ")  # before loading: only remembered
    assert screen.exemplars("threat") == ["x", "see you soon"]


@needs_semantic
async def test_semantic_stage_holds_threats_phrased_without_profanity() -> None:
    model = SemanticModel(ProfanityModel(), EmbeddingScreen())
    threat = await model.score("Go and beat up the protesters tonight.")
    assert threat["call_to_violence"] >= 0.5
    assert threat["profanity"] < 0.5
    news = await model.score("Police said the man was shot dead outside the station on Friday.")
    assert max(news[c] for c in CATEGORIES) < 0.5
    assert model.hold_only == frozenset(CATEGORIES)


@needs_semantic
async def test_semantic_stage_learns_from_an_exemplar_staff_add(clock: MovableClock) -> None:
    screen = EmbeddingScreen()
    text = "Ghosting the gaffer in the car park, proper job."
    before = (await screen.score(text))["threat"]
    screening = ScreeningService(SemanticModel(ProfanityModel(), screen), clock)
    assert screening.add_exemplar("threat", "Ghosting the gaffer in the car park tonight.")
    after = (await screen.score(text))["threat"]
    assert before < 0.5 <= after
