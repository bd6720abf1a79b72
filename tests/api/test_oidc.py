"""Sign-in with a site's OpenID Connect provider: Rostra's real authlib client
against a real provider on 127.0.0.1 (``tests/oidc_provider.py``, authlib's own server).

The provider approves at once; the browser's part (following redirects, carrying the
``rostra_oidc`` cookie) is played by the test client's cookie jar."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from rostra.services.registry import Services
from rostra.storage.database import async_url
from rostra.storage.tables import oidc_logins, reader_identities, site_accounts
from tests.api.account_helpers import enable_sso, mint, sign_in
from tests.api.helpers import assert_error, within_one_rate_window
from tests.conftest import ORIGIN, MovableClock
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, start_provider


@pytest.fixture
def provider() -> Iterator[Provider]:
    found, server = start_provider()
    yield found
    server.shutdown()
    server.server_close()


@pytest.fixture
async def oidc_site(services: Services, provider: Provider) -> Provider:
    assert services.oidc is not None
    await services.oidc.configure("news", provider.url, CLIENT_ID, CLIENT_SECRET, "Example ID", "t")
    return provider


async def _to_provider(client: httpx.AsyncClient, origin: str = ORIGIN) -> str:
    """Start a login; the provider's answer (the callback URL with code and state)."""
    started = await client.get("/api/v1/auth/oidc/start", params={"site": "news", "origin": origin})
    assert started.status_code == 302, started.text
    assert "rostra_oidc=" in started.headers["set-cookie"]
    async with httpx.AsyncClient() as browser:
        answered = await browser.get(started.headers["location"])
    assert answered.status_code == 302, answered.text
    return answered.headers["location"]


async def _callback(client: httpx.AsyncClient, url: str) -> httpx.Response:
    parts = urlsplit(url)
    return await client.get(f"{parts.path}?{parts.query}")


def _posted(page: httpx.Response) -> tuple[dict[str, Any], str]:
    """The message the callback page posts to its opener, and the target origin."""
    found = re.search(r"postMessage\((\{.*?\}), (\"[^\"]*\")\)", page.text)
    assert found, page.text
    return json.loads(found.group(1)), json.loads(found.group(2))


async def _sign_in(client: httpx.AsyncClient) -> dict[str, Any]:
    page = await _callback(client, await _to_provider(client))
    assert page.status_code == 200, page.text
    message, target = _posted(page)
    assert target == ORIGIN  # only the publisher's page hears the outcome
    redeemed = await client.post("/api/v1/auth/oidc/redeem", json=message | {"type": None})
    assert redeemed.status_code == 400  # unknown field: the widget sends site and token only
    redeemed = await client.post(
        "/api/v1/auth/oidc/redeem", json={"site": message["site"], "token": message["token"]}
    )
    assert redeemed.status_code == 200, redeemed.text
    session: dict[str, Any] = redeemed.json()
    client.headers["X-CSRF-Token"] = session["csrf_token"]
    return session


async def test_site_without_provider_offers_none(client: httpx.AsyncClient) -> None:
    shown = await client.get("/api/v1/auth/oidc", params={"site": "news"})
    assert shown.json() == {"provider": None}
    assert_error(
        await client.get("/api/v1/auth/oidc/start", params={"site": "news", "origin": ORIGIN}),
        403,
        "oidc_not_configured",
    )


