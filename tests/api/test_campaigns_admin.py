"""The dashboard's reader-support pages: admins start campaigns and record bank
transfers with who entered them; moderators may look; nothing changes without the CSRF token."""

from __future__ import annotations

import re

import httpx
import pytest

from rostra.services.registry import Services
from tests.api.staff_helpers import ADMIN, MODERATOR, add_staff, sign_in


@pytest.fixture
async def staff(services: Services) -> None:
    await add_staff(services, ADMIN, "admin")
    await add_staff(services, MODERATOR, "moderator")


def form(csrf: str, **fields: str) -> dict[str, str]:
    return {"csrf_token": csrf, **fields}


async def start_campaign(client: httpx.AsyncClient, csrf: str) -> str:
    response = await client.post(
        "/admin/campaigns",
        data=form(csrf, site="news", title="Winter <drive>", goal="5000", currency="EUR",
                  milestones="2500, 5000", preset_amounts="10 20", thank_you="Danke!"),
    )  # fmt: skip
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/admin/campaigns/([0-9a-f]+)\?message=.*", response.headers["location"])
    assert match, response.headers["location"]
    return match.group(1)


async def test_admin_starts_a_campaign_and_records_a_bank_transfer(
    client: httpx.AsyncClient, staff: None
) -> None:
    csrf = await sign_in(client, ADMIN)
    campaign_id = await start_campaign(client, csrf)
    public = (await client.get("/api/v1/campaigns/news")).json()
    assert (public["goal"], public["currency"], public["milestones"]) == (
        "5000.00",
        "EUR",
        ["2500.00", "5000.00"],
    )
    assert public["preset_amounts"] == ["10.00", "20.00"]
    recorded = await client.post(
        f"/admin/campaigns/{campaign_id}/donations",
        data=form(csrf, amount="120.50", donor_name="", note="SEPA ref 77"),
    )
    assert recorded.status_code == 303
    assert (await client.get("/api/v1/campaigns/news")).json()["raised"] == "120.50"
    page = await client.get(f"/admin/campaigns/{campaign_id}")
    assert page.status_code == 200
    assert "SEPA ref 77" in page.text and ADMIN in page.text and "120.50" in page.text
    assert "Winter &lt;drive&gt;" in page.text  # escaped
    listing = await client.get("/admin/campaigns")
    assert "120.50 EUR" in listing.text
    audit = (await client.get("/api/v1/moderation/audit")).json()
    actions = {(e["action"], e["actor"]) for e in audit["entries"]}
    assert {("campaign", ADMIN), ("donation", ADMIN)} <= actions


async def test_admin_edits_a_campaign_but_not_its_currency(
    client: httpx.AsyncClient, staff: None
) -> None:
    csrf = await sign_in(client, ADMIN)
    campaign_id = await start_campaign(client, csrf)
    saved = await client.post(
        f"/admin/campaigns/{campaign_id}",
        data=form(csrf, goal="8000", currency="USD", milestones="", preset_amounts="5"),
    )
    assert saved.status_code == 303
    public = (await client.get("/api/v1/campaigns/news")).json()
    assert (public["goal"], public["currency"], public["milestones"]) == ("8000.00", "EUR", [])


async def test_bad_form_values_are_refused_with_the_field_named(
    client: httpx.AsyncClient, staff: None
) -> None:
    csrf = await sign_in(client, ADMIN)
    campaign_id = await start_campaign(client, csrf)
    for amount in ("-5", "abc", "0", "1.234"):
        response = await client.post(
            f"/admin/campaigns/{campaign_id}/donations", data=form(csrf, amount=amount)
        )
        assert response.status_code == 400, amount
    bad_goal = await client.post(
        "/admin/campaigns", data=form(csrf, site="news", goal="1e9", currency="USD")
    )
    # Named by the form's label, not by the field's internal name.
    assert bad_goal.status_code == 400 and "Goal: " in bad_goal.text
    assert "(goal)" not in bad_goal.text
    assert (await client.get("/api/v1/campaigns/news")).json()["raised"] == "0.00"


async def test_moderators_see_but_cannot_change(
    client: httpx.AsyncClient, second_client: httpx.AsyncClient, staff: None
) -> None:
    admin_csrf = await sign_in(client, ADMIN)
    campaign_id = await start_campaign(client, admin_csrf)
    csrf = await sign_in(second_client, MODERATOR)
    assert (await second_client.get(f"/admin/campaigns/{campaign_id}")).status_code == 200
    refused = await second_client.post(
        f"/admin/campaigns/{campaign_id}/donations", data=form(csrf, amount="10")
    )
    assert refused.status_code == 403
    assert (await client.get("/api/v1/campaigns/news")).json()["raised"] == "0.00"


async def test_changes_need_a_session_and_the_csrf_token(
    client: httpx.AsyncClient, second_client: httpx.AsyncClient, staff: None
) -> None:
    csrf = await sign_in(client, ADMIN)
    campaign_id = await start_campaign(client, csrf)
    del client.headers["X-CSRF-Token"]
    forged = await client.post(
        f"/admin/campaigns/{campaign_id}/donations", data={"amount": "10", "csrf_token": "x"}
    )
    assert forged.status_code == 403
    anonymous = await second_client.post(
        f"/admin/campaigns/{campaign_id}/donations", data={"amount": "10"}
    )
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/admin/sign-in"
    assert (await second_client.get("/admin/campaigns")).status_code == 303
    assert (await client.get("/api/v1/campaigns/news")).json()["raised"] == "0.00"
