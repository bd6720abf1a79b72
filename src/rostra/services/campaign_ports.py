"""What the reader-support services need: the campaign ledger and a payment provider.

Kept apart from ``ports.py`` so the concept's ports read in one place.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from rostra.domain.campaigns import (
    Campaign,
    CampaignTotals,
    Checkout,
    CheckoutRequest,
    Donation,
    PaymentEvent,
)
from rostra.services.ports import Outbox, SiteRepository
from rostra.services.staff_ports import StaffRecords, UserRepository
from rostra.services.webhook_ports import ChatAlertRepository, WebhookRepository


class CampaignRepository(Protocol):
    """Campaigns, the donation ledger and the provider events already seen."""

    async def add(self, campaign: Campaign, updated_at: datetime) -> None:
        """Store a new campaign of an existing site."""

    async def update(self, campaign: Campaign, updated_at: datetime) -> None:
        """Replace the settings of a stored campaign (its id and site stay)."""

    async def get(self, campaign_id: str) -> Campaign | None:
        """One campaign by id."""

    async def current(self, site: str, now: datetime) -> Campaign | None:
        """The site's newest campaign that has started by ``now`` (ended ones included)."""

    async def list_for_site(self, site: str) -> list[Campaign]:
        """Every campaign of the site, newest first."""

    async def totals(self, campaign: Campaign, *, public_donors: int = 5) -> CampaignTotals:
        """Completed payments less refunds in the campaign's currency, the number of payments,
        and up to ``public_donors`` opted-in donor names, newest first."""

    async def remember_event(self, event: PaymentEvent, outcome: str, at: datetime) -> bool:
        """Record the provider event id; False when it was recorded before (a replay). Two
        concurrent deliveries of one event: exactly one gets True."""

    async def apply_payment(self, event: PaymentEvent, at: datetime) -> None:
        """Count a completed payment (insert, or complete a line a refund created first)."""

    async def apply_refund(self, event: PaymentEvent, at: datetime) -> str | None:
        """Raise the line's refunded total to ``event.refunded`` (never lower it: refund events
        may arrive out of order); creates the line when the payment is not seen yet. Returns
        the campaign id of the line, if known."""

    async def add_manual(
        self,
        campaign: Campaign,
        reference: str,
        amount: int,
        donor_name: str | None,
        entered_by: str,
        note: str,
        at: datetime,
    ) -> Donation:
        """A donation staff entered by hand (a bank transfer), complete at once."""

    async def donations(self, campaign_id: str, limit: int) -> list[Donation]:
        """The campaign's ledger lines, newest first."""


class CampaignTransaction(Protocol):
    """The repositories reader support uses inside one transaction."""

    campaigns: CampaignRepository
    sites: SiteRepository
    users: UserRepository
    webhooks: WebhookRepository  # donation.completed events
    outbox: Outbox
    chat_alerts: ChatAlertRepository
    staff_records: StaffRecords


class CampaignStorage(Protocol):
    def read(self) -> AbstractAsyncContextManager[CampaignTransaction]:
        """A consistent read-only view."""

    def write(self) -> AbstractAsyncContextManager[CampaignTransaction]:
        """A transaction committed when the block ends without error, rolled back otherwise."""


class PaymentProvider(Protocol):
    """A hosted-checkout payment service (Stripe first; others implement the same)."""

    name: str

    async def create_checkout(self, request: CheckoutRequest) -> Checkout:
        """Start a hosted checkout for one donation; raises ``PaymentProviderError``."""

    def verify_event(self, payload: bytes, signature: str | None) -> PaymentEvent:
        """Check the webhook's signature (and its age) and read the event; raises
        ``InvalidSignatureError`` for a missing, wrong or stale signature."""

    async def close(self) -> None:
        """Release connections when the server stops."""
