"""Reader support: campaigns, exact money, and what a payment provider told us.

Money is an integer count of the currency's minor units (cents), never a float. Amounts come in
and go out as decimal strings (``"25.00"``); :func:`parse_money` and :func:`format_money` are
the only conversions, and both are exact.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from rostra.domain.errors import ConflictError, DomainError, NotFoundError, ValidationError

# ISO 4217 codes Stripe Checkout accepts, with their minor-unit exponent. Three-decimal currencies
# (BHD, JOD, KWD, OMR, TND) are left out: Stripe wants their amounts rounded to tens.
ZERO_DECIMAL = frozenset(
    [
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    ]
)
TWO_DECIMAL = frozenset(
    [
        "USD",
        "EUR",
        "GBP",
        "CHF",
        "CAD",
        "AUD",
        "NZD",
        "SEK",
        "NOK",
        "DKK",
        "PLN",
        "CZK",
        "HUF",
        "RON",
        "BGN",
        "ISK",
        "TRY",
        "BRL",
        "MXN",
        "ARS",
        "COP",
        "PEN",
        "ZAR",
        "INR",
        "IDR",
        "MYR",
        "PHP",
        "SGD",
        "HKD",
        "TWD",
        "THB",
        "ILS",
        "AED",
        "SAR",
        "QAR",
        "EGP",
        "MAD",
        "NGN",
        "KES",
        "GHS",
        "UAH",
        "GEL",
    ]
)
# Stripe's limit for one charge is eight digits in minor units.
MAX_DONATION_MINOR = 99_999_999
MAX_GOAL_MINOR = 10**13
MAX_MILESTONES = 10
MAX_PRESETS = 6
MAX_TITLE = 200
MAX_THANK_YOU = 1000
MAX_DONOR_NAME = 100
MAX_NOTE = 500
AMOUNT_TEXT = re.compile(r"(?P<whole>[0-9]{1,14})(?:\.(?P<fraction>[0-9]{1,3}))?")


class InvalidAmountError(ValidationError):
    """An amount that is not a positive decimal string within the limits."""

    code = "invalid_amount"


class UnsupportedCurrencyError(ValidationError):
    """A currency Rostra does not take, or not the campaign's."""

    code = "unsupported_currency"


class NoCampaignError(NotFoundError):
    """The site has no campaign running (or the campaign id is unknown)."""

    code = "no_campaign"


class DonationsClosedError(ConflictError):
    """The campaign has ended (or not started): no new checkouts."""

    code = "donations_closed"


class PaymentsDisabledError(DomainError):
    """No payment provider is configured on this server (503)."""

    code = "payments_disabled"


class PaymentProviderError(DomainError):
    """The payment provider failed or answered something unusable (502)."""

    code = "payment_provider_error"


class InvalidSignatureError(ValidationError):
    """A webhook whose signature is missing, wrong, or too old (400)."""

    code = "invalid_signature"


@dataclass(frozen=True, slots=True)
class Currency:
    """An ISO 4217 code and the number of decimals of its minor unit."""

    code: str
    exponent: int


def currency(code: object, *, field: str = "currency") -> Currency:
    """The currency ``code`` names (any case); raises ``UnsupportedCurrencyError``."""
    text = code.strip().upper() if isinstance(code, str) else ""
    if text in TWO_DECIMAL:
        return Currency(text, 2)
    if text in ZERO_DECIMAL:
        return Currency(text, 0)
    raise UnsupportedCurrencyError(
        f"The currency {str(code)[:10]!r} is not supported; use an ISO 4217 code such as USD.",
        field=field,
    )


def parse_money(
    text: object, money: Currency, *, field: str = "amount", maximum: int = MAX_DONATION_MINOR
) -> int:
    """A decimal string (``"25"``, ``"25.50"``) as minor units; positive, at most ``maximum``,
    with no more decimals than the currency has. JSON numbers are refused: never float money."""
    if not isinstance(text, str):
        raise InvalidAmountError('An amount must be a decimal string such as "25.00".', field=field)
    match = AMOUNT_TEXT.fullmatch(text.strip())
    if match is None and AMOUNT_TEXT.fullmatch(text.strip().removeprefix("-")):
        raise InvalidAmountError("The amount must be more than zero.", field=field)
    if match is None:
        raise InvalidAmountError(
            f'{text[:20]!r} is not an amount; write digits with an optional ".", such as "25.00".',
            field=field,
        )
    fraction = match.group("fraction") or ""
    if len(fraction) > money.exponent:
        raise InvalidAmountError(
            f"{money.code} amounts have {money.exponent} decimals at most.", field=field
        )
    scale: int = 10**money.exponent
    minor = int(match.group("whole")) * scale + int(fraction.ljust(money.exponent, "0") or "0")
    if minor <= 0:
        raise InvalidAmountError("The amount must be more than zero.", field=field)
    if minor > maximum:
        raise InvalidAmountError(
            f"The amount must be at most {format_money(maximum, money)} {money.code}.", field=field
        )
    return minor


