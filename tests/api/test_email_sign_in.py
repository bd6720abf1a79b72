"""Passwordless sign-in links by email, through the real outbox and a real SMTP
server (aiosmtpd): single use, expiring, tied to the site, claimed guest comments."""

from __future__ import annotations

import re
from email.message import EmailMessage

import httpx
import pytest

from rostra.config import Settings
from rostra.services.registry import Services
from tests.api.helpers import ORIGIN, PAGE, assert_error, new_comment, within_one_rate_window
from tests.conftest import MovableClock
from tests.notify.smtp import SmtpServer, deliver, mail_settings, smtp_server, text_of

__all__ = ["smtp_server"]
ADDRESS = "ines.link@mail.example"
LINK = re.compile(r"(https://news\.example/\S*)#rostra-signin=(\S+)")


@pytest.fixture
def settings(database_url: str, smtp_server: SmtpServer) -> Settings:
    return mail_settings(database_url, smtp_server)


@pytest.fixture
async def enabled(services: Services) -> None:
    assert services.accounts is not None
    await services.accounts.set_email_sign_in("news", True, actor="test")


async def ask(client: httpx.AsyncClient, **overrides: str) -> httpx.Response:
    body = {"site": "news", "email": ADDRESS, "name": "Inès Link", "page_url": ORIGIN + PAGE}
    return await client.post("/api/v1/auth/email", json={**body, **overrides})


async def mailed_token(
    client: httpx.AsyncClient, services: Services, smtp: SmtpServer
) -> tuple[str, EmailMessage]:
    before = len(smtp.messages)
    response = await ask(client)
    assert response.status_code == 202, response.text
    assert response.json() == {"status": "sent"}
    await deliver(services)
    message = smtp.messages[before]
    found = LINK.search(text_of(message))
    assert found, text_of(message)
    assert found.group(1) == ORIGIN + PAGE
    return found.group(2), message


async def redeem(client: httpx.AsyncClient, token: str, site: str = "news") -> httpx.Response:
    return await client.post("/api/v1/auth/email/redeem", json={"site": site, "token": token})


async def test_link_signs_the_reader_in_once(
    client: httpx.AsyncClient,
    services: Services,
    smtp_server: SmtpServer,
    clock: MovableClock,
    enabled: None,
) -> None:
    guest = await new_comment(client, author_name="Inès", author_email=ADDRESS.upper())
    token, message = await mailed_token(client, services, smtp_server)
    assert message["To"] == ADDRESS
    assert "Inès Link" in text_of(message)
    response = await redeem(client, token)
    assert response.status_code == 200, response.text
    reader = response.json()["reader"]
    assert (reader["name"], reader["email"], reader["sign_in"]) == ("Inès Link", ADDRESS, "email")
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    assert_error(await redeem(client, token), 401, "token_replayed")
    # The address is proven: guest comments written with it can be claimed.
    assert (await client.post("/api/v1/me/claim")).json() == {"claimed": 1}
    clock.advance(seconds=1)
    posted = await new_comment(client, body="Signed in by email.")
    assert posted["author"]["name"] == "Inès Link"
    history = (await client.get("/api/v1/me/comments")).json()["comments"]
    assert [item["id"] for item in history] == [posted["id"], guest["id"]]
    # A second link for the same address opens the same account.
    again, _ = await mailed_token(client, services, smtp_server)
    assert (await redeem(client, again)).json()["reader"]["id"] == reader["id"]


async def test_expired_tampered_and_foreign_links_are_refused(
    client: httpx.AsyncClient,
    services: Services,
    smtp_server: SmtpServer,
    clock: MovableClock,
    enabled: None,
    other_site: str,
) -> None:
    token, _ = await mailed_token(client, services, smtp_server)
    assert_error(await redeem(client, token[:-3] + "abc"), 401, "token_invalid")
    assert_error(await redeem(client, "not-a-token"), 401, "token_invalid")
    assert_error(await redeem(client, token, other_site), 401, "token_wrong_audience")
    clock.advance(minutes=16)
    assert_error(await redeem(client, token), 401, "token_expired")
    assert_error(await client.get("/api/v1/me"), 401, "sign_in_required")


async def test_bad_requests_send_nothing(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer, other_site: str
) -> None:
    assert_error(await ask(client), 403, "email_sign_in_disabled")
    assert services.accounts is not None
    await services.accounts.set_email_sign_in("news", True, actor="test")
    assert_error(await ask(client, page_url="https://evil.example/x"), 400, "invalid", "page_url")
    assert_error(await ask(client, page_url="javascript:alert(1)"), 400, "invalid", "page_url")
    assert_error(await ask(client, email="not-an-address"), 400, "invalid", "email")
    assert_error(await ask(client, name=" "), 400, "invalid", "author_name")
    assert_error(await ask(client, site="nosuchsite"), 404, "not_found")
    assert_error(await ask(client, site=other_site), 403, "email_sign_in_disabled")
    await deliver(services)
    assert smtp_server.messages == []


class TestWithoutMail:
    @pytest.fixture
    def settings(self, database_url: str, smtp_server: SmtpServer) -> Settings:
        return mail_settings(database_url, smtp_server, smtp_url=None)

    async def test_links_need_a_mail_server(self, client: httpx.AsyncClient, enabled: None) -> None:
        assert_error(await ask(client), 503, "notifications_disabled")


class TestRateLimits:
    @pytest.fixture
    def settings(self, database_url: str, smtp_server: SmtpServer) -> Settings:
        return mail_settings(database_url, smtp_server, rate_limits=True)

    async def test_links_per_address_are_limited(
        self, client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer, enabled: None
    ) -> None:
        await within_one_rate_window()
        for _ in range(3):
            assert (await ask(client)).status_code == 202
        response = await ask(client)
        assert_error(response, 429, "rate_limited")
        assert int(response.headers["retry-after"]) > 0
        await deliver(services)
        assert len(smtp_server.to(ADDRESS)) == 3


@pytest.mark.usefixtures("enabled")
async def test_the_link_mail_speaks_the_widgets_language(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    assert (await ask(client, lang="uk")).status_code == 202
    await deliver(services)
    [message] = smtp_server.messages
    assert message["Subject"] == "Ваше посилання для входу на The Example News"
    assert text_of(message).startswith("Вітаємо, Inès Link!")
    assert LINK.search(text_of(message))
    assert_error(await ask(client, lang="not a tag"), 400, None, "lang")
    await deliver(services)
    assert len(smtp_server.messages) == 1
