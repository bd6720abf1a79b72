"""Screening rules: normalization, word lists, links, duplicates, timing, modes, thresholds."""

from __future__ import annotations

import pytest

from rostra.domain.errors import ValidationError
from rostra.domain.moderation import ModerationMode, ModerationSettings, Reason, Screening, Verdict
from rostra.domain.screening import (
    count_links,
    duplicate_reasons,
    find_listed,
    fold,
    honeypot_reasons,
    is_duplicate,
    link_reasons,
    mode_reasons,
    normalize_text,
    reasons_from_json,
    reasons_to_json,
    score_reasons,
    settings_from_json,
    settings_to_json,
    timing_reasons,
    validate_settings,
    word_reasons,
)

WORDS = ("fuck", "shit", "ass", "cock", "dick", "cunt", "idiot", "kill yourself")

# Normalization


def test_fold_removes_case_and_accents() -> None:
    assert fold("Émile ZOLA à Paris") == "emile zola a paris"


def test_fold_turns_compatibility_letters_into_plain_ones() -> None:
    assert fold("ﬁne ｆｕｌｌ") == "fine full"


@pytest.mark.parametrize(
    ("written", "normalized"),
    [
        ("you id10t", "you idiot"),
        ("f.u.c.k you", "fuck you"),
        ("f u c k off", "fuck off"),
        ("f-u-c-k", "fuck"),
        ("$h1t", "shit"),
        ("fuuuuuck", "fuck"),
        ("idiot!", "idiot"),
        ("Die 2026 Wahl", "die 2026 wahl"),
        ("id\u200biot", "idiot"),
        ("i\u00add\u2060iot", "idiot"),
        ("I h.a.t.e you", "i hate you"),  # the dotted word alone is joined
        ("k y s", "kys"),
    ],
)
def test_normalize_text_undoes_obfuscation(written: str, normalized: str) -> None:
    assert normalize_text(written) == normalized


def test_numbers_stay_numbers() -> None:
    assert normalize_text("It cost 150 000 in 2025") == "it cost 150 000 in 2025"


# Word lists: obfuscated abuse is found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("What an id10t", ["idiot"]),
        ("f.u.c.k this", ["fuck"]),
        ("F U C K this", ["fuck"]),
        ("Fuuuuck off", ["fuck"]),
        ("total sh1tshow", []),  # compounds must be listed themselves
        ("sh1tty reporting", ["shit"]),
        ("FÜCK", ["fuck"]),
        ("you IDIOTS", ["idiot"]),
        ("k1ll y0urself", ["kill yourself"]),
        ("what an a$$", ["ass"]),
        ("you asssss", ["ass"]),
    ],
)
def test_listed_words_are_found_through_obfuscation(text: str, found: list[str]) -> None:
    assert find_listed(text, WORDS) == found


# Word lists: innocent look-alikes are not


@pytest.mark.parametrize(
    "text",
    [
        "Scunthorpe United won on Saturday",
        "The assassin was caught at the border",
        "Order a cocktail at the bar",
        "A new biography of Dickens",
        "Classes resume after the holidays",
        "Please assess the damage",
        "The glass was half full",
        "Cockburn Street is closed",
        "Shiitake mushrooms are in season",
        "The Essex team passed the test",
        "an idiotic idea",  # a longer word, not a listed form
        "kill your speed near the school",
    ],
)
def test_innocent_words_that_contain_listed_ones_are_not_found(text: str) -> None:
    assert find_listed(text, WORDS) == []


def test_phrases_match_only_as_a_whole() -> None:
    assert find_listed("I will kill the engine yourself", ["kill yourself"]) == []
    assert find_listed("just kill   yourself", ["kill yourself"]) == ["kill yourself"]


def test_empty_entries_match_nothing() -> None:
    assert find_listed("anything at all", ["", "  ", "..."]) == []


def test_banned_words_reject_and_watched_words_hold() -> None:
    settings = ModerationSettings(banned_words=("idiot",), watched_words=("traitor",))
    reasons = word_reasons("That id10t is a traitor", settings)
    assert [(r.rule, r.verdict) for r in reasons] == [
        ("banned_words", Verdict.REJECT),
        ("watched_words", Verdict.HOLD),
    ]
    assert reasons[0].detail == "idiot"