def format_money(minor: int, money: Currency) -> str:
    """Minor units as the contract's decimal string: ``2500`` USD is ``"25.00"``."""
    return str(Decimal(minor).scaleb(-money.exponent).quantize(Decimal(1).scaleb(-money.exponent)))


@dataclass(frozen=True, slots=True)
class CampaignDraft:
    """What an admin sets on a campaign; amounts already in minor units."""

    goal: int
    currency: Currency
    milestones: tuple[int, ...] = ()
    preset_amounts: tuple[int, ...] = ()
    title: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    thank_you: str = ""


@dataclass(frozen=True, slots=True)
class Campaign:
    """A site's fundraising campaign."""

    id: str
    site: str
    goal: int
    currency: Currency
    milestones: tuple[int, ...]
    preset_amounts: tuple[int, ...]
    title: str
    starts_at: datetime | None
    ends_at: datetime | None
    thank_you: str
    created_by: str
    created_at: datetime

    def is_open(self, now: datetime) -> bool:
        """Whether readers may give now (between the start and the end, when set)."""
        started = self.starts_at is None or self.starts_at <= now
        return started and (self.ends_at is None or now < self.ends_at)


@dataclass(frozen=True, slots=True)
class CampaignTotals:
    """What a campaign has raised: completed payments less refunds, in the campaign's currency."""

    raised: int = 0
    donor_count: int = 0
    # Names of recent donors who opted in to being shown, newest first.
    public_donors: tuple[str, ...] = field(default=())


# Default buttons in major units: 10, 25, 50 (1,000, 3,000, 5,000 for yen-like currencies).
DEFAULT_PRESETS = (10, 25, 50)
DEFAULT_PRESETS_ZERO_DECIMAL = (1000, 3000, 5000)


def validate_campaign(draft: CampaignDraft) -> CampaignDraft:
    """The draft, cleaned, or a ``ValidationError`` naming the first bad field."""
    if not 0 < draft.goal <= MAX_GOAL_MINOR:
        raise InvalidAmountError("The goal must be more than zero.", field="goal")
    milestones = tuple(sorted(set(draft.milestones)))
    if len(milestones) > MAX_MILESTONES:
        raise ValidationError(f"At most {MAX_MILESTONES} milestones.", field="milestones")
    if any(m <= 0 or m > draft.goal for m in milestones):
        raise InvalidAmountError(
            "Each milestone must be more than zero and at most the goal.", field="milestones"
        )
    presets = tuple(dict.fromkeys(draft.preset_amounts)) or _default_presets(draft.currency)
    if len(presets) > MAX_PRESETS:
        raise ValidationError(f"At most {MAX_PRESETS} preset amounts.", field="preset_amounts")
    if any(p <= 0 or p > MAX_DONATION_MINOR for p in presets):
        raise InvalidAmountError(
            f"Each preset amount must be more than zero and at most "
            f"{format_money(MAX_DONATION_MINOR, draft.currency)}.",
            field="preset_amounts",
        )
    title = " ".join(draft.title.split())
    if len(title) > MAX_TITLE:
        raise ValidationError(f"The title is longer than {MAX_TITLE} characters.", field="title")
    thank_you = draft.thank_you.strip()
    if len(thank_you) > MAX_THANK_YOU:
        raise ValidationError(
            f"The thank-you message is longer than {MAX_THANK_YOU} characters.", field="thank_you"
        )
    for name, moment in (("starts_at", draft.starts_at), ("ends_at", draft.ends_at)):
        if moment is not None and moment.tzinfo is None:
            raise ValidationError("Dates need a time zone (use RFC 3339).", field=name)
    if draft.starts_at and draft.ends_at and draft.ends_at <= draft.starts_at:
        raise ValidationError("The campaign must end after it starts.", field="ends_at")
    return CampaignDraft(
        goal=draft.goal,
        currency=draft.currency,
        milestones=milestones,
        preset_amounts=tuple(sorted(presets)),
        title=title,
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        thank_you=thank_you,
    )


