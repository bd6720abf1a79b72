"""Staff sign-in over HTTP: sessions, cookies, CSRF, rate limits, TOTP, disabled accounts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import httpx
import pyotp
import pytest

from rostra.bootstrap import build_services
from rostra.config import Settings
from rostra.services.registry import Services
from rostra.web.app import create_app
from tests.api.helpers import assert_error, new_comment, read_thread, within_one_rate_window
from tests.api.staff_helpers import ADMIN, MODERATOR, PASSWORD, add_staff, sign_in
from tests.conftest import MovableClock


@pytest.fixture
async def moderator(services: Services) -> str:
    await add_staff(services, MODERATOR, "moderator")
    return MODERATOR


async def test_sign_in_sets_a_strict_http_only_cookie_and_answers_a_csrf_token(
    client: httpx.AsyncClient, moderator: str
) -> None:
    response = await client.post(
        "/api/v1/moderation/session", json={"email": moderator.upper(), "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"] == {"email": MODERATOR, "role": "moderator", "has_totp": False}
    assert len(body["csrf_token"]) >= 32
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("rostra_staff=")
    attributes = cookie.lower()
    assert "httponly" in attributes
    assert "samesite=strict" in attributes
    assert "max-age=43200" in attributes
    whoami = await client.get("/api/v1/moderation/session")
    assert whoami.status_code == 200
    assert whoami.json()["csrf_token"] == body["csrf_token"]


@pytest.mark.parametrize(
    ("email", "password"),
    [
        (MODERATOR, "wrong password, long enough"),
        ("nobody@news.example", PASSWORD),
        ("", ""),
    ],
    ids=["wrong-password", "unknown-email", "empty"],
)
async def test_wrong_credentials_get_one_indistinguishable_401(
    client: httpx.AsyncClient, moderator: str, email: str, password: str
) -> None:
    response = await client.post(
        "/api/v1/moderation/session", json={"email": email, "password": password}
    )
    error = assert_error(response, 401, "invalid_credentials")
    assert error["message"] == "The email or the password is wrong."
    assert "set-cookie" not in response.headers


async def test_disabled_account_cannot_sign_in_and_its_sessions_end(
    client: httpx.AsyncClient, services: Services, moderator: str
) -> None:
    await sign_in(client, moderator)
    assert services.staff is not None
    await services.staff.set_disabled(moderator, True)
    assert_error(await client.get("/api/v1/moderation/session"), 401, "unauthorized")
    response = await client.post(
        "/api/v1/moderation/session", json={"email": moderator, "password": PASSWORD}
    )
    assert_error(response, 401, "invalid_credentials")


async def test_sign_out_ends_the_session_on_the_server(
    client: httpx.AsyncClient, moderator: str
) -> None:
    await sign_in(client, moderator)
    stolen_cookie = client.cookies.get("rostra_staff")
    response = await client.delete("/api/v1/moderation/session")
    assert response.status_code == 204
    # Even a copy of the cookie taken before signing out no longer works.
    client.cookies.set("rostra_staff", stolen_cookie or "")
    assert_error(await client.get("/api/v1/moderation/queue"), 401, "unauthorized")


async def test_forged_cookie_is_not_a_session(client: httpx.AsyncClient) -> None:
    client.cookies.set("rostra_staff", "InRva2VuIg.forged.signature")
    assert_error(await client.get("/api/v1/moderation/queue"), 401, "unauthorized")


async def test_session_expires_after_twelve_hours(
    client: httpx.AsyncClient, moderator: str, clock: MovableClock
) -> None:
    await sign_in(client, moderator)
    clock.advance(hours=12, seconds=1)
    assert_error(await client.get("/api/v1/moderation/queue"), 401, "unauthorized")


@pytest.mark.parametrize("header", [None, "", "not-the-token"], ids=["missing", "empty", "wrong"])
async def test_state_changing_request_without_the_csrf_token_is_refused(
    client: httpx.AsyncClient, moderator: str, header: str | None
) -> None:
    comment = await new_comment(client)
    await sign_in(client, moderator)
    del client.headers["X-CSRF-Token"]
    headers = {} if header is None else {"X-CSRF-Token": header}
    response = await client.post(
        f"/api/v1/moderation/comments/{comment['id']}/reject", headers=headers
    )
    assert_error(response, 403, "csrf_failed")
    assert [c["id"] for c in (await read_thread(client))["comments"]] == [comment["id"]]


async def test_csrf_token_of_another_session_is_refused(
    client: httpx.AsyncClient, second_client: httpx.AsyncClient, services: Services, moderator: str
) -> None:
    comment = await new_comment(client)
    await add_staff(services, ADMIN, "admin")
    other_token = await sign_in(second_client, ADMIN)
    await sign_in(client, moderator)
    client.headers["X-CSRF-Token"] = other_token
    response = await client.post(f"/api/v1/moderation/comments/{comment['id']}/reject")
    assert_error(response, 403, "csrf_failed")


@pytest.fixture
async def limited_client(
    settings: Settings, clock: MovableClock
) -> AsyncIterator[httpx.AsyncClient]:
    """An app with the login limit at 3 a minute (comment limits stay off)."""
    services = build_services(replace(settings, rate_limit_login="3/minute"), clock=clock)
    assert services.staff is not None
    await services.staff.add_user(MODERATOR, "moderator", PASSWORD)
    transport = httpx.ASGITransport(app=create_app(services))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
    for hook in services.on_shutdown:
        await hook()


async def test_repeated_failed_sign_ins_are_rate_limited_with_retry_after(
    limited_client: httpx.AsyncClient,
) -> None:
    body = {"email": MODERATOR, "password": "wrong password, long enough"}
    await within_one_rate_window()
    for _ in range(3):
        response = await limited_client.post("/api/v1/moderation/session", json=body)
        assert_error(response, 401, "invalid_credentials")
    response = await limited_client.post(
        "/api/v1/moderation/session", json={"email": MODERATOR, "password": PASSWORD}
    )
    assert_error(response, 429, "rate_limited")
    assert int(response.headers["retry-after"]) >= 1


async def test_totp_account_needs_its_code(
    client: httpx.AsyncClient, services: Services, moderator: str
) -> None:
    assert services.staff is not None
    uri = await services.staff.enable_totp(moderator)
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    assert uri.startswith("otpauth://totp/Rostra:")
    body = {"email": moderator, "password": PASSWORD}
    assert_error(await client.post("/api/v1/moderation/session", json=body), 401, "totp_required")
    wrong = await client.post("/api/v1/moderation/session", json={**body, "totp": "000000"})
    if pyotp.TOTP(secret).now() != "000000":
        assert_error(wrong, 401, "invalid_credentials")
    response = await client.post(
        "/api/v1/moderation/session", json={**body, "totp": pyotp.TOTP(secret).now()}
    )
    assert response.status_code == 200, response.text
    assert response.json()["user"]["has_totp"] is True


async def test_sign_in_body_is_checked_strictly(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/moderation/session", json={"email": 1, "password": "x"})
    assert_error(response, 400, "invalid", "email")
    response = await client.post("/api/v1/moderation/session", json={"email": "a@b.example"})
    assert_error(response, 400, "invalid", "password")
