"""GET /api/v1/events: a thread's changes as Server-Sent Events, read over a real socket."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from tests.api.helpers import OTHER_PAGE, PAGE, assert_error, comment_body

DEADLINE_SECONDS = 10.0


class EventStream:
    """Reads an SSE response message by message (``event``, ``data``, ``id``, comments)."""

    def __init__(self, response: httpx.Response) -> None:
        self._lines = response.aiter_lines()

    async def next_message(self) -> dict[str, str]:
        fields: dict[str, str] = {}
        async with asyncio.timeout(DEADLINE_SECONDS):
            async for line in self._lines:
                if line == "":
                    if fields:
                        return fields
                    continue
                if line.startswith(":"):
                    fields.setdefault("comment", line[1:].strip())
                    continue
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                fields[name] = f"{fields[name]}\n{value}" if name in fields else value
        raise AssertionError(f"the stream ended; last fields {fields}")

    async def next_event_message(self) -> dict[str, str]:
        """The next message naming an event, skipping heartbeats and other comments."""
        while True:
            message = await self.next_message()
            if "event" in message:
                return message

    async def next_event(self) -> tuple[str, dict[str, Any]]:
        """The next event's name and decoded data."""
        message = await self.next_event_message()
        return message["event"], json.loads(message["data"])


@asynccontextmanager
async def following(
    base_url: str, page: str = PAGE, last_event_id: str | None = None
) -> AsyncIterator[EventStream]:
    """An open event stream of ``page``, once the server has greeted the reader."""
    headers = {"Last-Event-ID": last_event_id} if last_event_id is not None else {}
    params = {"site": "news", "page": page}
    async with (
        httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=DEADLINE_SECONDS) as http,
        http.stream("GET", "/api/v1/events", params=params, headers=headers) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert "no-cache" in response.headers.get("cache-control", "")
        stream = EventStream(response)
        greeting = await stream.next_message()
        assert "event" not in greeting, greeting
        yield stream


@pytest.fixture
async def http(live_server: str) -> AsyncIterator[httpx.AsyncClient]:
    """A reader's client talking to the live server."""
    async with httpx.AsyncClient(
        base_url=live_server, trust_env=False, timeout=DEADLINE_SECONDS
    ) as client:
        yield client


