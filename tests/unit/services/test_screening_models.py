"""The toxicity model adapters: lazy loading, obfuscation, the semantic stage and its learning,
and the setting that chooses among them. The semantic tests run only where the ``semantic``
extra is installed (``pip install 'rostra[semantic]'``)."""

from __future__ import annotations

import pytest

from rostra.bootstrap import build_toxicity_model
from rostra.config import Settings, SettingsError, load_settings
from rostra.screening import EmbeddingScreen, ProfanityModel, SemanticModel, semantic_available
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


def test_toxicity_model_setting_chooses_the_model() -> None:
    assert isinstance(build_toxicity_model(Settings()), ProfanityModel)
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
