"""Answers replayed until the next commit (rostra.web.middleware.settled): never stale, never
someone else's, and the layers outside (CORS, logs, metrics) still run for each request."""

from __future__ import annotations

from typing import Any

import httpx

from rostra.services.registry import Services
from tests.api.helpers import ORIGIN, PAGE, new_comment

COUNTS = "/api/v1/counts"


async def count(client: httpx.AsyncClient, **headers: str) -> int:
    response = await client.post(COUNTS, json={"site": "news", "pages": [PAGE]}, headers=headers)
    assert response.status_code == 200, response.text
    return int(response.json()["counts"][PAGE])


async def test_a_kept_count_moves_with_a_comment_posted_here(client: httpx.AsyncClient) -> None:
    assert await count(client) == 0
    assert await count(client) == 0
    await new_comment(client)
    assert await count(client) == 1


async def test_a_kept_count_moves_with_a_comment_posted_by_another_worker(
    client: httpx.AsyncClient, other_worker: httpx.AsyncClient
) -> None:
    await new_comment(client)
    assert await count(client) == 1
    assert await count(client) == 1
    await new_comment(other_worker, author_name="Ben Elsewhere", body="From the other worker.")
    assert await count(client) == 2


async def test_a_kept_thread_page_moves_with_a_new_comment(client: httpx.AsyncClient) -> None:
    first = await new_comment(client)
    params = {"site": "news", "page": PAGE}
    before = (await client.get("/api/v1/comments", params=params)).json()
    again = (await client.get("/api/v1/comments", params=params)).json()
    assert [c["id"] for c in before["comments"]] == [c["id"] for c in again["comments"]]
    second = await new_comment(client, body="A later thought.")
    after = (await client.get("/api/v1/comments", params=params)).json()
    assert {c["id"] for c in after["comments"]} == {first["id"], second["id"]}
    assert after["thread"]["comment_count"] == 2


async def test_each_origin_gets_its_own_cors_answer(
    client: httpx.AsyncClient, other_site: str, services: Services
) -> None:
    await count(client, origin=ORIGIN)
    response = await client.post(
        COUNTS,
        json={"site": "news", "pages": [PAGE]},
        headers={"origin": "https://other.example"},
    )
    assert response.status_code == 200
    assert response.headers.get_list("access-control-allow-origin") == ["https://other.example"]
    plain = await client.post(COUNTS, json={"site": "news", "pages": [PAGE]})
    assert "access-control-allow-origin" not in plain.headers
    assert plain.headers.get_list("x-request-id") and len(plain.headers.get_list("vary")) <= 1


async def test_a_voter_sees_their_own_vote_after_anonymous_reads(
    client: httpx.AsyncClient, second_client: httpx.AsyncClient
) -> None:
    posted = await new_comment(client)
    params = {"site": "news", "page": PAGE}
    for _ in range(2):  # an anonymous reader's answer is kept
        anonymous = (await second_client.get("/api/v1/comments", params=params)).json()
        assert anonymous["comments"][0]["my_vote"] == 0
    voted = await client.post(f"/api/v1/comments/{posted['id']}/vote", json={"value": 1})
    assert voted.status_code == 200, voted.text
    mine = (await client.get("/api/v1/comments", params=params)).json()
    assert mine["comments"][0]["my_vote"] == 1
    anonymous = (await second_client.get("/api/v1/comments", params=params)).json()
    assert anonymous["comments"][0]["my_vote"] == 0
    assert anonymous["comments"][0]["score"] == 1


async def test_refusals_are_not_kept(client: httpx.AsyncClient) -> None:
    for _ in range(2):
        response = await client.post(COUNTS, json={"site": "news", "pages": "not a list"})
        assert response.status_code == 400
        assert response.json()["error"]["field"] == "pages"
    missing = await client.post(COUNTS, json={"site": "nowhere", "pages": [PAGE]})
    assert missing.status_code == 404
    assert await count(client) == 0


async def test_a_large_question_is_answered_without_being_kept(client: httpx.AsyncClient) -> None:
    await new_comment(client)
    pages: list[Any] = [PAGE] + [f"/{'long-path-' * 20}{n}" for n in range(99)]
    body = {"site": "news", "pages": pages}
    for _ in range(2):
        response = await client.post(COUNTS, json=body)
        assert response.status_code == 200, response.text
        assert response.json()["counts"][PAGE] == 1


async def test_replayed_answers_are_counted_under_their_route(client: httpx.AsyncClient) -> None:
    for _ in range(3):
        await count(client)
    text = (await client.get("/metrics")).text
    line = (
        'rostra_http_request_duration_seconds_count{method="POST",'
        'route="/api/v1/counts",status="200"} 3.0'
    )
    assert line in text.splitlines()