async def test_reader_signs_in_with_the_provider(
    client: httpx.AsyncClient, oidc_site: Provider, services: Services
) -> None:
    shown = (await client.get("/api/v1/auth/oidc", params={"site": "news"})).json()
    assert shown["provider"]["name"] == "Example ID"
    session = await _sign_in(client)
    reader = session["reader"]
    assert reader["name"] == "Ottilie Provider"
    assert reader["email"] == "ottilie@id.example"
    assert reader["sign_in"] == "oidc"
    me = await client.get("/api/v1/me")
    assert me.json()["reader"]["id"] == reader["id"]
    posted = await client.post(
        "/api/v1/comments",
        json={"site": "news", "page": "/p", "author_name": "x", "body": "Hello from OIDC"},
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["author"]["name"] == "Ottilie Provider"
    # The export names the identity; a second sign-in opens the same account.
    exported = (await client.get("/api/v1/me/export")).json()
    assert exported["identities"] == [
        {
            "issuer": oidc_site.url,
            "subject": "provider-user-1",
            "linked_at": exported["identities"][0]["linked_at"],
        }
    ]
    again = await _sign_in(client)
    assert again["reader"]["id"] == reader["id"]


async def test_verified_address_links_the_existing_account(
    client: httpx.AsyncClient, oidc_site: Provider, services: Services, clock: MovableClock
) -> None:
    await enable_sso(services)
    sso = await sign_in(client, mint(clock.now(), email="ottilie@id.example"))
    client.cookies.clear()
    session = await _sign_in(client)
    assert session["reader"]["id"] == sso["reader"]["id"]
    assert session["reader"]["sign_in"] == "sso"  # the account keeps the publisher's profile


async def test_unverified_address_opens_a_separate_account_without_it(
    client: httpx.AsyncClient, oidc_site: Provider, services: Services, clock: MovableClock
) -> None:
    await enable_sso(services)
    sso = await sign_in(client, mint(clock.now(), email="ottilie@id.example"))
    client.cookies.clear()
    oidc_site.user.email_verified = False
    session = await _sign_in(client)
    assert session["reader"]["id"] != sso["reader"]["id"]
    assert session["reader"]["email"] is None


async def test_client_secret_is_stored_encrypted(
    oidc_site: Provider, services: Services, settings: Any
) -> None:
    engine = create_async_engine(async_url(settings.database_url))
    async with engine.connect() as conn:
        stored = await conn.scalar(sa.select(site_accounts.c.oidc_client_secret))
    await engine.dispose()
    assert stored and CLIENT_SECRET not in stored
    assert services.accounts is not None
    assert (await services.accounts.site_settings("news")).oidc_client_secret is None


@pytest.mark.parametrize(
    ("issuer", "client_id", "secret", "name", "field"),
    [
        ("http://id.example", CLIENT_ID, CLIENT_SECRET, "X", "issuer"),
        ("https://id.example/?a=1", CLIENT_ID, CLIENT_SECRET, "X", "issuer"),
        ("https://id.example", "", CLIENT_SECRET, "X", "client_id"),
        ("https://id.example", CLIENT_ID, "short", "X", "client_secret"),
        ("https://id.example", CLIENT_ID, CLIENT_SECRET, "", "name"),
    ],
)
async def test_bad_provider_settings_are_refused(
    services: Services, issuer: str, client_id: str, secret: str, name: str, field: str
) -> None:
    from rostra.domain.errors import ValidationError

    assert services.oidc is not None
    with pytest.raises(ValidationError) as refused:
        await services.oidc.configure("news", issuer, client_id, secret, name, "t")
    assert refused.value.field == field


async def test_start_refuses_foreign_origin_and_unknown_site(
    client: httpx.AsyncClient, oidc_site: Provider
) -> None:
    assert_error(
        await client.get(
            "/api/v1/auth/oidc/start", params={"site": "news", "origin": "https://evil.example"}
        ),
        400,
        field="origin",
    )
    assert_error(
        await client.get("/api/v1/auth/oidc/start", params={"site": "nope", "origin": ORIGIN}),
        404,
    )
    assert_error(await client.get("/api/v1/auth/oidc/start", params={"site": "news"}), 400)


async def _refused(
    client: httpx.AsyncClient, page: httpx.Response, status: int, code: str, posted: bool = True
) -> None:
    assert page.status_code == status, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "Sign-in failed" in page.text
    if posted:
        message, target = _posted(page)
        assert message["error"]["code"] == code
        assert target == ORIGIN
    else:
        assert "postMessage" not in page.text
    assert "rostra_reader" not in page.headers.get("set-cookie", "")
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_forged_state_is_refused(client: httpx.AsyncClient, oidc_site: Provider) -> None:
    page = await client.get("/api/v1/auth/oidc/callback", params={"state": "x", "code": "y"})
    await _refused(client, page, 400, "oidc_state_invalid", posted=False)


async def test_replayed_callback_is_refused(client: httpx.AsyncClient, oidc_site: Provider) -> None:
    url = await _to_provider(client)
    cookie = client.cookies.get("rostra_oidc")
    assert (await _callback(client, url)).status_code == 200
    client.cookies.set("rostra_oidc", cookie or "", path="/api/v1/auth/oidc/")
    await _refused(client, await _callback(client, url), 400, "oidc_state_invalid", False)


async def test_replayed_code_is_refused_by_the_provider(
    client: httpx.AsyncClient, oidc_site: Provider
) -> None:
    first = urlsplit(await _to_provider(client))
    assert (await client.get(f"{first.path}?{first.query}")).status_code == 200
    code = dict(p.split("=", 1) for p in first.query.split("&"))["code"]
    second = dict(p.split("=", 1) for p in urlsplit(await _to_provider(client)).query.split("&"))
    page = await client.get(
        "/api/v1/auth/oidc/callback", params={"state": second["state"], "code": code}
    )
    await _refused(client, page, 401, "oidc_code_rejected")


async def test_login_from_another_browser_is_refused(
    client: httpx.AsyncClient, oidc_site: Provider
) -> None:
    url = await _to_provider(client)
    client.cookies.clear()  # the callback arrives in a browser that did not start it
    await _refused(client, await _callback(client, url), 400, "oidc_state_invalid", False)


async def test_provider_error_is_refused(client: httpx.AsyncClient, oidc_site: Provider) -> None:
    oidc_site.deny = True
    page = await _callback(client, await _to_provider(client))
    await _refused(client, page, 401, "oidc_provider_error")
    assert "access_denied" in page.text


async def test_unreachable_provider_is_a_clear_502(
    client: httpx.AsyncClient, services: Services
) -> None:
    """A provider that stops answering mid-login: the start and the callback both refuse."""
    found, server = start_provider()
    try:
        assert services.oidc is not None
        await services.oidc.configure("news", found.url, CLIENT_ID, CLIENT_SECRET, "ID", "t")
        url = await _to_provider(client)
    finally:
        server.shutdown()
        server.server_close()
    # The token request of the callback finds nothing listening on the provider's port.
    await _refused(client, await _callback(client, url), 502, "oidc_provider_unavailable")
    started = await client.get("/api/v1/auth/oidc/start", params={"site": "news", "origin": ORIGIN})
    assert_error(started, 502, "oidc_provider_unavailable")


@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        ({"nonce": "another-login"}, "token_nonce_mismatch"),
        ({"aud": "another-client"}, "token_wrong_audience"),
        ({"aud": [CLIENT_ID, "other"], "azp": "other"}, "token_wrong_audience"),
        ({"iss": "http://127.0.0.1:9"}, "token_wrong_issuer"),
        ({"exp": 1_000_000_000}, "token_expired"),
        ({"nonce": None}, "token_claim_missing"),
        ({"foreign_key": True}, "token_invalid"),
    ],
)
async def test_bad_id_token_is_refused(
    client: httpx.AsyncClient, oidc_site: Provider, tamper: dict[str, Any], code: str
) -> None:
    tamper = dict(tamper)  # the parameter is shared by both databases' runs
    if tamper.pop("foreign_key", False):
        oidc_site.foreign_key = True
    oidc_site.tamper = tamper
    page = await _callback(client, await _to_provider(client))
    await _refused(client, page, 401, code)


