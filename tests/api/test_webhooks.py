"""Webhooks end to end: the staff API, events written with the change, signed delivery to a
real HTTP receiver on 127.0.0.1, retries while it is away, a restart on the same database,
nothing lost and nothing sent twice once the receiver answered 2xx."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from rostra.bootstrap import build_services
from rostra.config import Settings
from rostra.domain.campaigns import draft_from_text
from rostra.services.registry import Services
from rostra.storage.database import Database
from tests.api.helpers import assert_error, new_comment, post_comment
from tests.api.staff_helpers import ADMIN, MODERATOR, add_staff, api_client, sign_in
from tests.conftest import ORIGIN, MovableClock
from tests.webhook_receiver import Receiver

EVENTS = ["comment.created", "comment.published", "comment.rejected", "report.created"]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The receiver is plain HTTP on loopback: the operator allows that here.
    return replace(settings, webhooks_allow_private=True, notify_worker=False)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.stop()


@pytest.fixture
async def admin(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    await add_staff(services, ADMIN, "admin")
    async with await api_client(services) as client:
        await sign_in(client, ADMIN)
        yield client


def verify(secret: str, header: str, body: bytes) -> bool:
    """Independent check of ``t=…,v1=…``, as a receiver would write it."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), fields["v1"])


async def add_endpoint(admin: httpx.AsyncClient, url: str, events: list[str]) -> dict[str, Any]:
    response = await admin.post(
        "/api/v1/moderation/sites/news/webhooks", json={"url": url, "events": events}
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def deliver(services: Services) -> int:
    """Run the webhook outbox until nothing is due now."""
    assert services.webhooks is not None
    total = 0
    while claimed := await services.webhooks.deliver_due("test-worker"):
        total += claimed
    return total


async def deliveries(admin: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await admin.get("/api/v1/moderation/sites/news/webhook-deliveries")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["deliveries"]
    return found


async def test_delivery_survives_a_receiver_away_and_a_restart(
    settings: Settings,
    services: Services,
    admin: httpx.AsyncClient,
    client: httpx.AsyncClient,
    clock: MovableClock,
    receiver: Receiver,
) -> None:
    created = await add_endpoint(admin, receiver.url(), ["comment.created", "comment.published"])
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert created["endpoint"]["events"] == ["comment.created", "comment.published"]

    # The receiver is down: the comment is stored at once, the deliveries wait.
    comment = await new_comment(client)
    assert await deliver(services) == 2
    waiting = await deliveries(admin)
    assert {d["event_type"] for d in waiting} == {"comment.created", "comment.published"}
    assert all(d["status"] == "pending" and d["attempts"] == 1 for d in waiting)
    assert all(d["response_code"] is None and "no answer" in d["last_error"] for d in waiting)
    assert await deliver(services) == 0  # backing off: nothing due yet

    # Half a minute later it answers 503: tried again, the code is recorded.
    receiver.status = 503
    receiver.start()
    clock.advance(seconds=31)
    assert await deliver(services) == 2
    assert len(receiver.answered(503)) == 2
    waiting = await deliveries(admin)
    assert all(d["response_code"] == 503 and d["attempts"] == 2 for d in waiting)

    # The server stops; a fresh one on the same database, minutes later, finishes the job.
    for hook in services.on_shutdown:
        await hook()
    receiver.status = 204
    later = MovableClock(clock.now())
    later.advance(minutes=5)
    restarted = build_services(settings, clock=later)
    try:
        assert await deliver(restarted) == 2
        got = receiver.answered(204)
        assert sorted(json.loads(r.body)["type"] for r in got) == [
            "comment.created",
            "comment.published",
        ]
        for request in got:
            assert verify(secret, request.headers["rostra-signature"], request.body)
            assert not verify("whsec_wrong", request.headers["rostra-signature"], request.body)
            event = json.loads(request.body)
            assert request.headers["rostra-event-id"] == event["id"]
            assert event["site"] == "news"
            assert event["data"]["comment"]["id"] == comment["id"]
            assert event["data"]["comment"]["url"].startswith(ORIGIN)
            assert "email" not in json.dumps(event["data"])
        # Hours later, nothing is sent again: each 2xx delivery is done for good.
        later.advance(hours=12)
        assert await deliver(restarted) == 0
        assert len(receiver.answered(204)) == 2
        async with await api_client(restarted) as second_admin:
            await sign_in(second_admin, ADMIN)
            done = await deliveries(second_admin)
            assert all(d["status"] == "sent" and d["response_code"] == 204 for d in done)
            assert all(d["attempts"] == 3 and d["sent"] for d in done)
            # Sent again on request, with the same event id.
            response = await second_admin.post(
                f"/api/v1/moderation/webhook-deliveries/{done[0]['id']}/resend"
            )
            assert response.status_code == 202, response.text
            assert await deliver(restarted) == 1
            again = receiver.answered(204)[-1]
            assert json.loads(again.body)["id"] == done[0]["event_id"]
    finally:
        for hook in restarted.on_shutdown:
            await hook()


async def test_a_worker_that_died_holding_a_delivery_is_replaced_after_its_lease(
    settings: Settings,
    services: Services,
    admin: httpx.AsyncClient,
    client: httpx.AsyncClient,
    clock: MovableClock,
    receiver: Receiver,
) -> None:
    receiver.start()
    await add_endpoint(admin, receiver.url(), ["comment.created"])
    await new_comment(client)
    storage = Database(settings.database_url)
    try:
        async with storage.write() as tx:  # a worker claims, then dies before sending
            [job] = await tx.outbox.claim(
                clock.now(), clock.now() + timedelta(minutes=5), "dead", 10, ("webhook",)
            )
    finally:
        await storage.close()
    assert await deliver(services) == 0  # leased: another worker keeps off
    clock.advance(minutes=5, seconds=1)
    assert await deliver(services) == 1
    assert len(receiver.answered(200)) == 1
    clock.advance(hours=1)
    assert await deliver(services) == 0
    assert len(receiver.answered(200)) == 1
    assert job.kind.value == "webhook"


async def test_moderation_and_reports_are_announced(
    services: Services,
    admin: httpx.AsyncClient,
    client: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    receiver.start()
    created = await add_endpoint(admin, receiver.url(), EVENTS)
    comment = await new_comment(client)
    report = await client.post(f"/api/v1/comments/{comment['id']}/report", json={"reason": "rude"})
    assert report.status_code == 200, report.text
    rejected = await admin.post(f"/api/v1/moderation/comments/{comment['id']}/reject")
    assert rejected.status_code == 200, rejected.text
    await deliver(services)
    types = [json.loads(r.body)["type"] for r in receiver.answered(200)]
    assert types[:2] == ["comment.created", "comment.published"]
    assert set(types[2:]) == {"report.created", "comment.rejected"}
    by_type = {json.loads(r.body)["type"]: json.loads(r.body) for r in receiver.answered(200)}
    assert by_type["report.created"]["data"]["report_count"] == 1
    assert by_type["comment.rejected"]["data"]["comment"]["status"] == "rejected"
    for request in receiver.answered(200):
        assert verify(created["secret"], request.headers["rostra-signature"], request.body)


async def test_an_endpoint_hears_only_its_events_and_removal_cancels(
    services: Services,
    admin: httpx.AsyncClient,
    client: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    created = await add_endpoint(admin, receiver.url(), ["comment.rejected"])
    await new_comment(client)
    assert await deliver(services) == 0  # not asked for
    test = await admin.post(f"/api/v1/moderation/webhooks/{created['endpoint']['id']}/test")
    assert test.status_code == 202
    listed = await admin.get("/api/v1/moderation/sites/news/webhooks")
    assert [e["id"] for e in listed.json()["endpoints"]] == [created["endpoint"]["id"]]
    assert "secret" not in listed.text and created["secret"] not in listed.text
    removed = await admin.delete(f"/api/v1/moderation/webhooks/{created['endpoint']['id']}")
    assert removed.status_code == 204
    assert await deliver(services) == 1  # the test event, cancelled: nothing reaches the receiver
    assert receiver.requests == []
    again = await admin.delete(f"/api/v1/moderation/webhooks/{created['endpoint']['id']}")
    assert_error(again, 404, field="id")


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"url": "http://hooks.example/x", "events": ["comment.created"]}, "url", "https://"),
        ({"url": "https://127.0.0.1/x", "events": ["comment.created"]}, "url", "private"),
        ({"url": "https://localhost/x", "events": ["comment.created"]}, "url", "private"),
        ({"url": "https://[::1]/x", "events": ["comment.created"]}, "url", "private"),
        ({"url": "https://10.1.2.3/x", "events": ["comment.created"]}, "url", "private"),
        ({"url": "https://169.254.169.254/x", "events": ["comment.created"]}, "url", "private"),
        ({"url": "https://[::ffff:192.168.0.1]/", "events": ["comment.created"]}, "url", "private"),
        ({"url": "https://100.64.0.1/", "events": ["comment.created"]}, "url", "private"),
        ({"url": "https://nowhere.invalid/", "events": ["comment.created"]}, "url", "resolve"),
        ({"url": "https://u:p@hooks.example/", "events": ["comment.created"]}, "url", "password"),
        ({"url": "", "events": ["comment.created"]}, "url", "required"),
        ({"url": "https://93.184.215.14/", "events": []}, "events", "at least one"),
        ({"url": "https://93.184.215.14/", "events": ["comment.eaten"]}, "events", "Unknown"),
        ({"url": "https://93.184.215.14/", "events": "comment.created"}, "events", None),
        ({"events": ["comment.created"]}, "url", "required"),
        ({"url": "https://93.184.215.14/", "events": ["x"], "extra": 1}, None, None),
    ],
)
async def test_bad_endpoints_are_refused_with_the_field_named(
    settings: Settings,
    services: Services,
    body: dict[str, Any],
    field: str | None,
    words: str | None,
) -> None:
    # The operator has not allowed private destinations here.
    await add_staff(services, ADMIN, "admin")
    strict = build_services(replace(settings, webhooks_allow_private=False))
    try:
        async with await api_client(strict) as admin:
            await sign_in(admin, ADMIN)
            response = await admin.post("/api/v1/moderation/sites/news/webhooks", json=body)
            error = assert_error(response, 400)
            if field is not None:
                assert error["field"] == field
            if words is not None:
                assert words in error["message"]
            listed = await admin.get("/api/v1/moderation/sites/news/webhooks")
            assert listed.json()["endpoints"] == []
    finally:
        for hook in strict.on_shutdown:
            await hook()