def test_no_word_lists_say_nothing() -> None:
    assert word_reasons("fuck", ModerationSettings()) == ()


# Links


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("No links here. E.g. this ends.The next starts", 0),
        ("See https://example.com/a?b=c for more", 1),
        ("[the report](https://example.com/report) and <https://example.org>", 2),
        ("Buy at cheap-pills.biz and pharma.ru/deal now", 2),
        ("www.example.com", 1),
        ("![img](https://example.com/x.png)", 1),
        ("Version 2.5 costs 3.99", 0),
    ],
)
def test_links_are_counted_once_each(text: str, links: int) -> None:
    assert count_links(text) == links


def test_more_links_than_allowed_are_held() -> None:
    settings = ModerationSettings(max_links=2)
    text = "a.com b.com c.com"
    assert link_reasons(text, settings)[0].verdict is Verdict.HOLD
    assert link_reasons("a.com b.com", settings) == ()


# Duplicates


def test_the_same_text_again_is_a_duplicate_despite_case_and_punctuation() -> None:
    earlier = ["Great deals on watches at my shop, come and see!"]
    assert is_duplicate("great deals on WATCHES at my shop -- come and see", earlier)


def test_a_nearly_identical_text_is_a_duplicate() -> None:
    earlier = ["Great deals on watches at my shop, come and see them today!"]
    assert is_duplicate("Great deals on watches at my shop, come and see them today!!1", earlier)


def test_short_texts_are_never_duplicates() -> None:
    assert not is_duplicate("Agreed!", ["agreed"])


def test_a_different_text_is_not_a_duplicate() -> None:
    earlier = ["The bridge repairs ran 18% over budget, says the council."]
    assert not is_duplicate("The council should publish the contractor's invoices.", earlier)
    assert duplicate_reasons("The council should publish the invoices now.", earlier) == ()


def test_duplicate_reason_holds() -> None:
    text = "Visit my profile for the best offers in town"
    assert duplicate_reasons(text, [text])[0].verdict is Verdict.HOLD


# Honeypot and timing


def test_filled_honeypot_rejects_and_empty_one_says_nothing() -> None:
    assert honeypot_reasons("http://spam.example")[0].verdict is Verdict.REJECT
    assert honeypot_reasons("") == ()
    assert honeypot_reasons(None) == ()


def test_a_form_sent_too_fast_is_held() -> None:
    settings = ModerationSettings(min_seconds_to_submit=3)
    reasons = timing_reasons(800, settings)
    assert reasons[0].verdict is Verdict.HOLD
    assert reasons[0].score == pytest.approx(0.8)


def test_unknown_or_slow_enough_timing_says_nothing() -> None:
    settings = ModerationSettings(min_seconds_to_submit=3)
    assert timing_reasons(None, settings) == ()
    assert timing_reasons(3000, settings) == ()
    assert timing_reasons(10, ModerationSettings(min_seconds_to_submit=0)) == ()


# Modes


def test_post_moderation_holds_nothing() -> None:
    assert mode_reasons(ModerationSettings(), author_has_approved=False) == ()


def test_pre_moderation_holds_everyone() -> None:
    settings = ModerationSettings(mode=ModerationMode.PRE)
    assert mode_reasons(settings, author_has_approved=True)[0].verdict is Verdict.HOLD


def test_first_time_moderation_holds_only_new_authors() -> None:
    settings = ModerationSettings(mode=ModerationMode.PRE_FIRST_TIME)
    assert mode_reasons(settings, author_has_approved=False)[0].verdict is Verdict.HOLD
    assert mode_reasons(settings, author_has_approved=True) == ()


# Model scores


def test_scores_hold_at_the_hold_threshold_and_reject_at_the_reject_threshold() -> None:
    settings = ModerationSettings(hold_threshold=0.5, reject_threshold=0.9)
    verdicts = {
        r.rule: r.verdict
        for r in score_reasons({"a": 0.49, "b": 0.5, "c": 0.9, "d": 1.0}, settings)
    }
    assert verdicts == {
        "model:b": Verdict.HOLD,
        "model:c": Verdict.REJECT,
        "model:d": Verdict.REJECT,
    }


