"""Notifications end to end against a real SMTP server: who is told, batching, retries,
permanent failures and the headers of what is sent."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from rostra.domain.comments import CommentStatus
from rostra.services.registry import Services
from rostra.storage.database import Database
from tests.api.helpers import PAGE, new_comment
from tests.conftest import MovableClock
from tests.notify.smtp import SmtpServer, deliver, html_of, link, text_of

ANN = "ann@mail.example"
BOB = "bob@mail.example"


async def confirm(
    client: httpx.AsyncClient, services: Services, smtp: SmtpServer, email_: str, kind: str
) -> None:
    before = len(smtp.messages)
    response = await client.post(
        "/api/v1/subscriptions",
        json={"site": "news", "page": PAGE, "email": email_, "kind": kind},
    )
    assert response.status_code == 202
    await deliver(services)
    [confirmation] = smtp.messages[before:]
    assert (await client.post(link(confirmation, "confirm"))).status_code == 200


async def test_reply_to_a_confirmed_author_mails_them_at_once(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await confirm(client, services, smtp_server, ANN, "replies")
    parent = await new_comment(client, author_name="Ann", author_email=ANN, body="My view.")
    await new_comment(client, author_name="Bob", author_email=BOB, body="Unrelated.")
    reply = await new_comment(
        client, author_name="Bob", author_email=BOB, parent_id=parent["id"], body="I disagree."
    )
    await deliver(services)
    [notice] = smtp_server.to(ANN)[1:]
    assert notice["Subject"] == "Bob replied to your comment on The Example News"
    assert "I disagree." in text_of(notice)
    assert f"https://news.example{PAGE}#comment-{reply['id']}" in text_of(notice)
    assert "I disagree." in html_of(notice)


async def test_nobody_is_told_of_their_own_comment(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await confirm(client, services, smtp_server, ANN, "replies")
    await confirm(client, services, smtp_server, ANN, "all")
    parent = await new_comment(client, author_name="Ann", author_email=ANN)
    # The same address, written differently, is still the same author.
    await new_comment(client, author_name="Ann", author_email="ann@MAIL.example")
    await new_comment(client, author_name="Ann", author_email=ANN, parent_id=parent["id"])
    assert await deliver(services) == 0
    assert len(smtp_server.to(ANN)) == 2  # the two confirmations


async def test_only_confirmed_subscribers_get_notifications(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await confirm(client, services, smtp_server, ANN, "all")
    pending = await client.post(
        "/api/v1/subscriptions",
        json={"site": "news", "page": PAGE, "email": BOB, "kind": "all"},
    )
    assert pending.status_code == 202
    await new_comment(client, author_name="Cy", body="News for followers.")
    await deliver(services)
    assert [text_of(m).count("News for followers.") for m in smtp_server.to(ANN)] == [0, 1]
    [bob_confirmation] = smtp_server.to(BOB)
    assert "News for followers." not in text_of(bob_confirmation)


async def test_followers_get_at_most_one_mail_per_interval_listing_the_new_comments(
    client: httpx.AsyncClient,
    services: Services,
    smtp_server: SmtpServer,
    clock: MovableClock,
) -> None:
    await confirm(client, services, smtp_server, ANN, "all")
    await new_comment(client, author_name="Bob", body="First.")
    await deliver(services)
    assert "First." in text_of(smtp_server.to(ANN)[-1])
    for body in ("Second.", "Third.", "Fourth."):
        clock.advance(minutes=1)
        await new_comment(client, author_name="Bob", body=body)
        await deliver(services)
    assert len(smtp_server.to(ANN)) == 2  # confirmation + the first
    clock.advance(minutes=13)
    await deliver(services)
    batch = smtp_server.to(ANN)[-1]
    assert len(smtp_server.to(ANN)) == 3
    assert batch["Subject"] == "3 new comments on The Example News"
    assert all(body in text_of(batch) for body in ("Second.", "Third.", "Fourth."))
    assert "First." not in text_of(batch)


async def test_a_follower_who_is_also_the_parent_author_gets_one_mail(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await confirm(client, services, smtp_server, ANN, "all")
    await confirm(client, services, smtp_server, ANN, "replies")
    parent = await new_comment(client, author_name="Ann", author_email=ANN)
    await new_comment(client, author_name="Bob", parent_id=parent["id"], body="Hi Ann.")
    await deliver(services)
    notices = smtp_server.to(ANN)[2:]
    assert len(notices) == 1
    assert "replied to your comment" in notices[0]["Subject"]


async def test_smtp_down_for_a_while_loses_nothing_and_doubles_nothing(
    client: httpx.AsyncClient,
    services: Services,
    smtp_server: SmtpServer,
    clock: MovableClock,
) -> None:
    await confirm(client, services, smtp_server, ANN, "replies")
    parent = await new_comment(client, author_name="Ann", author_email=ANN)
    smtp_server.stop()
    await new_comment(client, author_name="Bob", parent_id=parent["id"], body="While down.")
    assert await deliver(services) == 1  # tried, deferred
    assert services.notifications is not None
    summary = await services.notifications.outbox_summary()
    assert summary.counts["pending"] == 1
    assert summary.retrying == 1
    clock.advance(seconds=31)
    assert await deliver(services) == 1  # tried again, still down
    smtp_server.start()
    assert await deliver(services) == 0  # the backoff (1 min after the 2nd try) holds it
    clock.advance(minutes=2)
    assert await deliver(services) == 1
    clock.advance(hours=2)
    assert await deliver(services) == 0
    notices = [m for m in smtp_server.to(ANN) if "While down." in text_of(m)]
    assert len(notices) == 1
    summary = await services.notifications.outbox_summary()
    assert summary.counts["pending"] == 0
    assert summary.counts["sent"] == 2


async def test_a_4xx_answer_is_retried_until_accepted(
    client: httpx.AsyncClient,
    services: Services,
    smtp_server: SmtpServer,
    clock: MovableClock,
) -> None:
    smtp_server.collector.defer_next = 2
    response = await client.post(
        "/api/v1/subscriptions",
        json={"site": "news", "page": PAGE, "email": ANN, "kind": "all"},
    )
    assert response.status_code == 202
    await deliver(services)
    clock.advance(seconds=31)
    await deliver(services)
    assert smtp_server.messages == []
    clock.advance(minutes=1, seconds=1)
    await deliver(services)
    assert len(smtp_server.messages) == 1
    first = smtp_server.messages[0]
    assert first["Message-ID"].startswith("<rostra.")


async def test_a_5xx_answer_is_recorded_as_a_permanent_failure(
    client: httpx.AsyncClient,
    services: Services,
    smtp_server: SmtpServer,
    clock: MovableClock,
) -> None:
    smtp_server.collector.refuse[BOB] = "550 5.1.1 No such user here"
    response = await client.post(
        "/api/v1/subscriptions",
        json={"site": "news", "page": PAGE, "email": BOB, "kind": "all"},
    )
    assert response.status_code == 202
    assert await deliver(services) == 1
    clock.advance(days=1)
    assert await deliver(services) == 0  # never retried
    assert services.notifications is not None
    summary = await services.notifications.outbox_summary()
    assert summary.counts["failed"] == 1
    [failure] = summary.failures
    assert failure.recipient == BOB
    assert failure.kind == "confirm"
    assert "550" in failure.error
    assert smtp_server.messages == []


async def test_notifications_have_correct_headers_and_both_parts(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await confirm(client, services, smtp_server, ANN, "all")
    await new_comment(client, author_name="Bob", body="Header check.")
    await deliver(services)
    notice = smtp_server.to(ANN)[-1]
    assert notice["From"] == "comments@news.example"
    assert notice["Reply-To"] is None
    assert notice["Auto-Submitted"] == "auto-generated"
    assert email.utils.parsedate_to_datetime(notice["Date"]) is not None
    message_ids = [m["Message-ID"] for m in smtp_server.messages]
    assert len(set(message_ids)) == len(message_ids)
    assert all(mid.endswith("@news.example>") for mid in message_ids)
    assert notice.get_content_type() == "multipart/alternative"
    assert "Header check." in text_of(notice)
    assert "<blockquote>Header check.</blockquote>" in html_of(notice)


async def test_markup_in_comments_is_escaped_in_the_html_part(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await confirm(client, services, smtp_server, ANN, "all")
    await new_comment(client, author_name="<b>Bob</b>", body="<script>alert(1)</script>")
    await deliver(services)
    html = html_of(smtp_server.to(ANN)[-1])
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<b>Bob</b>" not in html


@pytest.mark.parametrize("name", ["Eve\r\nBcc: victim@example.org", "Eve\nSubject: spoof"])
async def test_line_breaks_in_names_cannot_add_headers(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer, name: str
) -> None:
    await confirm(client, services, smtp_server, ANN, "replies")
    parent = await new_comment(client, author_name="Ann", author_email=ANN)
    response = await client.post(
        "/api/v1/comments",
        json={
            "site": "news",
            "page": PAGE,
            "author_name": name,
            "body": "Injected?",
            "parent_id": parent["id"],
        },
    )
    assert response.status_code == 201
    await deliver(services)
    notice = smtp_server.to(ANN)[-1]
    assert notice["Bcc"] is None
    assert len(notice.get_all("Subject") or []) == 1
    assert "\n" not in notice["Subject"]
    assert all(m["To"] in (ANN,) for m in smtp_server.messages)


async def test_line_breaks_in_a_site_title_cannot_add_headers(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await services.sites.add_site(
        "evil", ["https://evil.example"], "Evil\r\nBcc: victim@example.org\r\n\r\nbody"
    )
    response = await client.post(
        "/api/v1/subscriptions",
        json={"site": "evil", "page": "/a", "email": ANN, "kind": "all"},
    )
    assert response.status_code == 202
    await deliver(services)
    [message] = smtp_server.messages
    assert message["Bcc"] is None
    assert message["Subject"] == "Confirm your notifications from Evil Bcc: victim@example.org body"
    assert list(message.keys()).count("Subject") == 1


async def test_held_comments_notify_nobody_until_approved(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer, database_url: str
) -> None:
    await confirm(client, services, smtp_server, ANN, "all")
    # Sent faster than a person types: screening holds it for staff.
    held = await client.post(
        "/api/v1/comments",
        json={
            "site": "news",
            "page": PAGE,
            "author_name": "Bob",
            "body": "Held for a look.",
            "elapsed_ms": 10,
        },
    )
    assert held.status_code == 202, held.text
    assert await deliver(services) == 0
    assert services.notifications is not None
    storage = Database(database_url)  # the moderation service's transaction, in short
    try:
        async with storage.write() as tx:
            comment = await tx.comments.get(held.json()["id"])
            assert comment is not None
            await tx.comments.set_status(comment.id, CommentStatus.PUBLISHED)
            await services.notifications.comment_approved(tx, comment)
    finally:
        await storage.close()
    await deliver(services)
    assert "Held for a look." in text_of(smtp_server.to(ANN)[-1])


async def test_mail_waiting_in_a_batch_is_cancelled_by_unsubscribing(
    client: httpx.AsyncClient,
    services: Services,
    smtp_server: SmtpServer,
    clock: MovableClock,
) -> None:
    await confirm(client, services, smtp_server, ANN, "all")
    await new_comment(client, author_name="Bob", body="Arrives right away.")
    await deliver(services)
    await new_comment(client, author_name="Bob", body="Waits for the next round of mail.")
    await deliver(services)
    unsubscribe = link(smtp_server.to(ANN)[-1], "unsubscribe")
    assert (await client.post(unsubscribe)).status_code == 200
    clock.advance(minutes=16)
    assert await deliver(services) == 1  # claimed, then cancelled
    assert all("Waits for the next round of mail." not in text_of(m) for m in smtp_server.messages)
    assert services.notifications is not None
    summary = await services.notifications.outbox_summary()
    assert summary.counts["cancelled"] == 1
    assert summary.counts["pending"] == 0
