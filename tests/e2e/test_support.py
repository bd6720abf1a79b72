"""The support widget in Chromium: the goal bar, its live update after a verified
webhook, amount validation, and the redirect to the (stand-in) Stripe Checkout page."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import DemoServer, demo_process
from tests.stripe_standin import (
    SECRET_KEY,
    WEBHOOK_SECRET,
    StripeServer,
    session_completed,
    sign,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def stripe_server() -> Iterator[StripeServer]:
    server = StripeServer()
    yield server
    server.stop()


@pytest.fixture
def server(tmp_path: Path, stripe_server: StripeServer) -> Iterator[DemoServer]:
    """``rostra demo`` with Stripe keys, its API calls going to the local stand-in."""
    env = {
        **os.environ,
        "ROSTRA_RATE_LIMITS": "off",
        "ROSTRA_STRIPE_SECRET_KEY": SECRET_KEY,
        "ROSTRA_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "ROSTRA_STRIPE_API_BASE": stripe_server.state.url,
    }
    env.pop("ROSTRA_DATABASE_URL", None)
    with demo_process(tmp_path, env) as demo:
        yield demo


def test_goal_bar_updates_live_and_donate_redirects_to_checkout(
    new_page: object, server: DemoServer, stripe_server: StripeServer
) -> None:
    from playwright.sync_api import expect

    campaign = server.http.get("/api/v1/campaigns/demo").json()
    assert campaign["raised"] == "1860.00"
    page = new_page()
    support = page.locator("[data-rostra-support]")  # type: ignore[attr-defined]
    bar = support.get_by_role("progressbar")
    expect(bar).to_have_attribute("aria-valuenow", "1860")
    expect(bar).to_have_attribute("aria-valuemin", "0")
    expect(bar).to_have_attribute("aria-valuemax", "5000")
    expect(bar).to_have_attribute("aria-valuetext", "£1,860 raised of £5,000 goal (37%)")
    expect(support.get_by_role("heading", name="Support Rostra Gazette")).to_be_visible()
    # Milestones: the first is reached, and screen readers hear which.
    expect(support.locator(".ms.on")).to_have_count(1)
    expect(support.get_by_role("list", name="Milestones")).to_contain_text("£1,000 (reached)")
    # Donor names only of those who opted in; never the anonymous ones.
    expect(support.locator(".who")).to_have_text("Recent supporters: Dev Raman, Marta Kowalczyk")

    # A verified payment arrives: the open page's bar moves without a reload.
    payload = session_completed(
        campaign["id"], 114_000, currency="gbp", payment_intent="pi_browser"
    )
    response = server.http.post(
        "/api/v1/payments/webhook/stripe",
        content=payload,
        headers={"Stripe-Signature": sign(payload), "Content-Type": "application/json"},
    )
    assert response.json() == {"outcome": "applied"}, response.text
    expect(bar).to_have_attribute("aria-valuenow", "3000")
    expect(bar).to_have_attribute("aria-valuetext", "£3,000 raised of £5,000 goal (60%)")
    expect(support.locator(".ms.on")).to_have_count(2)

    # Preset buttons are toggles; a bad custom amount is refused before any request.
    preset = support.get_by_role("button", name="£50")
    preset.click()
    expect(preset).to_have_attribute("aria-pressed", "true")
    custom = support.get_by_role("textbox", name="Other amount (GBP)")
    custom.fill("12.345")
    expect(preset).to_have_attribute("aria-pressed", "false")
    donate = support.get_by_role("button", name="Support Rostra Gazette")
    donate.click()
    expect(support.get_by_role("alert")).to_have_text("Enter an amount such as 25.00.")
    expect(custom).to_have_attribute("aria-invalid", "true")
    assert stripe_server.state.sessions == []

    custom.fill("12.50")
    donate.click()
    page.wait_for_url(f"{stripe_server.state.url}/c/pay/cs_test_*")  # type: ignore[attr-defined]
    [session] = stripe_server.state.sessions
    assert session["line_items"][0]["price_data"]["unit_amount"] == "1250"
    assert session["metadata"]["rostra_campaign"] == campaign["id"]
    assert session["success_url"] == f"{server.url}/#rostra-support-thanks"


def test_thank_you_after_checkout_and_dark_theme(new_page: object, server: DemoServer) -> None:
    from playwright.sync_api import expect

    page = new_page(
        color_scheme="dark", width=390, height=800, url=f"{server.url}/#rostra-support-thanks"
    )
    support = page.locator("[data-rostra-support]")  # type: ignore[attr-defined]
    expect(support.get_by_role("status").filter(has_text="Thank you!")).to_be_visible()
    box = support.locator(".sup")
    background = box.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background == "rgb(28, 28, 28)", background  # the dark surface
    overflow = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    assert overflow <= 390
    # Keyboard: the preset amounts are ordinary buttons.
    preset = support.get_by_role("button", name="£10")
    preset.focus()
    page.keyboard.press("Space")  # type: ignore[attr-defined]
    expect(preset).to_have_attribute("aria-pressed", "true")
    expect(support.get_by_role("button", name="£25")).to_have_attribute("aria-pressed", "false")
