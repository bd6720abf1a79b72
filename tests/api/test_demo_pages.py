"""The demo's pretend payment provider and its pages: only ``rostra demo`` (which builds a
:class:`DemoKit`) has them; completing a checkout sends a signed event through the real webhook
route, and the webhook refuses what the desk did not sign."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from rostra.bootstrap import build_payment_providers, build_services
from rostra.config import Settings, load_settings
from rostra.domain.campaigns import draft_from_text
from rostra.domain.staff import Role, StaffUser
from rostra.services.demo import DemoKit, DemoPaymentDesk
from rostra.services.registry import Services
from rostra.web.app import create_app
from tests.api.helpers import ORIGIN, assert_error
from tests.conftest import MovableClock

WEBHOOK = "/api/v1/payments/webhook/demo"
PUBLIC = "http://testserver"


@pytest.fixture
def kit(tmp_path: Path) -> DemoKit:
    return DemoKit(payments=DemoPaymentDesk(PUBLIC), mail_folder=tmp_path / "mail")


@pytest.fixture
async def services(
    settings: Settings, clock: MovableClock, kit: DemoKit
) -> AsyncIterator[Services]:
    services = build_services(settings.with_overrides(demo=True), clock=clock, demo=kit)
    await services.sites.add_site("news", [ORIGIN], "The Example News")
    assert services.campaigns is not None
    admin = StaffUser(id=1, email="admin@example.org", role=Role.ADMIN, created_at=clock.now())
    await services.campaigns.create_campaign(
        admin, "news", draft_from_text(goal="500", currency_code="GBP", preset_amounts=["10"])
    )
    yield services
    for hook in services.on_shutdown:
        await hook()


async def start(client: httpx.AsyncClient, amount: str = "25", name: str | None = None) -> str:
    response = await client.post(
        "/api/v1/campaigns/news/checkout",
        json={"amount": amount, "donor_name": name},
        headers={"Origin": ORIGIN},
    )
    assert response.status_code == 201, response.text
    url: str = response.json()["url"]
    assert url.startswith(f"{PUBLIC}/demo/checkout/demo_cs_")
    return url.removeprefix(PUBLIC)


async def raised(client: httpx.AsyncClient) -> str:
    value: str = (await client.get("/api/v1/campaigns/news")).json()["raised"]
    return value


async def test_no_setting_turns_the_demo_provider_or_pages_on(database_url: str) -> None:
    environ = {
        "ROSTRA_DEMO": "on",
        "ROSTRA_DATABASE_URL": database_url,
        "ROSTRA_SECRET_KEY": "k" * 40,
    }
    settings = load_settings(environ)
    assert settings.demo is True
    assert "demo" not in build_payment_providers(settings)
    services = build_services(settings.with_overrides(toxicity_model="none"))
    try:
        await services.sites.add_site("news", [ORIGIN], "The Example News")
        transport = httpx.ASGITransport(app=create_app(services, demo=True))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as client:
            assert (await client.get("/")).status_code == 200  # the demo article itself
            for path in ("/demo/mail", "/demo/mail/1.M2P3Q4.x", "/demo/checkout/demo_cs_x"):
                assert (await client.get(path)).status_code == 404, path
            complete = await client.post("/demo/checkout/demo_cs_x/complete")
            assert complete.status_code in (404, 405)
            response = await client.post(WEBHOOK, content=b"{}")
            assert_error(response, 404, "not_found")
    finally:
        for hook in services.on_shutdown:
            await hook()


async def test_checkout_page_shows_the_amount_and_cancel_returns_to_the_article(
    client: httpx.AsyncClient,
) -> None:
    path = await start(client, "25", "Ada")
    page = await client.get(path)
    assert page.status_code == 200
    assert "25.00 GBP" in page.text
    assert "no money moves" in page.text
    assert "Ada" in page.text
    cancel = await client.post(f"{path}/cancel", headers={"Origin": PUBLIC})
    assert cancel.status_code == 303
    assert cancel.headers["location"].startswith("https://news.example/#")  # the site's page
    assert (await client.get(path)).status_code == 404  # finished: cannot be completed now
    again = await client.post(f"{path}/complete", headers={"Origin": PUBLIC})
    assert again.status_code == 404
    assert await raised(client) == "0.00"


async def test_other_sites_pages_cannot_complete_a_checkout(client: httpx.AsyncClient) -> None:
    path = await start(client)
    response = await client.post(f"{path}/complete", headers={"Origin": "https://evil.example"})
    assert_error(response, 403, "origin_not_allowed")
    assert (await client.get(path)).status_code == 200  # still open


async def test_completing_sends_a_signed_event_through_the_real_webhook(
    live_server: str,
) -> None:
    async with httpx.AsyncClient(base_url=live_server) as client:
        path = (await start(client, "12.50", "Ada")).replace(PUBLIC, "")
        done = await client.post(f"{path}/complete", headers={"Origin": live_server})
        assert done.status_code == 303, done.text
        assert done.headers["location"].endswith("#rostra-support-thanks")
        assert await raised(client) == "12.50"
        campaign = (await client.get("/api/v1/campaigns/news")).json()
        assert campaign["public_donors"] == ["Ada"]
        assert (await client.post(f"{path}/complete")).status_code == 404  # only once


async def test_webhook_refuses_what_the_desk_did_not_sign(
    client: httpx.AsyncClient, kit: DemoKit
) -> None:
    path = await start(client, "10")
    _, body, signature = kit.payments.complete(path.rsplit("/", 1)[1])
    headers = {"Content-Type": "application/json"}
    bad = {
        "missing": None,
        "garbage": "nonsense",
        "wrong key": DemoPaymentDesk(PUBLIC).sign(body),
        "too old": kit.payments.sign(body, now=time.time() - 3600),
        "other body": kit.payments.sign(body.replace(b'"amount":1000', b'"amount":9999')),
    }
    for label, header in bad.items():
        sent = {**headers, **({"X-Demo-Signature": header} if header else {})}
        response = await client.post(WEBHOOK, content=body, headers=sent)
        assert response.status_code == 400, label
        assert_error(response, 400, "invalid_signature")
    tampered = body.replace(b'"amount":1000', b'"amount":9999')
    forged = await client.post(
        WEBHOOK, content=tampered, headers={**headers, "X-Demo-Signature": signature}
    )
    assert_error(forged, 400, "invalid_signature")
    assert await raised(client) == "0.00"
    good = {**headers, "X-Demo-Signature": signature}
    assert (await client.post(WEBHOOK, content=body, headers=good)).json() == {"outcome": "applied"}
    replay = await client.post(WEBHOOK, content=body, headers=good)
    assert replay.json() == {"outcome": "duplicate"}
    assert await raised(client) == "10.00"
    event = json.loads(body)
    assert event["currency"] == "GBP"


async def test_mailbox_lists_caught_mail_with_working_links(
    client: httpx.AsyncClient, kit: DemoKit
) -> None:
    import mailbox
    from email.message import EmailMessage

    empty = await client.get("/demo/mail")
    assert empty.status_code == 200
    assert "No mail yet" in empty.text
    message = EmailMessage()
    message["Subject"] = "Confirm your notifications <b>now</b>"
    message["To"] = "reader@example.org"
    message["List-Unsubscribe"] = "<http://testserver/api/v1/subscriptions/unsubscribe?token=t1>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content("Confirm here: http://testserver/api/v1/subscriptions/confirm?token=abc.\n")
    key = mailbox.Maildir(kit.mail_folder, create=True).add(message)
    listing = await client.get("/demo/mail")
    assert f'href="/demo/mail/{key}"' in listing.text
    assert "&lt;b&gt;now&lt;/b&gt;" in listing.text  # subjects are text, never markup
    shown = await client.get(f"/demo/mail/{key}")
    assert shown.status_code == 200
    # The link without the sentence's full stop.
    assert '<a href="http://testserver/api/v1/subscriptions/confirm?token=abc">' in shown.text
    assert 'action="http://testserver/api/v1/subscriptions/unsubscribe?token=t1"' in shown.text
    for missing in ("/demo/mail/nope", "/demo/mail/a%20b", "/demo/mail/a..b"):
        assert (await client.get(missing)).status_code == 404, missing
    # An encoded slash never reaches the page (refused as a non-canonical path).
    assert (await client.get("/demo/mail/..%2Fetc")).status_code == 400
