"""The demo's pretend payment provider, behind the same port as Stripe.

Only ``rostra demo`` builds it (from a :class:`DemoKit` it makes itself); no setting enables it.
It reads the signed events of :class:`DemoPaymentDesk`, which the demo's checkout page sends
through the real webhook route, ``POST /api/v1/payments/webhook/demo``.
"""

from __future__ import annotations

from typing import Any

from rostra.domain.campaigns import Checkout, CheckoutRequest, PaymentEvent, PaymentEventKind
from rostra.services.demo import PROVIDER, DemoPaymentDesk


class DemoPaymentProvider:
    """``PaymentProvider`` whose checkout page is the demo's own; no money moves."""

    name = PROVIDER

    def __init__(self, desk: DemoPaymentDesk) -> None:
        self._desk = desk

    async def close(self) -> None:
        """Nothing to close."""

    async def create_checkout(self, request: CheckoutRequest) -> Checkout:
        """A checkout on the demo's page ``/demo/checkout/{id}``."""
        return self._desk.open(request)

    def verify_event(self, payload: bytes, signature: str | None) -> PaymentEvent:
        """Check ``X-Demo-Signature`` and read the event."""
        return read_event(self._desk.verify(payload, signature))


def read_event(event: dict[str, Any]) -> PaymentEvent:
    """A verified demo event as a :class:`PaymentEvent`; anything unexpected is ignored."""
    event_id = str(event.get("id") or "")[:255]
    kind = str(event.get("type") or "")
    amount, campaign = event.get("amount"), event.get("campaign")
    whole = isinstance(amount, int) and not isinstance(amount, bool) and amount > 0
    if kind != "checkout.completed" or not whole or not isinstance(campaign, str):
        return PaymentEvent(PROVIDER, event_id, kind, PaymentEventKind.IGNORED)
    donor = event.get("donor_name")
    return PaymentEvent(
        PROVIDER,
        event_id,
        kind,
        PaymentEventKind.COMPLETED,
        reference=str(event.get("payment") or event_id)[:255],
        campaign_id=campaign[:32],
        amount=int(amount),  # type: ignore[arg-type]
        currency=str(event.get("currency") or "").upper() or None,
        donor_name=donor[:100] if isinstance(donor, str) and donor.strip() else None,
    )