async def test_hand_off_works_once_for_its_site(
    client: httpx.AsyncClient, oidc_site: Provider, services: Services, clock: MovableClock
) -> None:
    page = await _callback(client, await _to_provider(client))
    message, _ = _posted(page)
    token = message["token"]
    assert_error(
        await client.post("/api/v1/auth/oidc/redeem", json={"site": "other", "token": token}),
        401,
        "token_wrong_audience",
    )
    assert_error(
        await client.post("/api/v1/auth/oidc/redeem", json={"site": "news", "token": "forged"}),
        401,
        "token_invalid",
    )
    clock.advance(minutes=3)
    assert_error(
        await client.post("/api/v1/auth/oidc/redeem", json={"site": "news", "token": token}),
        401,
        "token_expired",
    )
    clock.advance(minutes=-3)
    ok = await client.post("/api/v1/auth/oidc/redeem", json={"site": "news", "token": token})
    assert ok.status_code == 200, ok.text
    assert_error(
        await client.post("/api/v1/auth/oidc/redeem", json={"site": "news", "token": token}),
        401,
        "token_replayed",
    )


async def test_forgetting_the_account_deletes_its_identities(
    client: httpx.AsyncClient, oidc_site: Provider, settings: Any
) -> None:
    await _sign_in(client)
    assert (await client.delete("/api/v1/me")).status_code == 200
    engine = create_async_engine(async_url(settings.database_url))
    async with engine.connect() as conn:
        left = await conn.scalar(sa.select(sa.func.count()).select_from(reader_identities))
        logins = await conn.scalar(sa.select(sa.func.count()).select_from(oidc_logins))
    await engine.dispose()
    assert left == 0
    assert logins == 0  # every login was taken by its callback


async def test_unfinished_login_expires_and_is_purged(
    client: httpx.AsyncClient, oidc_site: Provider, services: Services, clock: MovableClock
) -> None:
    url = await _to_provider(client)
    clock.advance(minutes=11)
    assert services.accounts is not None
    assert (await services.accounts.purge_expired())["oidc_logins"] == 1
    await _refused(client, await _callback(client, url), 400, "oidc_state_invalid", False)


async def test_starting_logins_is_rate_limited(
    settings: Any, clock: MovableClock, provider: Provider
) -> None:
    from dataclasses import replace

    from rostra.bootstrap import build_services
    from rostra.web.app import create_app

    limited = build_services(replace(settings, rate_limits=True), clock=clock)
    try:
        await limited.sites.add_site("news", [ORIGIN], "The Example News")
        assert limited.oidc is not None
        await limited.oidc.configure("news", provider.url, CLIENT_ID, CLIENT_SECRET, "ID", "t")
        transport = httpx.ASGITransport(app=create_app(limited))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            params = {"site": "news", "origin": ORIGIN}
            await within_one_rate_window(10)
            for _ in range(10):
                started = await client.get("/api/v1/auth/oidc/start", params=params)
                assert started.status_code == 302, started.text
            assert_error(await client.get("/api/v1/auth/oidc/start", params=params), 429)
    finally:
        for hook in limited.on_shutdown:
            await hook()