async def test_a_host_that_now_resolves_privately_is_not_sent_to(
    settings: Settings,
    services: Services,
    admin: httpx.AsyncClient,
    client: httpx.AsyncClient,
    clock: MovableClock,
    receiver: Receiver,
) -> None:
    """Registered while allowed; the same row delivered by a server that refuses private
    addresses (as after a DNS change) fails without a request."""
    receiver.start()
    await add_endpoint(admin, receiver.url(), ["comment.created"])
    await new_comment(client)
    strict = build_services(replace(settings, webhooks_allow_private=False), clock=clock)
    try:
        assert await deliver(strict) == 1
    finally:
        for hook in strict.on_shutdown:
            await hook()
    assert receiver.requests == []
    [failed] = await deliveries(admin)
    assert failed["status"] == "failed"
    assert "private" in failed["last_error"]


async def test_only_admins_manage_webhooks(services: Services, receiver: Receiver) -> None:
    await add_staff(services, MODERATOR, "moderator")
    async with await api_client(services) as moderator:
        anonymous = await moderator.get("/api/v1/moderation/sites/news/webhooks")
        assert_error(anonymous, 401)
        await sign_in(moderator, MODERATOR)
        listed = await moderator.get("/api/v1/moderation/sites/news/webhooks")
        assert_error(listed, 403)
        added = await moderator.post(
            "/api/v1/moderation/sites/news/webhooks",
            json={"url": receiver.url(), "events": ["comment.created"]},
        )
        assert_error(added, 403)


