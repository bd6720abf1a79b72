"""Reader support over HTTP: the campaign, checkouts against a local stand-in of
Stripe's API (the real ``stripe`` client runs), and webhooks signed exactly as Stripe signs them."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from rostra.config import Settings
from rostra.domain.campaigns import Campaign, CampaignDraft, currency
from rostra.domain.staff import Role, StaffUser
from rostra.services.campaigns import WebhookOutcome
from rostra.services.registry import Services
from tests.api.helpers import assert_error, within_one_rate_window
from tests.api.staff_helpers import ADMIN
from tests.api.test_events import EventStream
from tests.conftest import SECRET_KEY, MovableClock
from tests.stripe_standin import (
    SECRET_KEY as STRIPE_KEY,
)
from tests.stripe_standin import (
    WEBHOOK_SECRET,
    StripeServer,
    charge_refunded,
    event,
    session_completed,
    sign,
)

WEBHOOK = "/api/v1/payments/webhook/stripe"
DEADLINE_SECONDS = 10.0


@pytest.fixture
def stripe_server() -> Iterator[StripeServer]:
    server = StripeServer()
    yield server
    server.stop()


@pytest.fixture
def settings(database_url: str, stripe_server: StripeServer) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=SECRET_KEY,
        rate_limits=False,
        stripe_secret_key=STRIPE_KEY,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=stripe_server.state.url,
    )


@pytest.fixture
def admin(clock: MovableClock) -> StaffUser:
    """An admin as the dashboard hands it to the service (no password hashing per test; the
    CLI tests resolve real accounts)."""
    return StaffUser(id=1, email=ADMIN, role=Role.ADMIN, created_at=clock.now())


def draft(**overrides: Any) -> CampaignDraft:
    values: dict[str, Any] = {
        "goal": 500_000,
        "currency": currency("USD"),
        "milestones": (250_000, 500_000),
        "preset_amounts": (1000, 2500, 5000),
        "title": "Keep the newsroom independent",
        "thank_you": "Thank you for supporting local news!",
    }
    values.update(overrides)
    return CampaignDraft(**values)


@pytest.fixture
async def campaign(services: Services, admin: StaffUser) -> Campaign:
    assert services.campaigns is not None
    return await services.campaigns.create_campaign(admin, "news", draft())


async def deliver(client: httpx.AsyncClient, payload: str, signature: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    signature = sign(payload) if signature is None else signature
    if signature:
        headers["Stripe-Signature"] = signature
    return await client.post(WEBHOOK, content=payload.encode(), headers=headers)


async def raised(client: httpx.AsyncClient) -> str:
    response = await client.get("/api/v1/campaigns/news")
    assert response.status_code == 200, response.text
    value: str = response.json()["raised"]
    return value


# GET /api/v1/campaigns/{site}


async def test_campaign_has_the_contract_shape(
    client: httpx.AsyncClient, campaign: Campaign
) -> None:
    response = await client.get("/api/v1/campaigns/news")
    assert response.status_code == 200
    body = response.json()
    assert body["goal"] == "5000.00"
    assert body["currency"] == "USD"
    assert body["raised"] == "0.00"
    assert body["milestones"] == ["2500.00", "5000.00"]
    assert body["preset_amounts"] == ["10.00", "25.00", "50.00"]
    assert body["donate_url"] == "http://testserver/api/v1/campaigns/news/checkout"
    assert body["id"] == campaign.id
    assert body["site_title"] == "The Example News"
    assert body["accepting"] is True
    assert body["public_donors"] == []
    assert body["donor_count"] == 0


async def test_site_pages_may_read_the_campaign_and_start_checkouts_cross_origin(
    client: httpx.AsyncClient, campaign: Campaign
) -> None:
    origin = {"Origin": "https://news.example"}
    read = await client.get("/api/v1/campaigns/news", headers=origin)
    assert read.headers["access-control-allow-origin"] == "https://news.example"
    preflight = await client.options(
        "/api/v1/campaigns/news/checkout",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code in (200, 204)
    assert preflight.headers["access-control-allow-origin"] == "https://news.example"
    foreign = await client.get("/api/v1/campaigns/news", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in foreign.headers


async def test_unknown_site_is_404(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/api/v1/campaigns/nosuchsite"), 404, "not_found", "site")


async def test_site_without_campaign_is_404_no_campaign(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/api/v1/campaigns/news"), 404, "no_campaign", "site")


async def test_campaign_not_started_yet_is_not_shown(
    client: httpx.AsyncClient, services: Services, admin: StaffUser, clock: MovableClock
) -> None:
    assert services.campaigns is not None
    await services.campaigns.create_campaign(
        admin, "news", draft(starts_at=clock.now() + timedelta(days=2))
    )
    assert_error(await client.get("/api/v1/campaigns/news"), 404, "no_campaign")
    clock.advance(days=3)
    assert (await client.get("/api/v1/campaigns/news")).status_code == 200


# POST /api/v1/campaigns/{site}/checkout


async def test_checkout_creates_a_stripe_session_and_answers_its_url(
    client: httpx.AsyncClient, campaign: Campaign, stripe_server: StripeServer
) -> None:
    response = await client.post(
        "/api/v1/campaigns/news/checkout",
        json={
            "amount": "25.50",
            "currency": "usd",
            "donor_name": "  Ann   Reader ",
            "return_url": "https://news.example/2026/11/article?x=1",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"].startswith("cs_test_")
    assert body["url"] == f"{stripe_server.state.url}/c/pay/{body['id']}"
    [session] = stripe_server.state.sessions
    assert session["mode"] == "payment"
    item = session["line_items"][0]
    assert item["price_data"]["unit_amount"] == "2550"
    assert item["price_data"]["currency"] == "usd"
    assert item["price_data"]["product_data"]["name"] == "Support The Example News"
    assert session["metadata"] == {
        "rostra_campaign": campaign.id,
        "rostra_site": "news",
        "rostra_donor_name": "Ann Reader",
    }
    assert session["payment_intent_data"]["metadata"]["rostra_campaign"] == campaign.id
    assert (
        session["success_url"] == "https://news.example/2026/11/article?x=1#rostra-support-thanks"
    )
    assert session["cancel_url"] == "https://news.example/2026/11/article?x=1#rostra-support"
    assert stripe_server.state.authorizations == [f"Bearer {STRIPE_KEY}"]


BAD_AMOUNTS: list[tuple[Any, str]] = [
    ("-5.00", "invalid_amount"),
    ("0", "invalid_amount"),
    ("0.00", "invalid_amount"),
    ("1000000.00", "invalid_amount"),  # above Stripe's eight-digit limit
    ("99999999999999999999", "invalid_amount"),
    ("25.001", "invalid_amount"),
    ("1e3", "invalid_amount"),
    ("NaN", "invalid_amount"),
    ("Infinity", "invalid_amount"),
    ("25,00", "invalid_amount"),
    ("", "invalid_amount"),
    ("<script>", "invalid_amount"),
    (25, "invalid"),  # numbers are refused: money is never a float
    (25.5, "invalid"),
    (True, "invalid"),
    (None, "invalid"),
    (["25"], "invalid"),
    ({"value": "25"}, "invalid"),
]


async def test_checkout_refuses_bad_amounts(
    client: httpx.AsyncClient, campaign: Campaign, stripe_server: StripeServer
) -> None:
    for amount, code in BAD_AMOUNTS:
        response = await client.post("/api/v1/campaigns/news/checkout", json={"amount": amount})
        assert response.status_code == 400, (amount, response.text)
        assert_error(response, 400, code, "amount")
    assert stripe_server.state.sessions == []


async def test_checkout_without_amount_is_400(
    client: httpx.AsyncClient, campaign: Campaign
) -> None:
    response = await client.post("/api/v1/campaigns/news/checkout", json={})
    assert_error(response, 400, "invalid", "amount")


async def test_checkout_in_another_currency_is_refused(
    client: httpx.AsyncClient, campaign: Campaign
) -> None:
    for code in ("EUR", "XYZ", "usdollar", ""):
        response = await client.post(
            "/api/v1/campaigns/news/checkout", json={"amount": "10", "currency": code}
        )
        assert_error(response, 400, "unsupported_currency", "currency")


async def test_checkout_refuses_wrong_types_and_unknown_fields(
    client: httpx.AsyncClient, campaign: Campaign
) -> None:
    url = "/api/v1/campaigns/news/checkout"
    assert_error(await client.post(url, json={"amount": "5", "currency": 840}), 400, "invalid")
    assert_error(await client.post(url, json={"amount": "5", "donor_name": 7}), 400, "invalid")
    assert_error(await client.post(url, json={"amount": "5", "admin": True}), 400, "invalid")
    assert_error(await client.post(url, json=["5"]), 400, "invalid")
    assert_error(
        await client.post(url, json={"amount": "5", "donor_name": "x" * 101}), 400, "invalid"
    )


async def test_checkout_return_url_must_be_on_the_site(
    client: httpx.AsyncClient, campaign: Campaign
) -> None:
    for url in ("https://evil.example/", "javascript:alert(1)", "//news.example/a"):
        response = await client.post(
            "/api/v1/campaigns/news/checkout", json={"amount": "5", "return_url": url}
        )
        assert_error(response, 400, "invalid", "return_url")


async def test_checkout_of_an_ended_campaign_is_409(
    client: httpx.AsyncClient, services: Services, admin: StaffUser, clock: MovableClock
) -> None:
    assert services.campaigns is not None
    await services.campaigns.create_campaign(
        admin,
        "news",
        draft(starts_at=clock.now() - timedelta(days=10), ends_at=clock.now() - timedelta(days=1)),
    )
    assert (await client.get("/api/v1/campaigns/news")).json()["accepting"] is False
    response = await client.post("/api/v1/campaigns/news/checkout", json={"amount": "5"})
    assert_error(response, 409, "donations_closed")


async def test_checkout_when_stripe_refuses_is_502(
    client: httpx.AsyncClient, campaign: Campaign, stripe_server: StripeServer
) -> None:
    stripe_server.state.fail_next = {
        "type": "invalid_request_error",
        "message": "Amount must convert to at least 50 cents.",
    }
    response = await client.post("/api/v1/campaigns/news/checkout", json={"amount": "0.10"})
    assert_error(response, 502, "payment_provider_error")


async def test_checkout_without_stripe_keys_is_503(
    database_url: str, clock: MovableClock, tmp_path: Any
) -> None:
    from rostra.bootstrap import build_services
    from rostra.web.app import create_app

    services = build_services(
        Settings(database_url=database_url, secret_key=SECRET_KEY, rate_limits=False), clock=clock
    )
    try:
        await services.sites.add_site("news", ["https://news.example"], "News")
        assert services.campaigns is not None
        admin = StaffUser(id=1, email=ADMIN, role=Role.ADMIN, created_at=clock.now())
        await services.campaigns.create_campaign(admin, "news", draft())
        transport = httpx.ASGITransport(app=create_app(services))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            body = (await client.get("/api/v1/campaigns/news")).json()
            assert body["accepting"] is False
            response = await client.post("/api/v1/campaigns/news/checkout", json={"amount": "5"})
            assert_error(response, 503, "payments_disabled")
            payload = session_completed("x", 500)
            assert_error(await deliver(client, payload), 503, "payments_disabled")
    finally:
        for hook in services.on_shutdown:
            await hook()


async def test_checkouts_per_address_are_rate_limited(
    settings: Settings, clock: MovableClock, admin: StaffUser, stripe_server: StripeServer
) -> None:
    from rostra.bootstrap import build_services
    from rostra.web.app import create_app

    limited = settings.with_overrides(rate_limits=True, rate_limit_checkouts="2/minute")
    services = build_services(limited, clock=clock)
    try:
        await services.sites.add_site("news", ["https://news.example"], "News")
        assert services.campaigns is not None
        await services.campaigns.create_campaign(admin, "news", draft())
        transport = httpx.ASGITransport(app=create_app(services))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            url = "/api/v1/campaigns/news/checkout"
            await within_one_rate_window()
            for _ in range(2):
                assert (await client.post(url, json={"amount": "5"})).status_code == 201
            refused = await client.post(url, json={"amount": "5"})
            assert_error(refused, 429, "rate_limited")
            assert int(refused.headers["Retry-After"]) >= 1
        assert len(stripe_server.state.sessions) == 2
    finally:
        for hook in services.on_shutdown:
            await hook()


# POST /api/v1/payments/webhook/stripe


async def test_completed_checkout_counts_once_even_when_replayed(
    client: httpx.AsyncClient, campaign: Campaign
) -> None:
    payload = session_completed(campaign.id, 2500, donor_name="Ann Reader")
    first = await deliver(client, payload)
    assert first.status_code == 200, first.text
    assert first.json() == {"outcome": "applied"}
    body = (await client.get("/api/v1/campaigns/news")).json()
    assert (body["raised"], body["donor_count"], body["public_donors"]) == (
        "25.00",
        1,
        ["Ann Reader"],
    )
    again = await deliver(client, payload)  # Stripe retries with the same body and signature
    assert again.json() == {"outcome": "duplicate"}
    resigned = await deliver(client, payload, sign(payload, timestamp=int(time.time()) + 1))
    assert resigned.json() == {"outcome": "duplicate"}
    assert await raised(client) == "25.00"


async def test_donors_are_anonymous_unless_they_opted_in(
    client: httpx.AsyncClient, campaign: Campaign
) -> None:
    await deliver(client, session_completed(campaign.id, 1000))
    body = (await client.get("/api/v1/campaigns/news")).json()
    assert body["public_donors"] == []
    text = json.dumps(body)
    assert "Private Donor" not in text and "donor@example.org" not in text


async def test_tampered_payload_is_400_and_counts_nothing(
    client: httpx.AsyncClient, campaign: Campaign
) -> None:
    payload = session_completed(campaign.id, 2500)
    signature = sign(payload)
    tampered = payload.replace('"amount_total": 2500', '"amount_total": 2500000')
    assert tampered != payload
    assert_error(await deliver(client, tampered, signature), 400, "invalid_signature")
    assert await raised(client) == "0.00"


async def test_signature_with_another_secret_is_400(
    client: httpx.AsyncClient, campaign: Campaign
) -> None:
    payload = session_completed(campaign.id, 2500)
    bad = sign(payload, secret="whsec_not_ours")
    assert_error(await deliver(client, payload, bad), 400, "invalid_signature", "Stripe-Signature")


async def test_stale_signature_is_400(client: httpx.AsyncClient, campaign: Campaign) -> None:
    payload = session_completed(campaign.id, 2500)
    old = sign(payload, timestamp=int(time.time()) - 301)
    assert_error(await deliver(client, payload, old), 400, "invalid_signature")
    fresh_enough = sign(payload, timestamp=int(time.time()) - 200)
    assert (await deliver(client, payload, fresh_enough)).json() == {"outcome": "applied"}


async def test_missing_or_malformed_signature_header_is_400(
    client: httpx.AsyncClient, campaign: Campaign
) -> None:
    payload = session_completed(campaign.id, 2500)
    for header in ("", "t=abc,v1=00", "v1=deadbeef", "t=1,v0=00", "nonsense", "t=,v1="):
        assert_error(await deliver(client, payload, header), 400, "invalid_signature")
    assert await raised(client) == "0.00"


async def test_signed_body_that_is_not_an_event_is_400(client: httpx.AsyncClient) -> None:
    for body in ("not json", "[]", '{"type": "charge.refunded"}'):
        response = await deliver(client, body)
        assert_error(response, 400, "invalid_signature")


async def test_unknown_event_types_and_foreign_checkouts_are_ignored_with_200(
    client: httpx.AsyncClient, campaign: Campaign
) -> None:
    unknown = event("customer.created", {"id": "cus_1", "object": "customer"})
    assert (await deliver(client, unknown)).json() == {"outcome": "ignored"}
    foreign = session_completed("not-a-campaign", 9900)
    assert (await deliver(client, foreign)).json() == {"outcome": "ignored"}
    assert (await deliver(client, foreign)).json() == {"outcome": "duplicate"}
    assert await raised(client) == "0.00"


async def test_unknown_provider_is_404(client: httpx.AsyncClient) -> None:
    payload = session_completed("x", 100)
    response = await client.post(
        "/api/v1/payments/webhook/paypal",
        content=payload,
        headers={"Stripe-Signature": sign(payload)},
    )
    assert_error(response, 404, "not_found")


async def test_delayed_payment_counts_when_it_succeeds(
    client: httpx.AsyncClient, campaign: Campaign
) -> None:
    unpaid = session_completed(campaign.id, 4000, payment_intent="pi_slow", payment_status="unpaid")
    assert (await deliver(client, unpaid)).json() == {"outcome": "ignored"}
    assert await raised(client) == "0.00"
    succeeded = session_completed(
        campaign.id,
        4000,
        payment_intent="pi_slow",
        event_type="checkout.session.async_payment_succeeded",
    )
    assert (await deliver(client, succeeded)).json() == {"outcome": "applied"}
    assert await raised(client) == "40.00"


async def test_two_success_events_of_one_payment_count_it_once(
    client: httpx.AsyncClient, campaign: Campaign
) -> None:
    await deliver(client, session_completed(campaign.id, 3000, payment_intent="pi_twice"))
    late = session_completed(
        campaign.id,
        3000,
        payment_intent="pi_twice",
        event_type="checkout.session.async_payment_succeeded",
    )
    assert (await deliver(client, late)).json() == {"outcome": "applied"}
    body = (await client.get("/api/v1/campaigns/news")).json()
    assert (body["raised"], body["donor_count"]) == ("30.00", 1)


async def test_refunds_lower_the_total(client: httpx.AsyncClient, campaign: Campaign) -> None:
    await deliver(client, session_completed(campaign.id, 5000, payment_intent="pi_a"))
    await deliver(client, session_completed(campaign.id, 1000, payment_intent="pi_b"))
    assert await raised(client) == "60.00"
    partial = charge_refunded("pi_a", 2000)
    assert (await deliver(client, partial)).json() == {"outcome": "applied"}
    assert await raised(client) == "40.00"
    assert (await deliver(client, partial)).json() == {"outcome": "duplicate"}
    assert await raised(client) == "40.00"
    await deliver(client, charge_refunded("pi_a", 5000))  # the rest
    body = (await client.get("/api/v1/campaigns/news")).json()
    assert (body["raised"], body["donor_count"]) == ("10.00", 1)


async def test_events_in_any_order_end_at_the_same_total(
    client: httpx.AsyncClient, campaign: Campaign
) -> None:
    # The later refund (cumulative 15.00) arrives first, then the earlier one (5.00), then the
    # payment itself.
    await deliver(client, charge_refunded("pi_late", 1500))
    assert await raised(client) == "0.00"
    await deliver(client, charge_refunded("pi_late", 500))
    await deliver(client, session_completed(campaign.id, 5000, payment_intent="pi_late"))
    assert await raised(client) == "35.00"


async def test_payment_in_another_currency_does_not_count(
    client: httpx.AsyncClient, campaign: Campaign
) -> None:
    await deliver(client, session_completed(campaign.id, 5000, currency="eur"))
    assert await raised(client) == "0.00"


async def test_concurrent_deliveries_of_one_event_count_once(
    client: httpx.AsyncClient, services: Services, campaign: Campaign
) -> None:
    """On PostgreSQL each call runs on its own pooled connection; the event id's unique key
    lets exactly one insert win."""
    assert services.campaigns is not None
    payload = session_completed(campaign.id, 1234, event_id="evt_concurrent")
    signature = sign(payload)
    outcomes = await asyncio.gather(
        *(
            services.campaigns.receive_webhook("stripe", payload.encode(), signature)
            for _ in range(8)
        )
    )
    assert sorted(outcomes) == sorted([WebhookOutcome.APPLIED] + [WebhookOutcome.DUPLICATE] * 7)
    responses = await asyncio.gather(*(deliver(client, payload, signature) for _ in range(4)))
    assert {r.json()["outcome"] for r in responses} == {"duplicate"}
    assert await raised(client) == "12.34"


# GET /api/v1/campaigns/{site}/events


@pytest.fixture
async def http(live_server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=live_server, trust_env=False, timeout=DEADLINE_SECONDS
    ) as client:
        yield client


async def test_support_stream_sends_the_total_then_each_change(
    http: httpx.AsyncClient, campaign: Campaign
) -> None:
    async with http.stream("GET", "/api/v1/campaigns/news/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = EventStream(response)
        name, data = await stream.next_event()
        assert (name, data["raised"], data["id"]) == ("campaign.updated", "0.00", campaign.id)
        payload = session_completed(campaign.id, 2000, payment_intent="pi_live")
        assert (await deliver(http, payload)).json() == {"outcome": "applied"}
        name, data = await stream.next_event()
        assert (name, data["raised"], data["donor_count"]) == ("campaign.updated", "20.00", 1)
        await deliver(http, charge_refunded("pi_live", 500))
        _, data = await stream.next_event()
        assert data["raised"] == "15.00"


async def test_support_stream_of_unknown_site_is_404(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/api/v1/campaigns/nosuch/events"), 404, "not_found")
