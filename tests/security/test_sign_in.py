"""Staff sign-in hardening: the dashboard's sign-in form carries a CSRF token, an
authenticator code works once, and failed sign-ins are in the audit log without the password
or the address."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pyotp
import pytest

from rostra.services.registry import Services
from rostra.web.app import create_app
from tests.api.helpers import assert_error
from tests.api.staff_helpers import ADMIN, MODERATOR, PASSWORD, add_staff, sign_in
from tests.conftest import MovableClock

HIDDEN_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
async def moderator(services: Services) -> str:
    await add_staff(services, MODERATOR, "moderator")
    return MODERATOR


async def _form_token(client: httpx.AsyncClient) -> str:
    page = await client.get("/admin/sign-in")
    assert page.status_code == 200
    found = HIDDEN_TOKEN.search(page.text)
    assert found, page.text
    return found.group(1)


def _signed_in(response: httpx.Response) -> bool:
    return response.status_code == 303 and "rostra_staff=" in response.headers.get("set-cookie", "")


# The sign-in form's CSRF token


async def test_the_sign_in_form_sets_a_strict_cookie_and_a_matching_hidden_field(
    client: httpx.AsyncClient, moderator: str
) -> None:
    page = await client.get("/admin/sign-in")
    cookie = page.headers["set-cookie"].lower()
    assert cookie.startswith("rostra_sign_in=")
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/admin/sign-in" in cookie
    token = HIDDEN_TOKEN.search(page.text)
    assert token and len(token.group(1)) >= 32
    response = await client.post(
        "/admin/sign-in",
        data={"email": moderator, "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert _signed_in(response), response.text
    assert response.headers["location"] == "/admin"


@pytest.mark.parametrize("token", ["", "forged-token-forged-token-forged-token"])
async def test_a_sign_in_post_without_the_forms_token_is_refused(
    client: httpx.AsyncClient, moderator: str, token: str
) -> None:
    await client.get("/admin/sign-in")  # the cookie is there; the field is missing or forged
    response = await client.post(
        "/admin/sign-in", data={"email": moderator, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 403
    assert not _signed_in(response)
    assert "rostra_staff" not in client.cookies


async def test_a_cross_site_sign_in_post_without_the_cookie_is_refused(
    client: httpx.AsyncClient, second_browser: httpx.AsyncClient, moderator: str
) -> None:
    # Login CSRF: another site's page posts the attacker's credentials with a token it read
    # from its own copy of the form; the victim's browser has no matching cookie.
    token = await _form_token(second_browser)
    response = await client.post(
        "/admin/sign-in", data={"email": moderator, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 403
    assert not _signed_in(response)


async def test_a_forged_sign_in_cookie_is_refused(
    client: httpx.AsyncClient, moderator: str
) -> None:
    client.cookies.set("rostra_sign_in", "abc.def.ghi", path="/admin/sign-in")
    response = await client.post(
        "/admin/sign-in", data={"email": moderator, "password": PASSWORD, "csrf_token": "abc"}
    )
    assert response.status_code == 403


@pytest.fixture
async def second_browser(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser: its own cookie jar."""
    transport = httpx.ASGITransport(app=create_app(services))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


# One use per authenticator code


async def _totp_account(services: Services, email: str) -> pyotp.TOTP:
    assert services.staff is not None
    uri = await services.staff.enable_totp(email)
    return pyotp.TOTP(parse_qs(urlsplit(uri).query)["secret"][0])


async def test_an_authenticator_code_signs_in_once(
    client: httpx.AsyncClient, services: Services, moderator: str, clock: MovableClock
) -> None:
    totp = await _totp_account(services, moderator)
    body = {"email": moderator, "password": PASSWORD, "totp": totp.at(clock.now())}
    first = await client.post("/api/v1/moderation/session", json=body)
    assert first.status_code == 200, first.text
    clock.advance(seconds=5)
    replayed = await client.post("/api/v1/moderation/session", json=body)
    assert_error(replayed, 401, "invalid_credentials", "totp")
    # The previous step's code (still inside the window) is refused too.
    earlier = {**body, "totp": totp.at(clock.now(), counter_offset=-1)}
    assert_error(await client.post("/api/v1/moderation/session", json=earlier), 401)
    clock.advance(seconds=30)
    fresh = {**body, "totp": totp.at(clock.now())}
    response = await client.post("/api/v1/moderation/session", json=fresh)
    assert response.status_code == 200, response.text


