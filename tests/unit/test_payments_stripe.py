"""Reading Stripe events into ledger changes: only what is ours and paid counts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rostra.domain.campaigns import InvalidSignatureError, PaymentEventKind
from rostra.payments.stripe import StripePaymentProvider, read_event
from tests.stripe_standin import WEBHOOK_SECRET, charge_refunded, session_completed, sign


def parsed(payload: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(payload)
    return value


def test_paid_checkout_is_a_completed_payment_keyed_by_its_payment_intent() -> None:
    event = read_event(
        parsed(session_completed("c1", 2500, payment_intent="pi_1", donor_name="Al"))
    )
    assert event.kind is PaymentEventKind.COMPLETED
    assert (event.reference, event.campaign_id, event.amount, event.currency) == (
        "pi_1",
        "c1",
        2500,
        "USD",
    )
    assert event.donor_name == "Al"


def test_expanded_payment_intent_objects_are_read_by_id() -> None:
    data = parsed(session_completed("c1", 100))
    data["data"]["object"]["payment_intent"] = {"id": "pi_expanded", "object": "payment_intent"}
    assert read_event(data).reference == "pi_expanded"


@pytest.mark.parametrize(
    "change",
    [
        {"amount_total": True},
        {"amount_total": 12.5},
        {"amount_total": -1},
        {"amount_total": "100"},
        {"metadata": {}, "client_reference_id": None},
        {"payment_status": "unpaid"},
        {"currency": None},
    ],
)
def test_unusable_or_unpaid_checkouts_are_ignored(change: dict[str, Any]) -> None:
    data = parsed(session_completed("c1", 100))
    data["data"]["object"].update(change)
    assert read_event(data).kind is PaymentEventKind.IGNORED


def test_refund_carries_the_running_refunded_total() -> None:
    event = read_event(parsed(charge_refunded("pi_9", 700)))
    assert (event.kind, event.reference, event.refunded) == (PaymentEventKind.REFUNDED, "pi_9", 700)
    data = parsed(charge_refunded("pi_9", 700))
    data["data"]["object"]["payment_intent"] = None
    assert read_event(data).kind is PaymentEventKind.IGNORED


@pytest.mark.parametrize("body", [[], "x", {"id": 5}, {"type": "charge.refunded"}])
def test_bodies_that_are_not_events_are_refused(body: Any) -> None:
    with pytest.raises(InvalidSignatureError):
        read_event(body)


def test_without_a_webhook_secret_nothing_is_accepted() -> None:
    provider = StripePaymentProvider("sk_test_x", None)
    payload = session_completed("c1", 100)
    with pytest.raises(InvalidSignatureError):
        provider.verify_event(payload.encode(), sign(payload))


def test_invalid_utf8_is_refused_not_crashing() -> None:
    provider = StripePaymentProvider("sk_test_x", WEBHOOK_SECRET)
    with pytest.raises(InvalidSignatureError):
        provider.verify_event(b"\xff\xfe", sign("x"))
