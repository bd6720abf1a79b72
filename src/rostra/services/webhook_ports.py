"""What webhooks need from storage and from the network, beside the common ``Transaction``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from rostra.domain.webhooks import Delivery, DeliveryResult, WebhookEndpoint


class WebhookRepository(Protocol):
    """Endpoints, and the outbox rows that carry their deliveries."""

    async def add_endpoint(self, endpoint: WebhookEndpoint) -> None: ...

    async def get_endpoint(self, endpoint_id: str) -> WebhookEndpoint | None: ...

    async def list_endpoints(self, site: str | None = None) -> list[WebhookEndpoint]:
        """Every endpoint (of ``site``), oldest first."""

    async def remove_endpoint(self, endpoint_id: str) -> bool: ...

    async def endpoints_for(self, site: str, event_type: str) -> list[WebhookEndpoint]:
        """The endpoints of ``site`` that asked for ``event_type``."""

    async def deliveries(self, endpoint_ids: Sequence[str], limit: int) -> list[Delivery]:
        """The latest deliveries to these endpoints, newest first."""

    async def delivery(self, delivery_id: int) -> tuple[Delivery, dict[str, object]] | None:
        """One delivery and its payload."""

    async def set_response(self, delivery_id: int, status_code: int | None) -> None:
        """Record the receiver's answer to the latest try."""

    async def any_due(self, kinds: Sequence[str], now: datetime) -> bool:
        """Whether an outbox job of these kinds is waiting and due (a cheap read)."""


class WebhookSender(Protocol):
    """Posts one signed body to one URL, to a checked address only."""

    async def post(
        self, url: str, body: bytes, headers: Mapping[str, str], *, method: str = "POST"
    ) -> DeliveryResult:
        """Send and report the answer; raises ``UnsafeDestinationError`` when the host now
        resolves to an address deliveries may not reach."""

    async def check(self, url: str) -> None:
        """Resolve the URL's host and raise ``UnsafeDestinationError`` unless every address
        may be reached."""


class ChatAlertRepository(Protocol):
    """A site's chat-alert settings (secrets sealed), and the queue size they watch."""

    async def get(self, site: str) -> dict[str, object] | None: ...

    async def put(self, site: str, settings: dict[str, object], at_us: int) -> None: ...

    async def delete(self, site: str) -> bool: ...

    async def pending_count(self, site: str) -> int:
        """How many of the site's comments are held for moderation."""