async def test_unknown_site_and_delivery(admin: httpx.AsyncClient, receiver: Receiver) -> None:
    response = await admin.post(
        "/api/v1/moderation/sites/nosuch/webhooks",
        json={"url": receiver.url(), "events": ["comment.created"]},
    )
    assert_error(response, 404, field="site")
    assert_error(await admin.get("/api/v1/moderation/sites/nosuch/webhook-deliveries"), 404)
    missing = await admin.post("/api/v1/moderation/webhook-deliveries/999999/resend")
    assert_error(missing, 404, field="id")
    bad_limit = await admin.get("/api/v1/moderation/sites/news/webhook-deliveries?limit=0")
    assert_error(bad_limit, 400, field="limit")


async def test_a_held_comment_is_created_but_not_published(
    services: Services, admin: httpx.AsyncClient, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.start()
    await add_endpoint(admin, receiver.url(), ["comment.created", "comment.published"])
    response = await admin.put("/api/v1/moderation/sites/news/settings", json={"mode": "pre"})
    assert response.status_code == 200, response.text
    held = await post_comment(client)
    assert held.status_code in (201, 202), held.text
    await deliver(services)
    assert [json.loads(r.body)["type"] for r in receiver.answered(200)] == ["comment.created"]
    approved = await admin.post(f"/api/v1/moderation/comments/{held.json()['id']}/approve")
    assert approved.status_code == 200, approved.text
    await deliver(services)
    types = [json.loads(r.body)["type"] for r in receiver.answered(200)]
    assert types == ["comment.created", "comment.published"]
    assert datetime.fromisoformat(json.loads(receiver.requests[-1].body)["created"]).tzinfo == UTC


async def test_the_dashboard_adds_lists_tests_resends_and_removes(
    services: Services, admin: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.start()
    csrf = admin.headers["X-CSRF-Token"]
    index = await admin.get("/admin/webhooks")
    assert index.status_code == 200
    assert 'href="/admin/webhooks/news"' in index.text
    added = await admin.post(
        "/admin/webhooks/news",
        data={
            "csrf_token": csrf,
            "url": receiver.url(),
            "events": ["comment.published", "report.created"],
            "description": "Newsroom <bot>",
        },
    )
    assert added.status_code == 200, added.text
    [secret] = re.findall(r'<code class="secret">(whsec_[\w-]+)</code>', added.text)
    assert "Newsroom &lt;bot&gt;" in added.text  # escaped
    [endpoint] = (await admin.get("/api/v1/moderation/sites/news/webhooks")).json()["endpoints"]
    assert endpoint["events"] == ["comment.published", "report.created"]

    tested = await admin.post(
        f"/admin/webhook-endpoints/{endpoint['id']}/test", data={"csrf_token": csrf}
    )
    assert tested.status_code == 303
    assert tested.headers["location"].startswith("/admin/webhooks/news?message=")
    assert await deliver(services) == 1
    [request] = receiver.answered(200)
    assert verify(secret, request.headers["rostra-signature"], request.body)
    page = await admin.get("/admin/webhooks/news")
    assert "webhook.test" in page.text and "Delivered" in page.text and "HTTP 200" in page.text
    assert secret not in page.text  # shown once only

    [delivery] = await deliveries(admin)
    resent = await admin.post(
        f"/admin/webhook-deliveries/{delivery['id']}/resend", data={"csrf_token": csrf}
    )
    assert resent.status_code == 303
    assert await deliver(services) == 1
    assert len(receiver.answered(200)) == 2

    forged = await admin.post(
        f"/admin/webhook-endpoints/{endpoint['id']}/remove",
        data={"csrf_token": "forged"},
        headers={"X-CSRF-Token": ""},  # a form from elsewhere carries no header
    )
    assert forged.status_code == 403
    removed = await admin.post(
        f"/admin/webhook-endpoints/{endpoint['id']}/remove", data={"csrf_token": csrf}
    )
    assert removed.status_code == 303
    assert (await admin.get("/api/v1/moderation/sites/news/webhooks")).json()["endpoints"] == []
    bad = await admin.post(
        "/admin/webhooks/news", data={"csrf_token": csrf, "url": "ftp://x", "events": []}
    )
    assert bad.status_code == 400
    assert "https://" in bad.text


async def test_a_donation_is_announced_without_the_donors_address(
    services: Services, admin: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.start()
    created = await add_endpoint(admin, receiver.url(), ["donation.completed"])
    assert services.campaigns is not None
    staff = await services.campaigns.staff_member(ADMIN)
    campaign = await services.campaigns.create_campaign(
        staff, "news", draft_from_text(goal="5000", currency_code="EUR")
    )
    await services.campaigns.record_manual_donation(
        staff, campaign.id, "25.50", donor_name="Dana", note="bank transfer"
    )
    assert await deliver(services) == 1
    [request] = receiver.answered(200)
    assert verify(created["secret"], request.headers["rostra-signature"], request.body)
    event = json.loads(request.body)
    assert event["type"] == "donation.completed"
    assert event["data"] == {
        "campaign_id": campaign.id,
        "provider": "manual",
        "reference": None,
        "amount_minor": 2550,
        "amount": "25.50",
        "currency": "EUR",
        "donor_name": "Dana",
    }
