"""Stripe Checkout and Stripe webhooks, through the official ``stripe`` package.

A donation is a Checkout Session in ``payment`` mode with one ad-hoc line item. The campaign's
id travels in the session's (and its PaymentIntent's) metadata and comes back in the webhook.
The ledger is keyed by the PaymentIntent id, which both ``checkout.session.*`` and
``charge.refunded`` events name, so a payment and its refunds meet on one line whatever order
they arrive in.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any, NoReturn

import httpx
import stripe

from rostra.domain.campaigns import (
    Checkout,
    CheckoutRequest,
    InvalidSignatureError,
    PaymentEvent,
    PaymentEventKind,
    PaymentProviderError,
)

NAME = "stripe"
# Stripe's own default: a signature older than five minutes is refused (replayed captures).
TOLERANCE_SECONDS = 300
TIMEOUT_SECONDS = 20.0
COMPLETING_EVENTS = frozenset(
    {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
)
REFUND_EVENTS = frozenset({"charge.refunded"})


class AsyncHttpxClient(stripe.HTTPClient):
    """Stripe's ``HTTPClient`` over one ``httpx.AsyncClient``. Stripe's bundled httpx client
    sends bodies with ``data=``, which httpx deprecates for raw text; this one sends
    ``content=``. Only the async methods are used: Rostra never blocks its event loop."""

    name = "rostra-httpx"

    def __init__(self, timeout: float = TIMEOUT_SECONDS) -> None:
        super().__init__()
        self._client = httpx.AsyncClient(timeout=timeout, trust_env=False)

    async def request_async(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        try:
            response = await self._client.request(
                method, url, headers=dict(headers), content=post_data or None
            )
        except httpx.HTTPError as exc:
            self._connection_error(exc)
        return response.content, response.status_code, response.headers

    def _connection_error(self, exc: Exception) -> NoReturn:
        raise stripe.APIConnectionError(
            f"Could not reach Stripe: {type(exc).__name__}.", should_retry=True
        ) from exc

    def request(self, *_: Any, **__: Any) -> NoReturn:
        raise RuntimeError("Rostra calls Stripe only through the async methods.")

    def sleep_async(self, secs: float) -> Any:
        return asyncio.sleep(secs)

    def close(self) -> None:
        """Nothing to close synchronously; see :meth:`close_async`."""

    async def close_async(self) -> None:
        await self._client.aclose()


class StripePaymentProvider:
    """``PaymentProvider`` for Stripe. ``api_base`` points the real client elsewhere (the
    tests' local stand-in of Stripe's HTTP API)."""

    name = NAME

    def __init__(
        self,
        secret_key: str,
        webhook_secret: str | None,
        *,
        api_base: str | None = None,
        tolerance: int = TOLERANCE_SECONDS,
    ) -> None:
        self._webhook_secret = webhook_secret
        self._tolerance = tolerance
        self._http = AsyncHttpxClient()
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else None,
            http_client=self._http,
            max_network_retries=2,
        )

    async def close(self) -> None:
        """Close the HTTP connection pool."""
        await self._http.close_async()

    async def create_checkout(self, request: CheckoutRequest) -> Checkout:
        """A Checkout Session for one donation; the reader pays on Stripe's page."""
        metadata = {"rostra_campaign": request.campaign_id, "rostra_site": request.site}
        if request.donor_name:
            metadata["rostra_donor_name"] = request.donor_name
        params: Any = {
            "mode": "payment",
            "submit_type": "donate",
            "client_reference_id": request.campaign_id,
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.currency.code.lower(),
                        "unit_amount": request.amount,
                        "product_data": {"name": f"Support {request.site_title}"[:250]},
                    },
                }
            ],
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
        }
        try:
            session = await self._client.v1.checkout.sessions.create_async(params)
        except stripe.StripeError as exc:
            raise PaymentProviderError(
                f"Stripe did not start the checkout: {exc.user_message or 'unavailable'}.",
                field=None,
            ) from exc
        if not session.url or not session.id:
            raise PaymentProviderError("Stripe answered without a checkout URL.", field=None)
        return Checkout(id=session.id, url=session.url)

    def verify_event(self, payload: bytes, signature: str | None) -> PaymentEvent:
        """Verify ``Stripe-Signature`` (HMAC-SHA256 of ``"{t}.{body}"`` with the endpoint
        secret, at most five minutes old) and reduce the event to what the ledger needs."""
        if not self._webhook_secret:
            raise InvalidSignatureError(
                "ROSTRA_STRIPE_WEBHOOK_SECRET is not set; webhooks cannot be verified.",
                field="Stripe-Signature",
            )
        try:
            stripe.WebhookSignature.verify_header(
                payload, signature, self._webhook_secret, self._tolerance
            )
            event = json.loads(payload)
        except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as exc:
            raise InvalidSignatureError(
                "The webhook signature is missing, wrong or too old.", field="Stripe-Signature"
            ) from exc
        return read_event(event)


def read_event(event: Any) -> PaymentEvent:
    """A verified Stripe event as a :class:`PaymentEvent`; anything unexpected is ignored."""
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        raise InvalidSignatureError("The webhook body is not a Stripe event.", field=None)
    kind = str(event.get("type") or "")
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    ignored = PaymentEvent(NAME, event["id"], kind, PaymentEventKind.IGNORED)
    if not isinstance(obj, dict):
        return ignored
    reference = _id(obj.get("payment_intent"))
    currency = obj.get("currency")
    currency = currency.upper() if isinstance(currency, str) else None
    if kind in COMPLETING_EVENTS:
        metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        campaign = metadata.get("rostra_campaign") or obj.get("client_reference_id")
        amount = obj.get("amount_total")
        paid = obj.get("payment_status") == "paid"
        if not (paid and isinstance(campaign, str) and _whole(amount) and currency):
            return ignored  # unpaid yet (a bank debit), or not a Rostra checkout
        donor = metadata.get("rostra_donor_name")
        return PaymentEvent(
            NAME,
            event["id"],
            kind,
            PaymentEventKind.COMPLETED,
            reference=reference or _id(obj.get("id")),
            campaign_id=campaign[:32],
            amount=int(amount),
            currency=currency,
            donor_name=donor[:100] if isinstance(donor, str) and donor.strip() else None,
        )
    if kind in REFUND_EVENTS:
        refunded = obj.get("amount_refunded")
        if reference is None or not _whole(refunded):
            return ignored
        return PaymentEvent(
            NAME,
            event["id"],
            kind,
            PaymentEventKind.REFUNDED,
            reference=reference,
            currency=currency,
            refunded=int(refunded),
        )
    return ignored


def _id(value: Any) -> str | None:
    """An id, whether Stripe sent it bare or expanded into an object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value[:255] if isinstance(value, str) and value else None


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
