"""Webhooks: the events a site's other systems may hear of, the endpoints that receive them, the
signature on every delivery, and which network addresses a delivery may go to."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from rostra.domain.comments import Comment
from rostra.domain.errors import ValidationError
from rostra.domain.subscriptions import article_url
from rostra.domain.threads import Thread

# Every event type an endpoint may ask for; ``webhook.test`` is only sent on request.
EVENT_TYPES = (
    "comment.created",
    "comment.published",
    "comment.rejected",
    "report.created",
    "donation.completed",
)
TEST_EVENT = "webhook.test"
SIGNATURE_HEADER = "Rostra-Signature"
MAX_URL = 2000
MAX_DESCRIPTION = 200
MAX_ENDPOINTS_PER_SITE = 20
# 30 s doubling, capped at an hour: 16 tries cover about 11 hours of a receiver being away.
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
MAX_ATTEMPTS = 16


@dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    """One receiving URL of one site, and the events it asked for."""

    id: str
    site: str
    url: str
    events: tuple[str, ...]
    description: str
    created_at: datetime
    sealed_secret: str  # the signing secret, encrypted under the instance key


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event on its way to one endpoint (an outbox row), as the dashboard shows it."""

    id: int
    endpoint_id: str
    event_id: str
    event_type: str
    status: str
    attempts: int
    response_code: int | None
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime | None
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """What the receiver answered: a status code, or None when no answer came."""

    status_code: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class UnsafeDestinationError(Exception):
    """The endpoint's host resolves to an address deliveries may not go to."""


def validate_url(url: str | None, *, allow_private: bool, field: str = "url") -> str:
    """An absolute ``https`` URL without credentials (plain ``http`` only where the operator
    allows private destinations, for a receiver on the same machine or network)."""
    text = (url or "").strip()
    if not text:
        raise ValidationError(f"'{field}' is required.", field=field)
    if len(text) > MAX_URL:
        raise ValidationError(f"'{field}' is at most {MAX_URL} characters.", field=field)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValidationError(f"'{field}' is not a valid URL.", field=field) from None
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise ValidationError(f"'{field}' must start with https://.", field=field)
    if not parts.hostname:
        raise ValidationError(f"'{field}' needs a host name.", field=field)
    if parts.username or parts.password:
        raise ValidationError(f"'{field}' may not carry a user name or password.", field=field)
    if parts.fragment:
        raise ValidationError(f"'{field}' may not have a #fragment.", field=field)
    if port == 0:
        raise ValidationError(f"'{field}' has no usable port.", field=field)
    if any(ord(char) < 33 for char in text):
        raise ValidationError(
            f"'{field}' may not contain spaces or control characters.", field=field
        )
    return text


def validate_events(events: Iterable[str] | None) -> tuple[str, ...]:
    """A non-empty selection of known event types, in the documented order."""
    chosen = set(events or ())
    if not chosen:
        raise ValidationError("Choose at least one event in 'events'.", field="events")
    unknown = sorted(chosen - set(EVENT_TYPES))
    if unknown:
        raise ValidationError(
            f"Unknown event {unknown[0]!r}; the events are {', '.join(EVENT_TYPES)}.",
            field="events",
        )
    return tuple(event for event in EVENT_TYPES if event in chosen)


def validate_description(description: str | None) -> str:
    text = " ".join((description or "").split())
    if len(text) > MAX_DESCRIPTION:
        raise ValidationError(
            f"'description' is at most {MAX_DESCRIPTION} characters.", field="description"
        )
    return text


def forbidden_address(address: str) -> bool:
    """True for an address outside the public internet: loopback, private, link-local,
    shared (carrier NAT), multicast, reserved, unspecified, and IPv4 written as IPv6."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def check_addresses(host: str, addresses: Sequence[str], *, allow_private: bool) -> None:
    """Refuse a host unless it resolved and every address it resolved to may be reached."""
    if not addresses:
        raise UnsafeDestinationError(f"The host {host!r} does not resolve to any address.")
    if allow_private:
        return
    for address in addresses:
        if forbidden_address(address):
            raise UnsafeDestinationError(
                f"The host {host!r} resolves to {address}, a private, loopback or link-local "
                "address; deliveries go to public addresses only."
            )


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Rostra-Signature`` header: ``t=<unix seconds>,v1=<hex HMAC-SHA256>`` of
    ``"<t>.<body>"`` under the endpoint's secret, the scheme Stripe uses."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the ``attempts``-th failed try: 30 s, 1 min, 2 min … 1 h."""
    delay: timedelta = BACKOFF_BASE * (2 ** min(max(attempts - 1, 0), 20))
    return min(delay, BACKOFF_CAP)


def comment_data(
    comment: Comment, thread: Thread, origins: Sequence[str], status: str | None = None
) -> dict[str, object]:
    """What an event tells of a comment: what readers may see of it, never the author's
    address or network address."""
    return {
        "comment": {
            "id": comment.id,
            "page": thread.page,
            "page_title": thread.title,
            "url": article_url(tuple(origins), thread.page, comment.id),
            "parent_id": comment.parent_id,
            "author": comment.author_name,
            "author_url": comment.author_url,
            "author_is_staff": comment.author_is_staff,
            "body": comment.body,
            "body_html": comment.body_html,
            "status": status or comment.status.value,
            "created": comment.created_at.isoformat().replace("+00:00", "Z"),
        }
    }
