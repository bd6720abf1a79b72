"""Cleaning a comment of disguises, and the signals patterns find."""

from __future__ import annotations

import pytest

from rostra.screening import features

ZWSP = "\u200b"


def test_invisible_characters_are_removed() -> None:
    assert features.clean(f"id{ZWSP}i\u200dot\u00ad") == "idiot"
    assert features.screen_text(f"k{ZWSP}y{ZWSP}s") == "kys"


def test_look_alike_letters_in_latin_words_become_latin() -> None:
    # Cyrillic а, о, і and Greek ο inside English words.
    assert features.screen_text("you \u0456d\u0456\u043et") == "you idiot"
    assert features.screen_text("st\u03bfp") == "stop"


def test_a_wholly_foreign_lookalike_word_in_an_english_comment_is_unmasked() -> None:
    # Every letter Cyrillic, each looking like a Latin one: "scam" typed to dodge filters.
    assert features.screen_text("what a \u0455\u0441\u0430m, you are a \u0441\u043e\u0440") == (
        "what a scam you are a cop"
    )


def test_russian_and_greek_text_stays_as_written() -> None:
    assert features.clean("Городской совет принял бюджет") == "Городской совет принял бюджет"
    assert features.clean("Καλημέρα σας") == "Καλημέρα σας"


def test_dotted_and_leet_spellings_are_joined() -> None:
    assert features.screen_text("you i.d.i.o.t") == "you idiot"
    assert features.screen_text("ur a 1d10t") == "ur a idiot"


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        ("call him on 07700 900123 and tell him", "phone"),
        ("she lives at 14 Birch Close in Leeds", "address"),
        ("er wohnt in der Hauptstraße 12", "address"),
        ("his car reg is KX19 ABC", "plate"),
        ("message my manager on WhatsApp", "messaging"),
        ("I make $350 a day from home", "money_per_time"),
        ("bitcoin trading profits", "invest"),
        ("write to jo@example.com", "email"),
    ],
)
def test_signals_find_their_patterns(text: str, signal: str) -> None:
    found = dict(zip(features.SIGNALS, features.signals(features.clean(text)), strict=True))
    assert found[signal] > 0, (text, found)


def test_ordinary_text_raises_no_signal() -> None:
    text = "The match finished 2-1 in 2026 and the bus 23 was late again."
    found = dict(zip(features.SIGNALS, features.signals(text), strict=True))
    assert {k for k, v in found.items() if v and k != "second_person"} == set()


def test_hashed_features_have_unit_length_and_skip_empty_text() -> None:
    buckets, values = features.hashed("you are an idiot")
    assert len(buckets) == len(values) > 10
    assert abs(float((values**2).sum()) - 1.0) < 1e-5
    empty_buckets, _ = features.hashed("")
    assert len(empty_buckets) == 0
