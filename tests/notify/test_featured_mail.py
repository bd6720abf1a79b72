"""Editor's picks: the author of a featured comment hears of it by mail, through the outbox and
a real SMTP server, when they subscribed with their address; nobody else does."""

from __future__ import annotations

import httpx

from rostra.services.registry import Services
from tests.api.helpers import new_comment
from tests.api.staff_helpers import MODERATOR, add_staff, sign_in
from tests.notify.smtp import SmtpServer, deliver, text_of
from tests.notify.test_delivery import ANN, BOB, confirm


async def test_the_subscribed_author_of_a_pick_is_mailed_once_with_the_note(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await confirm(client, services, smtp_server, ANN, "replies")
    picked = await new_comment(client, author_name="Ann", author_email=ANN, body="My view.")
    unsubscribed = await new_comment(client, author_name="Bob", author_email=BOB, body="Mine.")
    anonymous = await new_comment(client, author_name="Cy", body="No address.")
    await add_staff(services, MODERATOR, "moderator")
    await sign_in(client, MODERATOR)
    for comment in (picked, unsubscribed, anonymous):
        response = await client.post(
            f"/api/v1/moderation/comments/{comment['id']}/feature", json={"note": "Well put."}
        )
        assert response.status_code == 200, response.text
    assert await deliver(services) == 1
    [notice] = smtp_server.to(ANN)[1:]
    assert notice["Subject"] == "The Example News featured your comment"
    text = text_of(notice)
    assert "My view." in text
    assert "Their note: Well put." in text
    assert "Unsubscribe:" in text
    assert smtp_server.to(BOB) == []

    # Changing the note of a pick mails nobody again.
    again = await client.post(
        f"/api/v1/moderation/comments/{picked['id']}/feature", json={"note": "Very well put."}
    )
    assert again.status_code == 200, again.text
    assert again.json()["featured_note"] == "Very well put."
    assert await deliver(services) == 0
    assert len(smtp_server.to(ANN)) == 2
