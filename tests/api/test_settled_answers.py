"""Answers replayed until the next commit (rostra.web.middleware.settled): never stale, never
someone else's, and the layers outside (CORS, logs, metrics) still run for each request."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from rostra.services.registry import Services
from tests.api.helpers import ORIGIN, OTHER_PAGE, PAGE, new_comment, read_thread
from tests.api.staff_helpers import ADMIN, add_staff, sign_in

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


class Reads:
    """Counts the thread pages the app itself reads (kept answers never reach it)."""

    def __init__(self, services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = services.comments.read_thread

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return await real(*args, **kwargs)

        monkeypatch.setattr(services.comments, "read_thread", counted)


async def test_a_kept_page_outlives_comments_posted_to_other_pages(
    client: httpx.AsyncClient,
    second_client: httpx.AsyncClient,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if await services.answer_token() is None:
        pytest.skip("PostgreSQL without Redis has no commit token: every read goes through")
    await new_comment(second_client)
    first = await client.get("/api/v1/comments", params={"site": "news", "page": PAGE})
    reads = Reads(services, monkeypatch)
    for n in range(3):  # comments elsewhere on the site
        await new_comment(second_client, page=OTHER_PAGE, body=f"Elsewhere {n}.")
        again = await client.get("/api/v1/comments", params={"site": "news", "page": PAGE})
        assert again.content == first.content
    assert reads.count == 0
    await new_comment(second_client, body="On this very page.")
    after = await read_thread(client)
    assert reads.count == 1
    assert after["thread"]["comment_count"] == 2
    assert any("On this very page." in c["body_html"] for c in after["comments"])


async def test_a_kept_page_shows_a_vote_a_closing_and_a_new_read_only_age(
    client: httpx.AsyncClient,
    second_client: httpx.AsyncClient,
    services: Services,
    clock: Any,
) -> None:
    posted = await new_comment(second_client)
    assert (await read_thread(client))["comments"][0]["score"] == 0
    voted = await second_client.post(f"/api/v1/comments/{posted['id']}/vote", json={"value": 1})
    assert voted.status_code == 200, voted.text
    assert (await read_thread(client))["comments"][0]["score"] == 1

    clock.advance(days=3)
    await add_staff(services, ADMIN, "admin")
    await sign_in(second_client, ADMIN)
    settings = (await second_client.get("/api/v1/moderation/sites/news/settings")).json()
    assert (await read_thread(client))["thread"].get("settings") is None
    saved = await second_client.put(
        "/api/v1/moderation/sites/news/settings", json={**settings, "read_only_after_days": 2}
    )
    assert saved.status_code == 200, saved.text
    assert (await read_thread(client))["thread"]["settings"]["closed"] is True  # the site's age

    reopened = await second_client.put(
        "/api/v1/moderation/sites/news/settings", json={**settings, "read_only_after_days": 0}
    )
    assert reopened.status_code == 200, reopened.text
    assert (await read_thread(client))["thread"].get("settings") is None
    thread = await services.editorial.find_thread("news", PAGE)  # type: ignore[union-attr]
    await services.editorial.close("admin", thread.id)  # type: ignore[union-attr]
    assert (await read_thread(client))["thread"]["settings"]["closed"] is True


async def test_a_kept_page_of_a_thread_crossing_its_read_only_age_shows_it_closed(
    client: httpx.AsyncClient, second_client: httpx.AsyncClient, services: Services, clock: Any
) -> None:
    await add_staff(services, ADMIN, "admin")
    await sign_in(second_client, ADMIN)
    settings = (await second_client.get("/api/v1/moderation/sites/news/settings")).json()
    saved = await second_client.put(
        "/api/v1/moderation/sites/news/settings", json={**settings, "read_only_after_days": 2}
    )
    assert saved.status_code == 200, saved.text
    await new_comment(second_client)
    assert (await read_thread(client))["thread"].get("settings") is None
    clock.advance(days=2, seconds=1)
    # Something is committed elsewhere; this thread's row is unchanged, but its age passed.
    await new_comment(second_client, page=OTHER_PAGE)
    assert (await read_thread(client))["thread"]["settings"]["closed"] is True
