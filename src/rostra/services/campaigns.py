"""Reader support: campaigns, checkouts, verified payment webhooks, manual entries.

Every change to a campaign's total is published as a :class:`CampaignUpdated` on the event
bus, under the site and :data:`CAMPAIGN_PAGE`, after its transaction commits. Support widgets
follow that key: each event carries the whole new total, so a reader who missed one is right
again with the next, and a reconnecting reader starts from a fresh snapshot.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit

from rostra.domain.campaigns import (
    Campaign,
    CampaignDraft,
    CampaignTotals,
    Checkout,
    CheckoutRequest,
    Donation,
    DonationsClosedError,
    NoCampaignError,
    PaymentEventKind,
    PaymentsDisabledError,
    UnsupportedCurrencyError,
    currency,
    format_money,
    parse_money,
    validate_campaign,
    validate_donor_name,
    validate_note,
)
from rostra.domain.errors import NotFoundError, RateLimitedError, ValidationError
from rostra.domain.events import CAMPAIGN_PAGE, CampaignUpdated
from rostra.domain.sites import Site
from rostra.domain.staff import Role, StaffAction, StaffUser, require_role
from rostra.domain.times import to_us
from rostra.services.campaign_ports import CampaignStorage, CampaignTransaction, PaymentProvider
from rostra.services.ports import Clock, EventBus, RateLimiter
from rostra.services.tokens import Keyring
from rostra.services.webhooks import WebhookService

MAX_LEDGER_PAGE = 500
RETURN_FRAGMENT = "rostra-support"


class WebhookOutcome(StrEnum):
    """What a verified webhook did."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"  # seen before: nothing changed
    IGNORED = "ignored"  # an event type or payment that is not ours


@dataclass(frozen=True, slots=True)
class CampaignView:
    """A campaign as readers see it: settings, total, and whether it takes donations now."""

    campaign: Campaign
    totals: CampaignTotals
    site_title: str
    accepting: bool
    provider: str | None


