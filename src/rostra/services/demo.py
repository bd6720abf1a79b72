"""What only ``rostra demo`` has: a pretend payment desk and the folder its caught mail lands in.

Nothing here is built from settings or the environment: the demo command constructs a
:class:`DemoKit` and hands it to the composition root, so no configuration of ``rostra serve``
can turn the pretend payments on.

The desk plays the payment company's part. It opens a checkout (the reader then sees a page
saying plainly that no money moves), and when the reader completes it, writes the webhook event
the company would send and signs it (HMAC-SHA256 of ``"{timestamp}.{body}"``, the scheme Stripe
uses); the event then travels through the real webhook route and the real ledger.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rostra.domain.campaigns import (
    Checkout,
    CheckoutRequest,
    InvalidSignatureError,
    format_money,
)
from rostra.domain.errors import NotFoundError

PROVIDER = "demo"
SIGNATURE_HEADER = "x-demo-signature"
TOLERANCE_SECONDS = 300
# A demo runs for minutes; an abandoned checkout is forgotten after this many newer ones.
MAX_OPEN_CHECKOUTS = 200


@dataclass(frozen=True, slots=True)
class OpenCheckout:
    """A checkout the reader has not completed or cancelled yet."""

    id: str
    request: CheckoutRequest

    @property
    def amount_text(self) -> str:
        """The amount as a decimal string in the campaign's currency (``"25.00"``)."""
        return format_money(self.request.amount, self.request.currency)


@dataclass
class DemoPaymentDesk:
    """The pretend payment company: open checkouts, signed completion events."""

    public_url: str
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    _open: dict[str, OpenCheckout] = field(default_factory=dict)

    def open(self, request: CheckoutRequest) -> Checkout:
        """Start a checkout; the reader is sent to the demo's checkout page."""
        checkout_id = f"demo_cs_{secrets.token_urlsafe(12)}"
        self._open[checkout_id] = OpenCheckout(checkout_id, request)
        while len(self._open) > MAX_OPEN_CHECKOUTS:
            self._open.pop(next(iter(self._open)))
        return Checkout(checkout_id, f"{self.public_url}/demo/checkout/{checkout_id}")

    def get(self, checkout_id: str) -> OpenCheckout:
        """An open checkout; ``NotFoundError`` when it is unknown, completed or cancelled."""
        found = self._open.get(checkout_id)
        if found is None:
            raise NotFoundError(
                "This demo checkout is finished or unknown; start a new donation.", field=None
            )
        return found

    def cancel(self, checkout_id: str) -> OpenCheckout:
        """Forget the checkout; the reader goes back to the article."""
        return self._open.pop(self.get(checkout_id).id)

    def complete(
        self, checkout_id: str, now: float | None = None
    ) -> tuple[OpenCheckout, bytes, str]:
        """Close the checkout and write the signed event the webhook will receive: the checkout,
        the event's body and its signature header."""
        done = self._open.pop(self.get(checkout_id).id)
        request = done.request
        event = {
            "id": f"demo_evt_{secrets.token_urlsafe(12)}",
            "type": "checkout.completed",
            "checkout": done.id,
            "payment": f"demo_pay_{secrets.token_urlsafe(12)}",
            "campaign": request.campaign_id,
            "site": request.site,
            "amount": request.amount,
            "currency": request.currency.code,
            "donor_name": request.donor_name,
        }
        body = json.dumps(event, separators=(",", ":")).encode()
        return done, body, self.sign(body, now)

    def sign(self, body: bytes, now: float | None = None) -> str:
        """The signature header for ``body``: ``t=<unix time>,v1=<hex HMAC-SHA256>``."""
        stamp = int(time.time() if now is None else now)
        mac = hmac.new(self.secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
        return f"t={stamp},v1={mac.hexdigest()}"

    def verify(self, body: bytes, header: str | None, now: float | None = None) -> dict[str, Any]:
        """The event in ``body`` when ``header`` signs it and is at most five minutes old."""
        problem = InvalidSignatureError(
            "The webhook signature is missing, wrong or too old.", field="X-Demo-Signature"
        )
        parts = dict(p.split("=", 1) for p in (header or "").split(",") if "=" in p)
        stamp, given = parts.get("t", ""), parts.get("v1", "")
        if not stamp.isdigit() or not given:
            raise problem
        moment = time.time() if now is None else now
        if abs(moment - int(stamp)) > TOLERANCE_SECONDS:
            raise problem
        expected = hmac.new(self.secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
        if not hmac.compare_digest(expected.hexdigest(), given):
            raise problem
        try:
            event = json.loads(body)
        except ValueError as exc:
            raise InvalidSignatureError("The webhook body is not JSON.", field=None) from exc
        if not isinstance(event, dict):
            raise InvalidSignatureError("The webhook body is not a demo event.", field=None)
        return event


@dataclass(frozen=True, slots=True)
class DemoKit:
    """Handed down by ``rostra demo`` only: the payment desk and the caught-mail folder."""

    payments: DemoPaymentDesk
    mail_folder: Path  # empty when the demo was given a real mail server (ROSTRA_SMTP_URL)