async def test_one_code_sent_many_times_at_once_signs_in_once(
    client: httpx.AsyncClient, services: Services, moderator: str, clock: MovableClock
) -> None:
    totp = await _totp_account(services, moderator)
    body = {"email": moderator, "password": PASSWORD, "totp": totp.at(clock.now())}
    answers = await asyncio.gather(
        *(client.post("/api/v1/moderation/session", json=body) for _ in range(6))
    )
    assert sorted(answer.status_code for answer in answers) == [200, 401, 401, 401, 401, 401]


async def test_a_code_used_on_the_dashboard_cannot_be_replayed_on_the_api(
    client: httpx.AsyncClient, services: Services, moderator: str, clock: MovableClock
) -> None:
    totp = await _totp_account(services, moderator)
    token = await _form_token(client)
    step_one = await client.post(
        "/admin/sign-in", data={"email": moderator, "password": PASSWORD, "csrf_token": token}
    )
    assert step_one.status_code == 200
    challenge = re.search(r'name="challenge" value="([^"]+)"', step_one.text)
    token = HIDDEN_TOKEN.search(step_one.text)
    assert challenge and token
    code = totp.at(clock.now())
    step_two = await client.post(
        "/admin/sign-in/totp",
        data={"challenge": challenge.group(1), "code": code, "csrf_token": token.group(1)},
    )
    assert _signed_in(step_two), step_two.text
    replayed = await client.post(
        "/api/v1/moderation/session", json={"email": moderator, "password": PASSWORD, "totp": code}
    )
    assert_error(replayed, 401, "invalid_credentials", "totp")


# Failed sign-ins in the audit log


async def _audit(client: httpx.AsyncClient) -> list[dict[str, str]]:
    response = await client.get("/api/v1/moderation/audit")
    assert response.status_code == 200
    entries: list[dict[str, str]] = response.json()["entries"]
    return entries


async def test_failed_sign_ins_are_audited_with_a_hashed_address_and_no_password(
    client: httpx.AsyncClient,
    second_browser: httpx.AsyncClient,
    services: Services,
    moderator: str,
    clock: MovableClock,
) -> None:
    wrong_password = "hunter2-but-long-enough"
    attempts = [
        {"email": moderator, "password": wrong_password},
        {"email": "nobody@news.example", "password": wrong_password},
    ]
    for attempt in attempts:
        response = await second_browser.post("/api/v1/moderation/session", json=attempt)
        assert_error(response, 401, "invalid_credentials")
    totp = await _totp_account(services, moderator)
    wrong_code = f"{(int(totp.at(clock.now())) + 1) % 1_000_000:06d}"
    response = await second_browser.post(
        "/api/v1/moderation/session",
        json={"email": moderator, "password": PASSWORD, "totp": wrong_code},
    )
    assert_error(response, 401, "invalid_credentials", "totp")
    await add_staff(services, ADMIN, "admin")
    await sign_in(client, ADMIN)
    failed = [e for e in await _audit(client) if e["action"] == "sign_in_failed"]
    assert [(e["actor"], e["reason"].split(";")[0]) for e in failed] == [
        (moderator, "wrong authenticator code"),
        ("(unknown account)", "unknown account"),
        (moderator, "wrong password"),
    ]
    for entry in failed:
        assert wrong_password not in str(entry)
        assert "127.0.0.1" not in str(entry)
        assert re.search(r"address [0-9a-f]{16}$", entry["reason"]), entry


async def test_a_successful_sign_in_is_not_a_failure(
    client: httpx.AsyncClient, services: Services
) -> None:
    await add_staff(services, ADMIN, "admin")
    await sign_in(client, ADMIN)
    actions = [e["action"] for e in await _audit(client)]
    assert actions == ["sign_in"]
