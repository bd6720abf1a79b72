"""The dashboard's reader-account forms: site settings and deletion on request,
admins only, with the staff CSRF token."""

from __future__ import annotations

import httpx

from rostra.services.registry import Services
from tests.api.account_helpers import HS_SECRET, mint
from tests.api.account_helpers import sign_in as reader_sign_in
from tests.api.staff_helpers import ADMIN, MODERATOR, add_staff, sign_in
from tests.conftest import MovableClock


async def test_admin_sets_sign_on_policy_and_email_links(
    client: httpx.AsyncClient, services: Services
) -> None:
    await add_staff(services, ADMIN, "admin")
    csrf = await sign_in(client, ADMIN)
    page = await client.get("/admin/settings/news")
    assert page.status_code == 200
    assert "Reader accounts" in page.text and "Keep: off" in page.text
    del client.headers["X-CSRF-Token"]  # forms send the token as a field
    form = {
        "csrf_token": csrf,
        "sso": "HS256",
        "sso_key": HS_SECRET,
        "email_sign_in": "on",
        "deletion_policy": "remove",
    }
    saved = await client.post("/admin/settings/news/accounts", data=form)
    assert saved.status_code == 303, saved.text
    assert services.accounts is not None
    settings = await services.accounts.site_settings("news")
    assert settings.sso_algorithm is not None and settings.sso_algorithm.value == "HS256"
    assert settings.email_sign_in and settings.deletion_policy.value == "remove"
    page = await client.get("/admin/settings/news")
    assert "Keep: HS256" in page.text and HS_SECRET not in page.text
    # Bad input and a missing CSRF token change nothing.
    bad = await client.post(
        "/admin/settings/news/accounts", data={**form, "sso": "HS256", "sso_key": "short"}
    )
    assert bad.status_code == 400
    assert (
        await client.post("/admin/settings/news/accounts", data={**form, "sso": "x"})
    ).status_code == 400
    no_token = {key: value for key, value in form.items() if key != "csrf_token"}
    assert (await client.post("/admin/settings/news/accounts", data=no_token)).status_code == 403
    off = await client.post(
        "/admin/settings/news/accounts",
        data={"csrf_token": csrf, "sso": "keep", "deletion_policy": "anonymize"},
    )
    assert off.status_code == 303
    settings = await services.accounts.site_settings("news")
    assert settings.sso_algorithm is not None  # kept
    assert not settings.email_sign_in and settings.deletion_policy.value == "anonymize"


async def test_admin_sets_and_removes_the_oidc_provider(
    client: httpx.AsyncClient, services: Services
) -> None:
    await add_staff(services, ADMIN, "admin")
    csrf = await sign_in(client, ADMIN)
    del client.headers["X-CSRF-Token"]
    form = {
        "csrf_token": csrf,
        "deletion_policy": "anonymize",
        "oidc": "set",
        "oidc_issuer": "https://id.example",
        "oidc_client_id": "rostra-news",
        "oidc_client_secret": "the-oidc-client-secret-0123",
        "oidc_name": "Example ID",
    }
    saved = await client.post("/admin/settings/news/accounts", data=form)
    assert saved.status_code == 303, saved.text
    page = await client.get("/admin/settings/news")
    assert "Keep: Example ID (https://id.example)" in page.text
    assert "the-oidc-client-secret-0123" not in page.text
    assert services.oidc is not None
    assert (await services.oidc.provider_of("news")) is not None
    bad = await client.post(
        "/admin/settings/news/accounts", data={**form, "oidc_issuer": "http://id.example"}
    )
    assert bad.status_code == 400
    assert "issuer" in bad.text
    assert (
        await client.post("/admin/settings/news/accounts", data={**form, "oidc": "x"})
    ).status_code == 400
    off = await client.post(
        "/admin/settings/news/accounts",
        data={"csrf_token": csrf, "deletion_policy": "anonymize", "oidc": "off"},
    )
    assert off.status_code == 303
    assert (await services.oidc.provider_of("news")) is None


async def test_admin_deletes_a_readers_account_on_request(
    client: httpx.AsyncClient,
    second_client: httpx.AsyncClient,
    services: Services,
    clock: MovableClock,
) -> None:
    assert services.accounts is not None
    await services.accounts.configure_sso("news", "HS256", HS_SECRET, actor="test")
    await reader_sign_in(second_client, mint(clock.now()))
    await add_staff(services, ADMIN, "admin")
    csrf = await sign_in(client, ADMIN)
    missing = await client.post(
        "/admin/settings/news/forget", data={"csrf_token": csrf, "email": "nobody@mail.example"}
    )
    assert missing.status_code == 303
    assert "No+reader+account" in missing.headers["location"]
    done = await client.post(
        "/admin/settings/news/forget",
        data={"csrf_token": csrf, "email": "Zebulon.Q7731@mail.example"},
    )
    assert done.status_code == 303
    assert await services.accounts.find_accounts("zebulon.q7731@mail.example") == []
    assert (await second_client.get("/api/v1/me")).status_code == 401
    audit = await client.get("/api/v1/moderation/audit")
    assert any(
        entry["action"] == "forget_reader" and entry["actor"] == ADMIN
        for entry in audit.json()["entries"]
    ), audit.text


async def test_moderators_may_not(client: httpx.AsyncClient, services: Services) -> None:
    await add_staff(services, MODERATOR, "moderator")
    csrf = await sign_in(client, MODERATOR)
    for path in ("/admin/settings/news/accounts", "/admin/settings/news/forget"):
        response = await client.post(path, data={"csrf_token": csrf, "email": "a@b.example"})
        assert response.status_code == 403