class CampaignService:
    """Campaign administration, checkouts and the donation ledger."""

    def __init__(
        self,
        storage: CampaignStorage,
        bus: EventBus,
        clock: Clock,
        providers: Mapping[str, PaymentProvider | None],
        *,
        public_url: str | None = None,
        limiter: RateLimiter | None = None,
        keyring: Keyring | None = None,
        webhooks: WebhookService | None = None,
    ) -> None:
        self._webhooks = webhooks  # donation.completed, in the ledger's transaction
        self._limiter = limiter
        self._keyring = keyring
        self._storage = storage
        self._bus = bus
        self._clock = clock
        # Known provider names; None means known but not configured (no keys).
        self._providers = dict(providers)
        self._public_url = public_url

    # Readers

    async def current_campaign(self, site: str) -> CampaignView:
        """The site's current campaign with its total; ``NoCampaignError`` when there is none
        and ``NotFoundError`` for an unknown site."""
        async with self._storage.read() as tx:
            found = await self._site(tx, site)
            campaign = await tx.campaigns.current(site, self._clock.now())
            if campaign is None:
                raise NoCampaignError(f"The site {site!r} has no campaign.", field="site")
            totals = await tx.campaigns.totals(campaign)
        return self._view(campaign, totals, found)

    async def start_checkout(
        self,
        site: str,
        amount: object,
        currency_code: object = None,
        *,
        donor_name: object = None,
        return_url: str | None = None,
        client_ip: str | None = None,
    ) -> Checkout:
        """Check the amount against the current campaign and open a hosted checkout with the
        payment provider; the reader is sent to ``Checkout.url``. ``return_url`` (the article)
        must be on one of the site's origins. Checkouts per client address are rate limited
        (each one is a call to the provider)."""
        provider = self._default_provider()
        view = await self.current_campaign(site)
        campaign = view.campaign
        if currency_code is not None and currency(currency_code).code != campaign.currency.code:
            raise UnsupportedCurrencyError(
                f"This campaign takes {campaign.currency.code}.", field="currency"
            )
        minor = parse_money(amount, campaign.currency)
        name = validate_donor_name(donor_name)
        if not view.accepting:
            raise DonationsClosedError("This campaign does not take donations now.", field=None)
        async with self._storage.read() as tx:
            found = await self._site(tx, site)
        back = self._return_url(found, return_url)
        await self._limit(client_ip)
        return await provider.create_checkout(
            CheckoutRequest(
                campaign_id=campaign.id,
                site=found.name,
                site_title=found.title or found.name,
                amount=minor,
                currency=campaign.currency,
                success_url=_with_fragment(back, f"{RETURN_FRAGMENT}-thanks"),
                cancel_url=_with_fragment(back, RETURN_FRAGMENT),
                donor_name=name,
            )
        )

    async def receive_webhook(
        self, provider_name: str, payload: bytes, signature: str | None
    ) -> WebhookOutcome:
        """Verify a provider's webhook and apply it once: a replayed event id changes nothing,
        also when two deliveries of it race. Refunds lower the total; events may come in any
        order. Raises ``InvalidSignatureError`` for a bad or stale signature."""
        if provider_name not in self._providers:
            raise NotFoundError(f"There is no payment provider {provider_name!r}.", field=None)
        provider = self._providers[provider_name]
        if provider is None:
            raise PaymentsDisabledError(
                f"The {provider_name} provider is not configured on this server.", field=None
            )
        event = provider.verify_event(payload, signature)
        now = self._clock.now()
        touched: str | None = None
        async with self._storage.write() as tx:
            campaign = (
                await tx.campaigns.get(event.campaign_id)
                if event.kind is PaymentEventKind.COMPLETED and event.campaign_id
                else None
            )
            ours = event.kind is PaymentEventKind.REFUNDED or campaign is not None
            outcome = WebhookOutcome.APPLIED if ours else WebhookOutcome.IGNORED
            if not await tx.campaigns.remember_event(event, outcome.value, now):
                return WebhookOutcome.DUPLICATE
            if event.kind is PaymentEventKind.COMPLETED and campaign is not None:
                await tx.campaigns.apply_payment(event, now)
                touched = campaign.id
                await self._donated(
                    tx, campaign, event.provider, event.amount, event.donor_name, event.reference
                )
            elif event.kind is PaymentEventKind.REFUNDED:
                touched = await tx.campaigns.apply_refund(event, now)
        if touched is not None:
            await self._publish(touched)
        return outcome

    async def follow_campaign(self, site: str) -> AsyncIterator[CampaignUpdated]:
        """The site's current total now, then again each time it changes. Unknown sites raise
        here, before the stream starts."""
        async with self._storage.read() as tx:
            await self._site(tx, site)
        return self._follow(site)

    async def _follow(self, site: str) -> AsyncIterator[CampaignUpdated]:
        async with self._bus.subscribe(site, CAMPAIGN_PAGE) as live:
            # Subscribed first, then the snapshot: nothing between them is lost.
            snapshot = await self._snapshot(site)
            if snapshot is not None:
                yield snapshot
            async for event in live:
                if event is None:  # a gap: the snapshot is the whole truth
                    snapshot = await self._snapshot(site)
                    if snapshot is not None:
                        yield snapshot
                elif isinstance(event, CampaignUpdated):
                    yield event

    # Staff

    async def staff_member(self, email: str) -> StaffUser:
        """The staff account for ``email`` (the CLI acts as a named staff member)."""
        async with self._storage.read() as tx:
            found = await tx.users.credentials(" ".join(email.split()).lower())
        if found is None or found.user.disabled:
            raise NotFoundError(f"There is no active staff account for {email}.", field="email")
        return found.user

    async def create_campaign(self, by: StaffUser, site: str, draft: CampaignDraft) -> Campaign:
        """Start a campaign on a site (admins only); it becomes the site's current one once it
        has started."""
        require_role(by, Role.ADMIN)
        draft = validate_campaign(draft)
        now = self._clock.now()
        async with self._storage.write() as tx:
            found = await self._site(tx, site)
            campaign = _campaign(secrets.token_hex(8), found.name, draft, by.email, now)
            await tx.campaigns.add(campaign, now)
            await tx.staff_records.audit(
                by.email, StaffAction.CAMPAIGN, f"{found.name}/{campaign.id}", "created", now
            )
        await self._publish(campaign.id)
        return campaign

    async def update_campaign(
        self, by: StaffUser, campaign_id: str, draft: CampaignDraft
    ) -> Campaign:
        """Change a campaign's goal, milestones, amounts, dates or texts (admins only). Its
        currency is fixed once created: the ledger is in that currency."""
        require_role(by, Role.ADMIN)
        draft = validate_campaign(draft)
        now = self._clock.now()
        async with self._storage.write() as tx:
            stored = await self._campaign(tx, campaign_id)
            if draft.currency.code != stored.currency.code:
                raise UnsupportedCurrencyError(
                    "A campaign's currency cannot change; start a new campaign.", field="currency"
                )
            campaign = _campaign(
                stored.id, stored.site, draft, stored.created_by, stored.created_at
            )
            await tx.campaigns.update(campaign, now)
            await tx.staff_records.audit(
                by.email, StaffAction.CAMPAIGN, f"{stored.site}/{stored.id}", "updated", now
            )
        await self._publish(campaign.id)
        return campaign

    async def record_manual_donation(
        self,
        by: StaffUser,
        campaign_id: str,
        amount: object,
        *,
        donor_name: object = None,
        note: str = "",
    ) -> Donation:
        """Add a donation that reached the publisher outside the provider (a bank transfer),
        in the campaign's currency, recorded with who entered it (admins only)."""
        require_role(by, Role.ADMIN)
        name = validate_donor_name(donor_name)
        cleaned_note = validate_note(note)
        now = self._clock.now()
        async with self._storage.write() as tx:
            campaign = await self._campaign(tx, campaign_id)
            minor = parse_money(amount, campaign.currency)
            donation = await tx.campaigns.add_manual(
                campaign,
                f"manual_{secrets.token_hex(10)}",
                minor,
                name,
                by.email,
                cleaned_note,
                now,
            )
            await self._donated(tx, campaign, "manual", minor, name, None)
            await tx.staff_records.audit(
                by.email,
                StaffAction.DONATION,
                f"{campaign.site}/{campaign.id}",
                f"{format_money(minor, campaign.currency)} {campaign.currency.code}",
                now,
            )
        await self._publish(campaign.id)
        return donation

    async def _donated(
        self,
        tx: CampaignTransaction,
        campaign: Campaign,
        provider: str,
        amount: int,
        donor_name: str | None,
        reference: str | None,
    ) -> None:
        """Tell the site's webhooks of a completed donation (the donor's name only when they
        chose to be named)."""
        if self._webhooks is None:
            return
        data: dict[str, object] = {
            "campaign_id": campaign.id,
            "provider": provider,
            "reference": reference,
            "amount_minor": amount,
            "amount": format_money(amount, campaign.currency),
            "currency": campaign.currency.code,
            "donor_name": donor_name,
        }
        await self._webhooks.emit(tx, campaign.site, "donation.completed", data)

    async def list_campaigns(
        self, by: StaffUser, site: str
    ) -> list[tuple[Campaign, CampaignTotals]]:
        """A site's campaigns with their totals, newest first (staff)."""
        del by  # every staff member may look; changes need an admin
        async with self._storage.read() as tx:
            await self._site(tx, site)
            campaigns = await tx.campaigns.list_for_site(site)
            return [(c, await tx.campaigns.totals(c)) for c in campaigns]

    async def get_campaign(self, by: StaffUser, campaign_id: str) -> Campaign:
        """One campaign by id (staff)."""
        del by
        async with self._storage.read() as tx:
            return await self._campaign(tx, campaign_id)

    async def ledger(self, by: StaffUser, campaign_id: str, limit: int = 100) -> list[Donation]:
        """A campaign's ledger lines, newest first (staff)."""
        del by
        if not 1 <= limit <= MAX_LEDGER_PAGE:
            raise ValidationError(
                f"'limit' must be between 1 and {MAX_LEDGER_PAGE}.", field="limit"
            )
        async with self._storage.read() as tx:
            await self._campaign(tx, campaign_id)
            return await tx.campaigns.donations(campaign_id, limit)

    # Helpers

    async def _limit(self, client_ip: str | None) -> None:
        if self._limiter is None or self._keyring is None:
            return
        wait = await self._limiter.hit("checkout", self._keyring.digest("limit", client_ip or "?"))
        if wait is not None:
            raise RateLimitedError(
                f"Too many checkouts from here; try again in {wait:.0f} s.", retry_after=wait
            )

    def _default_provider(self) -> PaymentProvider:
        for provider in self._providers.values():
            if provider is not None:
                return provider
        raise PaymentsDisabledError(
            "Donations are not set up on this server (no payment provider keys).", field=None
        )

    def _view(self, campaign: Campaign, totals: CampaignTotals, site: Site) -> CampaignView:
        provider = next((name for name, p in self._providers.items() if p is not None), None)
        return CampaignView(
            campaign=campaign,
            totals=totals,
            site_title=site.title or site.name,
            accepting=campaign.is_open(self._clock.now()) and provider is not None,
            provider=provider,
        )

    async def _snapshot(self, site: str) -> CampaignUpdated | None:
        as_of = to_us(self._clock.now())  # before the read: a later reading sees at least this
        async with self._storage.read() as tx:
            campaign = await tx.campaigns.current(site, self._clock.now())
            if campaign is None:
                return None
            totals = await tx.campaigns.totals(campaign)
        return _event(campaign, totals, as_of)

    async def _publish(self, campaign_id: str) -> None:
        as_of = to_us(self._clock.now())
        async with self._storage.read() as tx:
            campaign = await tx.campaigns.get(campaign_id)
            if campaign is None:
                return
            current = await tx.campaigns.current(campaign.site, self._clock.now())
            if current is None or current.id != campaign.id:
                return  # not the one widgets show
            totals = await tx.campaigns.totals(campaign)
        await self._bus.publish(_event(campaign, totals, as_of))

    @staticmethod
    async def _site(tx: CampaignTransaction, name: str) -> Site:
        found = await tx.sites.get(name)
        if found is None:
            raise NotFoundError(f"There is no site called {name!r}.", field="site")
        return found

    @staticmethod
    async def _campaign(tx: CampaignTransaction, campaign_id: str) -> Campaign:
        found = await tx.campaigns.get(campaign_id)
        if found is None:
            raise NoCampaignError(f"There is no campaign {campaign_id!r}.", field="campaign")
        return found

    def _return_url(self, site: Site, return_url: str | None) -> str:
        if return_url:
            parts = urlsplit(return_url)
            origin = f"{parts.scheme}://{parts.netloc}".lower()
            if parts.scheme not in ("http", "https") or origin not in site.origins:
                raise ValidationError(
                    "The return address must be a page of the site.", field="return_url"
                )
            return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))
        if self._public_url:
            return self._public_url.rstrip("/") + "/"
        if site.origins:
            return site.origins[0] + "/"
        raise ValidationError("A return address is needed.", field="return_url")


def _with_fragment(url: str, fragment: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, fragment))


def _campaign(
    campaign_id: str, site: str, draft: CampaignDraft, created_by: str, now: datetime
) -> Campaign:
    return Campaign(
        id=campaign_id,
        site=site,
        goal=draft.goal,
        currency=draft.currency,
        milestones=draft.milestones,
        preset_amounts=draft.preset_amounts,
        title=draft.title,
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        thank_you=draft.thank_you,
        created_by=created_by,
        created_at=now,
    )


def _event(campaign: Campaign, totals: CampaignTotals, as_of: int) -> CampaignUpdated:
    return CampaignUpdated(
        site=campaign.site,
        page=CAMPAIGN_PAGE,
        comment_id=campaign.id,
        raised=format_money(totals.raised, campaign.currency),
        currency=campaign.currency.code,
        donor_count=totals.donor_count,
        as_of=as_of,
    )
