"""Reader support: the campaign readers see, checkouts, live totals, and the payment
providers' webhooks."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath
from litestar.response import ServerSentEvent, ServerSentEventMessage
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from rostra.domain.campaigns import PaymentsDisabledError, format_money
from rostra.domain.events import CampaignUpdated
from rostra.services.campaigns import CampaignService, CampaignView
from rostra.services.registry import Services
from rostra.web.decoding import Body, decode
from rostra.web.draining import DRAIN, stopping_message
from rostra.web.errors import ERROR_RESPONSES
from rostra.web.schemas import CampaignOut, CheckoutIn, CheckoutOut, ErrorBody, WebhookOut

CHECKOUT_RESPONSES = {
    **ERROR_RESPONSES,
    409: ResponseSpec(data_container=ErrorBody, description="`donations_closed`: it has ended."),
    502: ResponseSpec(
        data_container=ErrorBody, description="`payment_provider_error`: Stripe failed."
    ),
    503: ResponseSpec(
        data_container=ErrorBody, description="`payments_disabled`: no Stripe keys set."
    ),
}
WEBHOOK_RESPONSES = {
    400: ResponseSpec(
        data_container=ErrorBody,
        description="`invalid_signature`: missing, wrong or stale signature.",
    ),
    404: ERROR_RESPONSES[404],
    503: CHECKOUT_RESPONSES[503],
}
HEARTBEAT_SECONDS = 15.0
RETRY_MILLISECONDS = 3000
# Webhook senders (Stripe) name the signature header this way.
SIGNATURE_HEADERS = {"stripe": "stripe-signature", "demo": "x-demo-signature"}


def campaign_service(services: Services) -> CampaignService:
    """The campaign service (wired by ``bootstrap``)."""
    if services.campaigns is None:
        raise PaymentsDisabledError("Reader support is not enabled on this server.", field=None)
    return services.campaigns


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _base(request: Request[Any, Any, Any]) -> str:
    return str(request.base_url).rstrip("/")


def campaign_out(view: CampaignView, base: str) -> CampaignOut:
    """A campaign for readers: money as decimal strings, donors only by the names they chose."""
    campaign, money = view.campaign, view.campaign.currency
    return CampaignOut(
        goal=format_money(campaign.goal, money),
        currency=money.code,
        raised=format_money(view.totals.raised, money),
        milestones=[format_money(m, money) for m in campaign.milestones],
        preset_amounts=[format_money(p, money) for p in campaign.preset_amounts],
        donate_url=f"{base}/api/v1/campaigns/{campaign.site}/checkout",
        id=campaign.id,
        title=campaign.title,
        site_title=view.site_title,
        thank_you=campaign.thank_you,
        accepting=view.accepting,
        starts_at=_time(campaign.starts_at),
        ends_at=_time(campaign.ends_at),
        donor_count=view.totals.donor_count,
        public_donors=list(view.totals.public_donors),
        events_url=f"{base}/api/v1/campaigns/{campaign.site}/events",
    )


# GET /api/v1/campaigns/{site}
@get(
    "/api/v1/campaigns/{site:str}",
    summary="The site's current fundraising campaign",
    tags=["reader support"],
    cache=False,
    responses=ERROR_RESPONSES,
)
async def get_campaign(
    request: Request[Any, Any, Any], site: FromPath[str], services: NamedDependency[Services]
) -> CampaignOut:
    """Goal, amount raised (completed payments less refunds), milestones and preset amounts as
    decimal strings; ``donate_url`` is where the widget POSTs a checkout. `404` `no_campaign`
    when the site has none, `not_found` for an unknown site."""
    view = await campaign_service(services).current_campaign(site)
    return campaign_out(view, _base(request))


# POST /api/v1/campaigns/{site}/checkout
@post(
    "/api/v1/campaigns/{site:str}/checkout",
    summary="Start a donation: answers the payment provider's checkout URL",
    tags=["reader support"],
    status_code=HTTP_201_CREATED,
    responses=CHECKOUT_RESPONSES,
)
async def start_checkout(
    request: Request[Any, Any, Any],
    site: FromPath[str],
    services: NamedDependency[Services],
    data: Body[CheckoutIn],
) -> CheckoutOut:
    """``amount`` is a decimal string in the campaign's currency (numbers are refused: money is
    never a float). The reader is then sent to ``url``. `400` `invalid_amount`,
    `unsupported_currency`; `409` `donations_closed`; `429` `rate_limited`; `503`
    `payments_disabled`; `502` `payment_provider_error`."""
    incoming = decode(data, CheckoutIn)
    checkout = await campaign_service(services).start_checkout(
        site,
        incoming.amount,
        incoming.currency,
        donor_name=incoming.donor_name,
        return_url=incoming.return_url,
        client_ip=request.client.host if request.client else None,
    )
    return CheckoutOut(id=checkout.id, url=checkout.url)


# POST /api/v1/payments/webhook/{provider}
@post(
    "/api/v1/payments/webhook/{provider:str}",
    summary="Payment provider webhooks (verified, idempotent)",
    tags=["reader support"],
    status_code=HTTP_200_OK,
    responses=WEBHOOK_RESPONSES,
)
async def payment_webhook(
    request: Request[Any, Any, Any], provider: FromPath[str], services: NamedDependency[Services]
) -> WebhookOut:
    """The signature header (Stripe: ``Stripe-Signature``) is checked against the endpoint
    secret; a missing, wrong or older-than-5-minutes signature is `400` `invalid_signature`.
    Each event id counts once: a replay answers `200` with ``outcome: "duplicate"``. Event types
    Rostra does not use answer `200` ``ignored`` so the provider stops retrying."""
    payload = await request.body()
    header = request.headers.get(SIGNATURE_HEADERS.get(provider, "x-signature"))
    outcome = await campaign_service(services).receive_webhook(provider, payload, header)
    return WebhookOut(outcome=outcome.value)


def _message(event: CampaignUpdated) -> ServerSentEventMessage:
    return ServerSentEventMessage(
        data=msgspec.json.encode(event.payload()).decode(), event=event.name
    )


async def _with_heartbeats(
    events: AsyncIterator[CampaignUpdated],
) -> AsyncIterator[ServerSentEventMessage]:
    yield ServerSentEventMessage(data=None, comment="connected", retry=RETRY_MILLISECONDS)
    pending: asyncio.Future[CampaignUpdated] = asyncio.ensure_future(anext(events))
    draining = asyncio.ensure_future(DRAIN.wait())
    try:
        while True:
            done, _ = await asyncio.wait(
                {pending, draining}, timeout=HEARTBEAT_SECONDS, return_when=asyncio.FIRST_COMPLETED
            )
            if not done:
                yield ServerSentEventMessage(data=None, comment="heartbeat")
                continue
            if pending not in done:  # the server is stopping
                yield stopping_message()
                return
            yield _message(pending.result())
            pending = asyncio.ensure_future(anext(events))
    finally:
        pending.cancel()
        draining.cancel()
        with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
            await pending
        await events.aclose()  # type: ignore[attr-defined]


# GET /api/v1/campaigns/{site}/events
@get(
    "/api/v1/campaigns/{site:str}/events",
    summary="Live totals of the site's campaign (Server-Sent Events)",
    tags=["reader support"],
    cache=False,
    media_type="text/event-stream",
    response_description="An endless stream of `campaign.updated` events",
    responses=ERROR_RESPONSES,
)
async def campaign_events(
    site: FromPath[str], services: NamedDependency[Services]
) -> ServerSentEvent:
    """``campaign.updated`` with ``{"id", "raised", "currency", "donor_count", "as_of"}``: first the
    current total, then again after every donation, refund or manual entry. Each event holds
    the whole total, so a reconnecting reader needs no ``Last-Event-ID``."""
    events = await campaign_service(services).follow_campaign(site)
    return ServerSentEvent(_with_heartbeats(events), headers={"X-Accel-Buffering": "no"})
