"""Chat alerts to staff: a Slack incoming webhook and a Matrix room, stood in for at their
HTTP boundary by a real receiver on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from rostra.bootstrap import build_services
from rostra.config import Settings
from rostra.services.registry import Services
from rostra.web.app import create_app
from tests.api.helpers import assert_error, new_comment, post_comment
from tests.api.staff_helpers import ADMIN, MODERATOR, add_staff, api_client, sign_in
from tests.webhook_receiver import Receiver

PATH = "/api/v1/moderation/sites/news/chat-alerts"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, webhooks_allow_private=True, notify_worker=False)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture
async def admin(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    await add_staff(services, ADMIN, "admin")
    async with await api_client(services) as client:
        await sign_in(client, ADMIN)
        yield client


async def deliver(services: Services) -> int:
    assert services.webhooks is not None
    total = 0
    while claimed := await services.webhooks.deliver_due("test-worker"):
        total += claimed
    return total


def both(receiver: Receiver, **thresholds: int) -> dict[str, Any]:
    return {
        "slack_url": receiver.url("/slack/T000/B000/XXXX"),
        "matrix_homeserver": receiver.url(""),
        "matrix_room": "!newsroom:matrix.example",
        "matrix_token": "syt_secret_token",
        **thresholds,
    }


async def test_a_long_queue_alerts_slack_and_matrix_once(
    services: Services, admin: httpx.AsyncClient, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    saved = await admin.put(PATH, json=both(receiver, queue_threshold=2))
    assert saved.status_code == 200, saved.text
    assert saved.json() == {
        "slack": True,
        "matrix_homeserver": receiver.url(""),
        "matrix_room": "!newsroom:matrix.example",
        "queue_threshold": 2,
        "report_threshold": 0,
    }
    shown = await admin.get(PATH)
    assert "syt_secret_token" not in shown.text and "XXXX" not in shown.text
    mode = await admin.put("/api/v1/moderation/sites/news/settings", json={"mode": "pre"})
    assert mode.status_code == 200

    assert (await post_comment(client, body="One waits")).status_code == 202
    assert await deliver(services) == 0  # one held: below the threshold
    assert (await post_comment(client, body="Two wait")).status_code == 202
    assert await deliver(services) == 2  # reached: one message to each service
    assert (await post_comment(client, body="Three wait")).status_code == 202
    assert await deliver(services) == 0  # past it: no repeat

    slack = [r for r in receiver.requests if r.path.startswith("/slack/")]
    matrix = [r for r in receiver.requests if r.path.startswith("/_matrix/")]
    assert len(slack) == 1 and len(matrix) == 1
    text = json.loads(slack[0].body)["text"]
    assert text.startswith("2 comments on news are waiting for moderation.")
    assert "http://127.0.0.1:8080/admin?site=news" in text  # the link to decide
    assert slack[0].method == "POST"
    assert matrix[0].method == "PUT"
    assert matrix[0].path.startswith(
        "/_matrix/client/v3/rooms/%21newsroom%3Amatrix.example/send/m.room.message/rostra-"
    )
    assert matrix[0].headers["authorization"] == "Bearer syt_secret_token"
    assert json.loads(matrix[0].body) == {"msgtype": "m.text", "body": text}


async def test_a_comment_reported_n_times_alerts(
    services: Services, admin: httpx.AsyncClient, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    slack_only = {"slack_url": receiver.url("/slack/hook"), "report_threshold": 2}
    assert (await admin.put(PATH, json=slack_only)).status_code == 200
    comment = await new_comment(client, body="A contested opinion", author_name="Bo")
    # Readers without the voter cookie are told apart by their address.
    readers = [
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(services), client=(f"10.7.0.{n}", 4000)),  # type: ignore[arg-type]
            base_url="http://testserver",
        )
        for n in range(3)
    ]
    try:
        for n, reader in enumerate(readers):
            response = await reader.post(f"/api/v1/comments/{comment['id']}/report")
            assert response.status_code == 200, response.text
            if n == 0:
                assert await deliver(services) == 0
    finally:
        for reader in readers:
            await reader.aclose()
    assert await deliver(services) == 1  # the second report; the third sends nothing
    [alert] = receiver.answered(200)
    text = json.loads(alert.body)["text"]
    assert "A comment by Bo on news was reported 2 times" in text
    assert "A contested opinion" in text


async def test_an_alert_waits_for_a_receiver_that_is_down(
    services: Services, admin: httpx.AsyncClient, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    assert await admin.put(PATH, json={"slack_url": receiver.url("/s"), "queue_threshold": 1})
    await admin.put("/api/v1/moderation/sites/news/settings", json={"mode": "pre"})
    receiver.status = 500
    assert (await post_comment(client, body="Waiting")).status_code == 202
    assert await deliver(services) == 1
    assert len(receiver.answered(500)) == 1
    assert await deliver(services) == 0  # backing off


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"matrix_homeserver": "https://93.184.215.14", "matrix_token": "t"}, "matrix_room"),
        ({"matrix_room": "!a:b", "matrix_token": "t"}, "matrix_homeserver"),
        (
            {
                "matrix_homeserver": "https://93.184.215.14",
                "matrix_room": "room",
                "matrix_token": "t",
            },
            "matrix_room",
        ),
        ({"slack_url": "https://93.184.215.14/x", "queue_threshold": -1}, "queue_threshold"),
        ({"slack_url": "https://93.184.215.14/x", "report_threshold": 10**6}, "report_threshold"),
        ({"queue_threshold": 5}, "slack_url"),
        ({"slack_url": "http://127.0.0.1/hook", "queue_threshold": 5}, "slack_url"),
        ({"slack_url": "https://127.0.0.1/hook", "queue_threshold": 5}, "slack_url"),
        (
            {"matrix_homeserver": "https://10.0.0.8", "matrix_room": "!a:b", "matrix_token": "t"},
            "matrix_homeserver",
        ),
        ({"slack_url": "https://93.184.215.14/x", "extra": 1}, None),
        ({"slack_url": "https://93.184.215.14/x", "queue_threshold": "5"}, "queue_threshold"),
    ],
)
async def test_bad_alert_settings_are_refused(
    settings: Settings, services: Services, body: dict[str, Any], field: str | None
) -> None:
    await add_staff(services, ADMIN, "admin")
    strict = build_services(replace(settings, webhooks_allow_private=False))
    try:
        async with await api_client(strict) as admin:
            await sign_in(admin, ADMIN)
            error = assert_error(await admin.put(PATH, json=body), 400)
            if field is not None:
                assert error["field"] == field
            assert (await admin.get(PATH)).json()["slack"] is False
    finally:
        for hook in strict.on_shutdown:
            await hook()


async def test_only_admins_set_alerts(services: Services) -> None:
    await add_staff(services, MODERATOR, "moderator")
    async with await api_client(services) as moderator:
        assert_error(await moderator.get(PATH), 401)
        await sign_in(moderator, MODERATOR)
        assert_error(await moderator.get(PATH), 403)
        assert_error(await moderator.put(PATH, json={}), 403)


async def test_an_unknown_site_is_named(admin: httpx.AsyncClient) -> None:
    missing = "/api/v1/moderation/sites/nosuch/chat-alerts"
    assert_error(await admin.get(missing), 404, field="site")
    assert_error(await admin.put(missing, json={}), 404, field="site")


async def test_the_dashboard_sets_alerts_without_showing_secrets(
    admin: httpx.AsyncClient, receiver: Receiver
) -> None:
    csrf = admin.headers["X-CSRF-Token"]
    saved = await admin.post(
        "/admin/webhooks/news/chat",
        data={
            "csrf_token": csrf,
            "slack_url": receiver.url("/slack/secret-path"),
            "queue_threshold": "4",
            "report_threshold": "0",
        },
    )
    assert saved.status_code == 303, saved.text
    assert (await admin.get(PATH)).json()["queue_threshold"] == 4
    page = await admin.get("/admin/webhooks/news")
    assert ">one is set</span>" in page.text and "secret-path" not in page.text
    bad = await admin.post(
        "/admin/webhooks/news/chat",
        data={"csrf_token": csrf, "slack_url": receiver.url("/s"), "queue_threshold": "many"},
    )
    assert bad.status_code == 400
    assert "whole number" in bad.text
    assert (await admin.get(PATH)).json()["queue_threshold"] == 4  # nothing stored is lost
