"""Mentioned authors are told by mail like the author replied to (real SMTP, aiosmtpd): only
with a confirmed subscription, one mail for a reply that also mentions them, and the mail's
one-click unsubscribe works."""

from __future__ import annotations

import httpx

from rostra.services.registry import Services
from tests.api.helpers import PAGE, new_comment
from tests.notify.smtp import SmtpServer, deliver, html_of, link, text_of
from tests.notify.test_delivery import ANN, BOB, confirm


async def test_a_mentioned_subscriber_is_mailed_at_once_and_can_unsubscribe(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await confirm(client, services, smtp_server, ANN, "replies")
    await new_comment(client, author_name="Ann Lee", author_email=ANN, body="My view.")
    mention = await new_comment(
        client, author_name="Bob", author_email=BOB, body="As @Ann Lee said, <b>yes</b>."
    )
    await deliver(services)
    [notice] = smtp_server.to(ANN)[1:]
    assert notice["Subject"] == "Bob mentioned you on The Example News"
    assert "mentioned you in a comment" in text_of(notice)
    assert "As @Ann Lee said" in text_of(notice)
    assert f"https://news.example{PAGE}#comment-{mention['id']}" in text_of(notice)
    assert "<b>yes</b>" not in html_of(notice)  # escaped, as every excerpt
    assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    unsubscribe = link(notice, "unsubscribe")
    assert (await client.post(unsubscribe)).status_code == 200
    await new_comment(client, author_name="Cy", body="Over to @Ann Lee.")
    await deliver(services)
    assert len(smtp_server.to(ANN)) == 2  # nothing after unsubscribing


async def test_nobody_is_mailed_without_a_confirmed_subscription(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    pending = await client.post(
        "/api/v1/subscriptions",
        json={"site": "news", "page": PAGE, "email": ANN, "kind": "replies"},
    )
    assert pending.status_code == 202
    await new_comment(client, author_name="Ann", author_email=ANN)
    await new_comment(client, author_name="Bob", body="Hello @Ann")
    await deliver(services)
    [confirmation] = smtp_server.to(ANN)
    assert "Hello @Ann" not in text_of(confirmation)


async def test_a_reply_that_mentions_its_parent_author_sends_one_mail(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await confirm(client, services, smtp_server, ANN, "replies")
    await confirm(client, services, smtp_server, ANN, "all")
    parent = await new_comment(client, author_name="Ann", author_email=ANN)
    await new_comment(client, author_name="Bob", parent_id=parent["id"], body="@Ann quite.")
    await deliver(services)
    [notice] = smtp_server.to(ANN)[2:]
    assert notice["Subject"] == "Bob mentioned you on The Example News"


async def test_a_follower_mentioned_is_told_once_and_not_again_in_the_batch(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await confirm(client, services, smtp_server, ANN, "all")
    await new_comment(client, author_name="Ann", author_email=ANN)
    await new_comment(client, author_name="Bob", author_email=BOB, body="Over to @Ann.")
    await deliver(services)
    notices = smtp_server.to(ANN)[1:]
    assert [n["Subject"] for n in notices] == ["Bob mentioned you on The Example News"]
    assert "subscribed to comments on The Example News" in text_of(notices[0])


async def test_mentioning_oneself_mails_nobody(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await confirm(client, services, smtp_server, ANN, "replies")
    await new_comment(client, author_name="Ann", author_email=ANN)
    await new_comment(client, author_name="Ann", author_email=ANN, body="As @Ann said.")
    assert await deliver(services) == 0
