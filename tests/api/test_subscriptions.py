"""POST /api/v1/subscriptions and the pages behind the links in the emails, against a real
SMTP server: double opt-in, one-click unsubscribe, the manage page, bad input, bad links."""

from __future__ import annotations

import re

import httpx
import pytest

from rostra.config import Settings
from rostra.services.registry import Services
from tests.api.helpers import PAGE, assert_error, new_comment, post_comment
from tests.conftest import MovableClock
from tests.notify.smtp import (
    SmtpServer,
    deliver,
    link,
    mail_settings,
    smtp_server,
    text_of,
)

__all__ = ["smtp_server"]
READER = "reader@mail.example"
OTHER = "other@mail.example"


@pytest.fixture
def settings(database_url: str, smtp_server: SmtpServer) -> Settings:
    return mail_settings(database_url, smtp_server)


async def subscribe(client: httpx.AsyncClient, **overrides: object) -> httpx.Response:
    body = {"site": "news", "page": PAGE, "email": READER, "kind": "all", **overrides}
    return await client.post("/api/v1/subscriptions", json=body)


async def confirmed(
    client: httpx.AsyncClient, services: Services, smtp: SmtpServer, **overrides: object
) -> None:
    """Subscribe READER and click the confirmation button."""
    before = len(smtp.messages)
    assert (await subscribe(client, **overrides)).status_code == 202
    await deliver(services)
    confirmation = smtp.messages[before]
    response = await client.post(link(confirmation, "confirm"))
    assert response.status_code == 200, response.text