def _default_presets(money: Currency) -> tuple[int, ...]:
    if money.exponent == 0:
        return DEFAULT_PRESETS_ZERO_DECIMAL
    return tuple(amount * 10**money.exponent for amount in DEFAULT_PRESETS)


def validate_donor_name(name: object) -> str | None:
    """A donor's chosen public name (opt-in), trimmed; None when empty."""
    if name is None:
        return None
    if not isinstance(name, str):
        raise ValidationError("The name must be text.", field="donor_name")
    cleaned = " ".join(name.split())
    if len(cleaned) > MAX_DONOR_NAME:
        raise ValidationError(
            f"The name is longer than {MAX_DONOR_NAME} characters.", field="donor_name"
        )
    return cleaned or None


class PaymentEventKind(StrEnum):
    """What a provider event means for the ledger."""

    COMPLETED = "completed"  # a payment succeeded: counts towards its campaign
    REFUNDED = "refunded"  # part or all of a payment went back: ``refunded`` is the running total
    IGNORED = "ignored"  # an event type, or a payment, that is not ours


@dataclass(frozen=True, slots=True)
class PaymentEvent:
    """One verified provider event, reduced to what the ledger needs."""

    provider: str
    event_id: str
    type: str
    kind: PaymentEventKind
    reference: str | None = None  # the provider's payment id
    campaign_id: str | None = None
    amount: int = 0
    currency: str | None = None
    refunded: int = 0  # cumulative: order-independent when applied with max()
    donor_name: str | None = None


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    """What the provider needs to start a hosted checkout."""

    campaign_id: str
    site: str
    site_title: str
    amount: int
    currency: Currency
    success_url: str
    cancel_url: str
    donor_name: str | None = None


@dataclass(frozen=True, slots=True)
class Checkout:
    """A started checkout: where to send the reader."""

    id: str
    url: str


@dataclass(frozen=True, slots=True)
class Donation:
    """One ledger line, as staff see it."""

    id: int
    provider: str
    reference: str
    amount: int
    refunded: int
    currency: str | None
    completed_at: datetime | None
    donor_name: str | None
    entered_by: str | None
    note: str
    created_at: datetime

    @property
    def net(self) -> int:
        """What this line adds to the total: the amount less refunds, never below zero."""
        return max(0, self.amount - self.refunded) if self.completed_at else 0


def validate_note(note: str) -> str:
    """A staff note on a manual entry (a bank reference), trimmed."""
    cleaned = " ".join(note.split())
    if len(cleaned) > MAX_NOTE:
        raise ValidationError(f"The note is longer than {MAX_NOTE} characters.", field="note")
    return cleaned


def draft_from_text(
    *,
    goal: str,
    currency_code: str,
    milestones: Sequence[str] = (),
    preset_amounts: Sequence[str] = (),
    title: str = "",
    starts_at: str | None = None,
    ends_at: str | None = None,
    thank_you: str = "",
) -> CampaignDraft:
    """A draft from what people type (the dashboard's form, the CLI's options): decimal strings
    and RFC 3339 dates; errors name the field."""
    money = currency(currency_code)
    return CampaignDraft(
        goal=parse_money(goal, money, field="goal", maximum=MAX_GOAL_MINOR),
        currency=money,
        milestones=tuple(
            parse_money(m, money, field="milestones", maximum=MAX_GOAL_MINOR)
            for m in milestones
            if m.strip()
        ),
        preset_amounts=tuple(
            parse_money(p, money, field="preset_amounts") for p in preset_amounts if p.strip()
        ),
        title=title,
        starts_at=_moment(starts_at, "starts_at"),
        ends_at=_moment(ends_at, "ends_at"),
        thank_you=thank_you,
    )


def _moment(text: str | None, name: str) -> datetime | None:
    if text is None or not text.strip():
        return None
    raw = text.strip()
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(
            f"{raw[:40]!r} is not a date; use RFC 3339 such as 2026-12-01T00:00:00Z.", field=name
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment
