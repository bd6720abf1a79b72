"""Money, currencies and campaign rules: exact, never floats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rostra.domain.campaigns import (
    MAX_DONATION_MINOR,
    CampaignDraft,
    InvalidAmountError,
    UnsupportedCurrencyError,
    currency,
    draft_from_text,
    format_money,
    parse_money,
    validate_campaign,
)
from rostra.domain.errors import ValidationError

USD, JPY = currency("usd"), currency("JPY")


@pytest.mark.parametrize(
    ("text", "money", "minor"),
    [("25", USD, 2500), ("25.5", USD, 2550), ("0.01", USD, 1), (" 7.00 ", USD, 700),
     ("1000", JPY, 1000), ("999999.99", USD, MAX_DONATION_MINOR)],
)  # fmt: skip
def test_decimal_strings_become_exact_minor_units(text: str, money: object, minor: int) -> None:
    assert parse_money(text, money) == minor  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad", ["0", "-1", "1e3", "1.001", "NaN", "inf", "", "1,5", "١٢", "0x10", "1_000", "1000000"]
)
def test_bad_amounts_are_refused_naming_the_field(bad: str) -> None:
    with pytest.raises(InvalidAmountError) as caught:
        parse_money(bad, USD, field="goal")
    assert caught.value.field == "goal" and caught.value.code == "invalid_amount"


@pytest.mark.parametrize("value", [25, 25.0, 2.5, True, None, [], {}])
def test_numbers_are_never_money(value: object) -> None:
    with pytest.raises(InvalidAmountError):
        parse_money(value, USD)


def test_zero_decimal_currencies_take_no_decimals() -> None:
    with pytest.raises(InvalidAmountError):
        parse_money("10.5", JPY)
    assert format_money(1500, JPY) == "1500"


@pytest.mark.parametrize("code", ["XYZ", "usdx", "", None, 840, "KWD"])
def test_unknown_or_three_decimal_currencies_are_refused(code: object) -> None:
    with pytest.raises(UnsupportedCurrencyError):
        currency(code)


@given(st.integers(min_value=1, max_value=MAX_DONATION_MINOR))
def test_format_then_parse_gives_back_the_same_minor_units(minor: int) -> None:
    text = format_money(minor, USD)
    assert Decimal(text) * 100 == minor
    assert parse_money(text, USD) == minor


def test_campaign_rules() -> None:
    draft = validate_campaign(CampaignDraft(goal=500_000, currency=USD, milestones=(500_000, 100)))
    assert draft.milestones == (100, 500_000)
    assert draft.preset_amounts == (1000, 2500, 5000)  # defaults in the currency's units
    assert validate_campaign(CampaignDraft(goal=10_000, currency=JPY)).preset_amounts == (
        1000,
        3000,
        5000,
    )
    now = datetime.now(UTC)
    for bad, field in [
        (CampaignDraft(goal=0, currency=USD), "goal"),
        (CampaignDraft(goal=100, currency=USD, milestones=(200,)), "milestones"),
        (
            CampaignDraft(goal=100, currency=USD, preset_amounts=tuple(range(1, 8))),
            "preset_amounts",
        ),
        (CampaignDraft(goal=100, currency=USD, title="x" * 201), "title"),
        (
            CampaignDraft(goal=100, currency=USD, starts_at=now, ends_at=now - timedelta(1)),
            "ends_at",
        ),
        (CampaignDraft(goal=100, currency=USD, starts_at=datetime(2026, 1, 1)), "starts_at"),
    ]:
        with pytest.raises(ValidationError) as caught:
            validate_campaign(bad)
        assert caught.value.field == field


def test_drafts_from_forms_read_dates_as_rfc3339() -> None:
    draft = draft_from_text(goal="10", currency_code="eur", ends_at="2026-12-31T23:00:00Z")
    assert draft.ends_at == datetime(2026, 12, 31, 23, tzinfo=UTC)
    with pytest.raises(ValidationError) as caught:
        draft_from_text(goal="10", currency_code="eur", starts_at="next week")
    assert caught.value.field == "starts_at"