async def test_subscribing_answers_202_and_sends_only_a_confirmation(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    response = await subscribe(client)
    assert response.status_code == 202
    assert response.json() == {"status": "pending"}
    assert READER not in response.text
    await new_comment(client, body="Before confirming.")
    await deliver(services)
    [message] = smtp_server.messages
    assert message["To"] == READER
    assert message["Subject"] == "Confirm your notifications from The Example News"
    assert "/api/v1/subscriptions/confirm?token=" in text_of(message)


async def test_opening_the_confirmation_link_confirms_nothing_until_the_button_is_pressed(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await subscribe(client)
    await deliver(services)
    confirm_link = link(smtp_server.messages[0], "confirm")
    page = await client.get(confirm_link)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<form method="post"' in page.text
    await new_comment(client, body="Seen while the link was only opened.")
    await deliver(services)
    assert len(smtp_server.messages) == 1
    assert (await client.post(confirm_link)).status_code == 200
    await new_comment(client, body="Seen after confirming.")
    await deliver(services)
    assert len(smtp_server.messages) == 2
    notice = smtp_server.messages[1]
    assert "Seen after confirming." in text_of(notice)
    assert "Seen while the link was only opened." not in text_of(notice)
    assert notice["List-Unsubscribe"].startswith("<https://comments.example/api/v1/")
    assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


async def test_one_click_unsubscribe_stops_mail_at_once(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await confirmed(client, services, smtp_server)
    await new_comment(client, body="First news.")
    await deliver(services)
    notice = smtp_server.messages[-1]
    target = notice["List-Unsubscribe"].strip("<>").removeprefix("https://comments.example")
    response = await client.post(
        target,
        content="List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert "Unsubscribed" in response.text
    count = len(smtp_server.messages)
    await new_comment(client, body="Nobody hears of this.")
    await deliver(services)
    assert len(smtp_server.messages) == count
    # Twice is harmless.
    assert (await client.post(target)).status_code == 200


async def test_unsubscribe_link_shows_a_button_and_changes_nothing_on_get(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await confirmed(client, services, smtp_server)
    unsubscribe_link = link(smtp_server.messages[0], "unsubscribe")
    page = await client.get(unsubscribe_link)
    assert page.status_code == 200
    assert "Unsubscribe</button>" in page.text
    await new_comment(client, body="Still subscribed.")
    await deliver(services)
    assert "Still subscribed." in text_of(smtp_server.messages[-1])


async def test_manage_page_lists_and_ends_every_subscription_of_the_address(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await confirmed(client, services, smtp_server)
    await confirmed(client, services, smtp_server, kind="replies")
    await new_comment(client, body="News for the follower.")
    await deliver(services)
    manage_link = link(smtp_server.messages[-1], "manage")
    page = await client.get(manage_link)
    assert page.status_code == 200
    assert page.text.count("Unsubscribe</button>") == 2
    assert "replies to your comments" in page.text
    done = await client.post(manage_link + "&remove=all")
    assert done.status_code == 200
    assert "no subscriptions" in done.text
    count = len(smtp_server.messages)
    await new_comment(client, body="After leaving.")
    await deliver(services)
    assert len(smtp_server.messages) == count


async def test_manage_link_cannot_remove_another_address_subscription(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await confirmed(client, services, smtp_server)
    await confirmed(client, services, smtp_server, email=OTHER)
    await new_comment(client, body="For both followers.")
    await deliver(services)
    other_page = await client.get(link(smtp_server.to(OTHER)[-1], "manage"))
    [other_id] = set(re.findall(r"remove=([A-Za-z0-9_-]+)\"", other_page.text)) - {"all"}
    reader_manage = link(smtp_server.to(READER)[-1], "manage")
    response = await client.post(f"{reader_manage}&remove={other_id}")
    assert response.status_code == 200
    assert "Unsubscribed from 0" in response.text
    still = await client.get(link(smtp_server.to(OTHER)[-1], "manage"))
    assert f"remove={other_id}" in still.text


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"email": "not an address"}, 400, "email"),
        ({"email": "a@b.example\r\nBcc: victim@example.org"}, 400, "email"),
        ({"email": ""}, 400, "email"),
        ({"email": 42}, 400, "email"),
        ({"kind": "everything"}, 400, "kind"),
        ({"page": ""}, 400, "page"),
        ({"site": "nowhere"}, 404, "site"),
    ],
)
async def test_bad_subscriptions_are_refused_with_the_field_to_blame(
    client: httpx.AsyncClient,
    services: Services,
    smtp_server: SmtpServer,
    overrides: dict[str, object],
    status: int,
    field: str,
) -> None:
    assert_error(await subscribe(client, **overrides), status, field=field)
    assert await deliver(services) == 0
    assert smtp_server.messages == []


async def test_subscribing_from_a_foreign_page_is_forbidden(
    client: httpx.AsyncClient, services: Services
) -> None:
    response = await client.post(
        "/api/v1/subscriptions",
        json={"site": "news", "page": PAGE, "email": READER, "kind": "all"},
        headers={"Origin": "https://evil.example"},
    )
    assert_error(response, 403, "origin_not_allowed")


async def test_tampered_and_misused_links_are_refused(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await subscribe(client)
    await deliver(services)
    confirm_link = link(smtp_server.messages[0], "confirm")
    unsubscribe_link = link(smtp_server.messages[0], "unsubscribe")
    tampered = confirm_link[:-3] + ("AAA" if not confirm_link.endswith("AAA") else "BBB")
    assert (await client.post(tampered)).status_code == 400
    # A confirmation token is no unsubscribe token, and the reverse.
    token = confirm_link.split("token=", 1)[1]
    wrong = await client.post(f"/api/v1/subscriptions/unsubscribe?token={token}")
    assert wrong.status_code == 400
    token = unsubscribe_link.split("token=", 1)[1]
    assert (await client.post(f"/api/v1/subscriptions/confirm?token={token}")).status_code == 400
    assert (
        await client.post(f"/api/v1/subscriptions/manage?token={token}&remove=all")
    ).status_code == 400
    assert_error(await client.post("/api/v1/subscriptions/confirm"), 400, field="token")


async def test_expired_confirmation_link_is_refused(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer, clock: MovableClock
) -> None:
    await subscribe(client)
    await deliver(services)
    confirm_link = link(smtp_server.messages[0], "confirm")
    clock.advance(days=8)
    response = await client.post(confirm_link)
    assert response.status_code == 400
    assert "expired" in response.text
    await new_comment(client, body="Still unconfirmed.")
    await deliver(services)
    assert len(smtp_server.messages) == 1


async def test_comment_form_notify_subscribes_the_author_pending_confirmation(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await new_comment(client, author_email=READER, notify="replies")
    await deliver(services)
    [message] = smtp_server.messages
    assert message["To"] == READER
    assert "replies to your comments" in text_of(message)


async def test_comment_form_notify_without_an_address_is_refused_and_stores_nothing(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    assert_error(await post_comment(client, notify="all"), 400, field="author_email")
    assert_error(await post_comment(client, notify="sometimes"), 400, field="notify")
    assert await deliver(services) == 0
    listed = await client.get("/api/v1/comments", params={"site": "news", "page": PAGE})
    assert listed.json()["comments"] == []


async def test_settings_say_notifications_are_on(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/subscriptions/settings")
    assert response.status_code == 200
    assert response.json() == {"enabled": True, "kinds": ["all", "replies"]}


class TestWithoutAMailServer:
    @pytest.fixture
    def settings(self, database_url: str, smtp_server: SmtpServer) -> Settings:
        return mail_settings(database_url, smtp_server, smtp_url=None)

    async def test_subscribing_answers_503_notifications_disabled(
        self, client: httpx.AsyncClient
    ) -> None:
        assert_error(await subscribe(client), 503, "notifications_disabled")

    async def test_comment_with_notify_is_refused_but_plain_comments_work(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await post_comment(client, author_email=READER, notify="all")
        assert_error(response, 503, "notifications_disabled")
        await new_comment(client, author_email=READER, notify="none")

    async def test_settings_say_notifications_are_off(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/subscriptions/settings")
        assert response.json() == {"enabled": False, "kinds": []}