def test_hold_only_categories_never_reject() -> None:
    reasons = score_reasons({"threat": 0.99}, ModerationSettings(), hold_only={"threat"})
    assert [r.verdict for r in reasons] == [Verdict.HOLD]
    assert reasons[0].score == pytest.approx(0.99)


def test_screening_verdict_is_the_harshest_reason() -> None:
    screening = Screening(
        (
            Reason("a", "", Verdict.HOLD),
            Reason("b", "", Verdict.REJECT),
            Reason("c", "", Verdict.PUBLISH),
        )
    )
    assert screening.verdict is Verdict.REJECT
    assert Screening().verdict is Verdict.PUBLISH


# Settings as JSON


def test_settings_survive_a_round_trip_through_json() -> None:
    settings = ModerationSettings(
        mode=ModerationMode.PRE_FIRST_TIME,
        hold_threshold=0.4,
        reject_threshold=0.8,
        banned_words=("idiot",),
        watched_words=("traitor", "scum"),
        max_links=1,
        min_seconds_to_submit=5,
        report_threshold=2,
        extra={"note": "x"},
        category_holds={"spam": 0.8, "threat": 0.3},
    )
    assert settings_from_json(settings_to_json(settings)) == settings


def test_missing_settings_are_the_defaults() -> None:
    assert settings_from_json(None) == ModerationSettings()
    assert settings_from_json({"max_links": 1}) == ModerationSettings(max_links=1)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"mode": "sometimes"}, "mode"),
        ({"hold_threshold": 1.5}, "hold_threshold"),
        ({"hold_threshold": 0.9, "reject_threshold": 0.5}, "hold_threshold"),
        ({"max_links": -1}, "max_links"),
        ({"max_links": True}, "max_links"),
        ({"banned_words": "idiot"}, "banned_words"),
        ({"watched_words": ["x" * 65]}, "watched_words"),
        ({"colour": "red"}, "colour"),
        ({"extra": {"a": 1}}, "extra"),
        ({"category_holds": {"spam": 1.5}}, "category_holds"),
        ({"category_holds": {"spam": -0.1}}, "category_holds"),
        ({"category_holds": {"spam": "high"}}, "category_holds"),
        ({"category_holds": {"spam": True}}, "category_holds"),
        ({"category_holds": {"Spam Bots": 0.5}}, "category_holds"),
        ({"category_holds": {"": 0.5}}, "category_holds"),
        ({"category_holds": ["spam"]}, "category_holds"),
        ({"category_holds": {f"c{'x' * i}": 0.5 for i in range(40)}}, "category_holds"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        settings_from_json(data)
    assert caught.value.field == field


def test_validate_settings_accepts_the_defaults() -> None:
    assert validate_settings(ModerationSettings()) == ModerationSettings()


def test_reasons_survive_a_round_trip_through_json() -> None:
    reasons = (
        Reason("model:profanity", "profanity 0.97", Verdict.REJECT, 0.97),
        Reason("mode", "x", Verdict.HOLD),
    )
    assert reasons_from_json(reasons_to_json(reasons)) == reasons


def test_a_category_threshold_moves_that_category_alone() -> None:
    settings = ModerationSettings(category_holds={"spam": 0.8, "threat": 0.3})
    scores = {"spam": 0.7, "threat": 0.35, "insult": 0.45}
    reasons = score_reasons(scores, settings)
    assert [(r.rule, r.verdict) for r in reasons] == [("model:threat", Verdict.HOLD)]
    # Above the reject threshold, a category whose own hold threshold is higher still holds
    # only once past it.
    strict = ModerationSettings(category_holds={"insult": 0.95})
    assert score_reasons({"insult": 0.92}, strict) == ()


def test_a_model_reason_names_the_words_that_weighed_most() -> None:
    [reason] = score_reasons(
        {"threat": 0.93}, ModerationSettings(), hold_only={"threat"}, words={"threat": ("kids",)}
    )
    assert reason.detail == "threat 0.93 (kids)"
    assert reason.verdict is Verdict.HOLD