async def publish(http: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await http.post("/api/v1/comments", json=comment_body(**overrides))
    assert response.status_code == 201, response.text
    posted: dict[str, Any] = response.json()
    return posted


async def test_new_comment_arrives_as_comment_created(
    live_server: str, http: httpx.AsyncClient
) -> None:
    async with following(live_server) as stream:
        comment = await publish(http)
        name, data = await stream.next_event()
    assert name == "comment.created"
    assert data["id"] == comment["id"]


async def test_reply_arrives_as_comment_created(live_server: str, http: httpx.AsyncClient) -> None:
    parent = await publish(http)
    async with following(live_server) as stream:
        reply = await publish(http, parent_id=parent["id"])
        name, data = await stream.next_event()
    assert (name, data["id"]) == ("comment.created", reply["id"])


async def test_edit_delete_and_vote_arrive_in_order(
    live_server: str, http: httpx.AsyncClient
) -> None:
    comment = await publish(http)
    token = {"X-Edit-Token": comment["edit_token"]}
    async with following(live_server) as stream:
        voted = await http.post(f"/api/v1/comments/{comment['id']}/vote", json={"value": 1})
        assert voted.status_code == 200, voted.text
        edited = await http.patch(
            f"/api/v1/comments/{comment['id']}", json={"body": "changed"}, headers=token
        )
        assert edited.status_code == 200, edited.text
        deleted = await http.delete(f"/api/v1/comments/{comment['id']}", headers=token)
        assert deleted.status_code == 204, deleted.text
        received = [await stream.next_event() for _ in range(3)]
    assert [name for name, _ in received] == ["vote.changed", "comment.updated", "comment.deleted"]
    assert all(data["id"] == comment["id"] for _, data in received)
    assert received[0][1]["score"] == 1


async def test_events_of_other_pages_are_not_sent(
    live_server: str, http: httpx.AsyncClient
) -> None:
    async with following(live_server) as stream:
        await publish(http, page=OTHER_PAGE)
        mine = await publish(http)
        name, data = await stream.next_event()
    assert (name, data["id"]) == ("comment.created", mine["id"])


async def test_refused_comment_sends_no_event(live_server: str, http: httpx.AsyncClient) -> None:
    async with following(live_server) as stream:
        refused = await http.post("/api/v1/comments", json=comment_body(body="   "))
        assert refused.status_code == 400
        honeypot = await http.post("/api/v1/comments", json=comment_body(website2="spam"))
        assert honeypot.status_code == 202
        published = await publish(http)
        name, data = await stream.next_event()
    assert (name, data["id"]) == ("comment.created", published["id"])


async def test_every_follower_receives_the_event(live_server: str, http: httpx.AsyncClient) -> None:
    async with following(live_server) as first, following(live_server) as second:
        comment = await publish(http)
        received = [await first.next_event(), await second.next_event()]
    assert received == [("comment.created", received[0][1])] * 2
    assert received[0][1]["id"] == comment["id"]


async def test_events_carry_increasing_ids(live_server: str, http: httpx.AsyncClient) -> None:
    async with following(live_server) as stream:
        await publish(http)
        await publish(http)
        first, second = await stream.next_event_message(), await stream.next_event_message()
    assert int(first["id"]) < int(second["id"])


async def test_reconnecting_with_last_event_id_replays_what_was_missed(
    live_server: str, http: httpx.AsyncClient
) -> None:
    seen = await publish(http)
    async with following(live_server) as stream:
        await publish(http, body="seen live")
        live = await stream.next_event_message()
    missed = [await publish(http, body=f"missed {n}") for n in range(2)]
    vote = await http.post(f"/api/v1/comments/{seen['id']}/vote", json={"value": 1})
    assert vote.status_code == 200, vote.text
    async with following(live_server, last_event_id=live["id"]) as stream:
        replayed = [await stream.next_event() for _ in range(3)]
        after = await publish(http, body="live again")
        then = await stream.next_event()
    assert replayed == [
        ("comment.created", {**replayed[0][1], "id": missed[0]["id"]}),
        ("comment.created", {**replayed[1][1], "id": missed[1]["id"]}),
        ("vote.changed", {**replayed[2][1], "id": seen["id"]}),
    ]
    assert then == ("comment.created", {**then[1], "id": after["id"]})


@pytest.mark.parametrize("last_event_id", ["abc", "-1", "1.5", "9" * 40])
async def test_garbage_last_event_id_is_refused(
    client: httpx.AsyncClient, last_event_id: str
) -> None:
    response = await client.get(
        "/api/v1/events",
        params={"site": "news", "page": PAGE},
        headers={"Last-Event-ID": last_event_id},
    )
    assert_error(response, 400, field="Last-Event-ID")


async def test_greeting_is_a_comment_that_browsers_do_not_dispatch(live_server: str) -> None:
    # EventSource dispatches any message with a data line, even an empty one, as a "message"
    # event; the greeting (and the heartbeats) must be comment lines only.
    async with (
        httpx.AsyncClient(base_url=live_server, trust_env=False, timeout=DEADLINE_SECONDS) as http,
        http.stream("GET", "/api/v1/events", params={"site": "news", "page": PAGE}) as response,
    ):
        greeting = await EventStream(response).next_message()
    assert greeting.get("comment")
    assert "data" not in greeting, greeting
    assert "event" not in greeting, greeting


async def test_events_of_unknown_site_are_not_found(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/events", params={"site": "nope", "page": PAGE})
    assert_error(response, 404, field="site")


@pytest.mark.parametrize(
    ("params", "field"),
    [({"site": "news"}, "page"), ({"page": PAGE}, "site"), ({"site": "news", "page": ""}, "page")],
    ids=["no-page", "no-site", "empty-page"],
)
async def test_events_without_site_or_page_are_refused(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    assert_error(await client.get("/api/v1/events", params=params), 400, field=field)
