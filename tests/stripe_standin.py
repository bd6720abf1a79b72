"""A local stand-in for Stripe's HTTP API, and webhook payloads signed the way Stripe signs them.

Only the paid outside provider is stood in for, and only at its HTTP boundary: Rostra's real
``stripe`` client code sends its real requests here (``ROSTRA_STRIPE_API_BASE``). The server
answers ``POST /v1/checkout/sessions`` with the shape of Stripe's Checkout Session object and
serves a tiny "hosted checkout" page at the session's ``url`` so a browser can follow it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

SECRET_KEY = "sk_test_rostra_standin"
WEBHOOK_SECRET = "whsec_rostra_test_secret"


def stripe_form(body: str) -> dict[str, Any]:
    """Decode Stripe's form encoding (``line_items[0][price_data][currency]=usd``) into nested
    dicts and lists, as Stripe's server does."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = key.replace("]", "").split("[")
        node: Any = root
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            nxt: Any = value if last else ({} if not parts[index + 1].isdigit() else [])
            if isinstance(node, list):
                position = int(part)
                while len(node) <= position:
                    node.append(None)
                if node[position] is None or last:
                    node[position] = nxt
                node = node[position]
            else:
                if part not in node or last:
                    node[part] = nxt
                node = node[part]
    return root


@dataclass
class StripeStandIn:
    """What the stand-in received and how it should answer next."""

    url: str = ""
    sessions: list[dict[str, Any]] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)
    fail_next: dict[str, Any] | None = None  # a Stripe error object to answer once (HTTP 400)


def _handler(state: StripeStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Request-Id", f"req_{secrets.token_hex(7)}")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path.startswith("/c/pay/"):
                page = b"<!doctype html><title>Stripe Checkout stand-in</title><h1>Pay</h1>"
                self._send(200, page, "text/html; charset=utf-8")
                return
            self._send(404, b'{"error": {"type": "invalid_request_error"}}')

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            state.authorizations.append(self.headers.get("Authorization") or "")
            if self.path != "/v1/checkout/sessions":
                self._send(404, b'{"error": {"type": "invalid_request_error"}}')
                return
            if self.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
                error = {"type": "invalid_request_error", "message": "Invalid API Key provided"}
                self._send(401, json.dumps({"error": error}).encode())
                return
            if state.fail_next is not None:
                error, state.fail_next = state.fail_next, None
                self._send(400, json.dumps({"error": error}).encode())
                return
            params = stripe_form(body)
            state.sessions.append(params)
            item = params["line_items"][0]
            session_id = f"cs_test_{secrets.token_hex(12)}"
            session = {
                "id": session_id,
                "object": "checkout.session",
                "amount_subtotal": int(item["price_data"]["unit_amount"]),
                "amount_total": int(item["price_data"]["unit_amount"]),
                "cancel_url": params.get("cancel_url"),
                "client_reference_id": params.get("client_reference_id"),
                "created": int(time.time()),
                "currency": item["price_data"]["currency"],
                "customer": None,
                "expires_at": int(time.time()) + 86400,
                "livemode": False,
                "metadata": params.get("metadata", {}),
                "mode": params.get("mode"),
                "payment_intent": None,
                "payment_status": "unpaid",
                "status": "open",
                "submit_type": params.get("submit_type"),
                "success_url": params.get("success_url"),
                "url": f"{state.url}/c/pay/{session_id}",
            }
            self._send(200, json.dumps(session).encode())

    return Handler


class StripeServer:
    """The stand-in on a free 127.0.0.1 port, in a thread; ``stop()`` shuts it down."""

    def __init__(self) -> None:
        self.state = StripeStandIn()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self.state.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def sign(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header Stripe sends: ``t=…,v1=HMAC_SHA256(secret, "t.payload")``."""
    moment = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{moment}.{payload}".encode(), hashlib.sha256)
    return f"t={moment},v1={digest.hexdigest()}"


def event(event_type: str, obj: dict[str, Any], event_id: str | None = None) -> str:
    """A Stripe event envelope around ``obj``, as JSON text."""
    return json.dumps(
        {
            "id": event_id or f"evt_{secrets.token_hex(12)}",
            "object": "event",
            "api_version": "2025-01-01",
            "created": int(time.time()),
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
    )


def session_completed(
    campaign_id: str,
    amount: int,
    *,
    currency: str = "usd",
    payment_intent: str | None = None,
    event_id: str | None = None,
    donor_name: str | None = None,
    payment_status: str = "paid",
    event_type: str = "checkout.session.completed",
) -> str:
    """``checkout.session.completed`` for a Rostra checkout."""
    metadata = {"rostra_campaign": campaign_id, "rostra_site": "news"}
    if donor_name:
        metadata["rostra_donor_name"] = donor_name
    return event(
        event_type,
        {
            "id": f"cs_test_{secrets.token_hex(8)}",
            "object": "checkout.session",
            "amount_total": amount,
            "client_reference_id": campaign_id,
            "currency": currency,
            "customer_details": {"email": "donor@example.org", "name": "Private Donor"},
            "metadata": metadata,
            "mode": "payment",
            "payment_intent": payment_intent or f"pi_{secrets.token_hex(8)}",
            "payment_status": payment_status,
            "status": "complete",
        },
        event_id,
    )


def charge_refunded(
    payment_intent: str, amount_refunded: int, *, currency: str = "usd", event_id: str | None = None
) -> str:
    """``charge.refunded``: ``amount_refunded`` is the charge's running refunded total."""
    return event(
        "charge.refunded",
        {
            "id": f"ch_{secrets.token_hex(8)}",
            "object": "charge",
            "amount": amount_refunded,
            "amount_refunded": amount_refunded,
            "currency": currency,
            "payment_intent": payment_intent,
            "refunded": True,
        },
        event_id,
    )
