"""Votes and reports from one client address without cookies count once.

60 ``POST …/vote`` from one address without a cookie jar made a score of 60, and four reports
from one address put a comment in the queue: each request without the voter cookie was a new
reader. Now a vote without the cookie counts once per address and comment (the rest answer
``429 rate_limited`` and change nothing), the new voters one address can make are limited, and
a report without the cookie counts for the address (hashed), which may report so many times.
Browsers that keep the cookie vote and change their vote as before. Rate limits are on here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from rostra.config import Settings
from rostra.services.registry import Services
from rostra.web.app import create_app
from tests.api.helpers import PAGE, assert_error, comment_body
from tests.api.staff_helpers import MODERATOR, add_staff, sign_in
from tests.conftest import ORIGIN, SECRET_KEY

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=SECRET_KEY,
        rate_limits=True,
        rate_limit_comments="1000/minute",
    )


@pytest.fixture
async def app(services: Services) -> Any:
    return create_app(services)


@pytest.fixture
async def at(app: Any) -> AsyncIterator[Any]:
    """Clients at a given address; each keeps cookies unless told not to."""
    opened: list[httpx.AsyncClient] = []

    def client(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 4000))  # type: ignore[arg-type]
        made = httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers={"Origin": ORIGIN}
        )
        opened.append(made)
        return made

    yield client
    for made in opened:
        await made.aclose()


async def _comment(at: Any, n: int = 0) -> str:
    response = await at(f"10.3.0.{n}").post(
        "/api/v1/comments", json=comment_body(author_email=f"a{n}@example.org")
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _score(client: httpx.AsyncClient, comment_id: str) -> int:
    listed = (await client.get("/api/v1/comments", params={"site": "news", "page": PAGE})).json()
    [found] = [c for c in listed["comments"] if c["id"] == comment_id]
    return int(found["score"])


async def test_sixty_votes_without_cookies_from_one_address_count_once(at: Any) -> None:
    comment = await _comment(at)
    stuffer = at("10.4.0.1")
    answers = []
    for _ in range(60):
        stuffer.cookies.clear()  # no cookie jar
        answers.append(await stuffer.post(f"/api/v1/comments/{comment}/vote", json={"value": 1}))
    assert answers[0].status_code == 200
    for refused in answers[1:]:
        assert_error(refused, 429, "rate_limited")
        assert "set-cookie" not in refused.headers
    assert await _score(at("10.4.0.9"), comment) == 1
    # Another address is another reader.
    other = await at("10.4.0.2").post(f"/api/v1/comments/{comment}/vote", json={"value": 1})
    assert other.status_code == 200
    assert await _score(at("10.4.0.9"), comment) == 2


async def test_sixty_reactions_without_cookies_from_one_address_count_once(at: Any) -> None:
    """Reactions pass the same limits as votes, under the same voter identity."""
    comment = await _comment(at)
    stuffer = at("10.4.5.1")
    path = f"/api/v1/comments/{comment}/reaction"
    answers = []
    for _ in range(60):
        stuffer.cookies.clear()
        answers.append(await stuffer.post(path, json={"reaction": "😡"}))
    assert answers[0].status_code == 200
    for refused in answers[1:]:
        assert_error(refused, 429, "rate_limited")
    listed = (
        await at("10.4.5.9").get("/api/v1/comments", params={"site": "news", "page": PAGE})
    ).json()
    [found] = [c for c in listed["comments"] if c["id"] == comment]
    assert found["reactions"] == {"😡": 1}
    # Its vote without the cookie is refused too: one new voter per address and comment.
    stuffer.cookies.clear()
    voted = await stuffer.post(f"/api/v1/comments/{comment}/vote", json={"value": -1})
    assert_error(voted, 429, "rate_limited")


async def test_a_browser_keeping_its_cookie_changes_its_vote_as_before(at: Any) -> None:
    comment = await _comment(at)
    reader = at("10.4.1.1")
    path = f"/api/v1/comments/{comment}/vote"
    assert (await reader.post(path, json={"value": 1})).json()["score"] == 1
    assert "rostra_voter" in reader.cookies
    assert (await reader.post(path, json={"value": -1})).json()["score"] == -1
    assert (await reader.post(path, json={"value": 0})).json()["score"] == 0
    # A second browser behind the same address (its own cookie) votes too.
    neighbour = at("10.4.1.1")
    assert (await neighbour.post(path, json={"value": 1})).status_code == 429  # no cookie yet
    neighbour.cookies.update(
        {
            "rostra_voter": (await at("10.4.1.2").post(path, json={"value": 1})).cookies[
                "rostra_voter"
            ]
        }
    )
    assert (await neighbour.post(path, json={"value": -1})).json()["my_vote"] == -1


async def test_one_address_cannot_collect_voter_identities(at: Any) -> None:
    comments = [await _comment(at, n) for n in range(25)]
    harvester = at("10.4.2.1")
    statuses = []
    for comment in comments:
        harvester.cookies.clear()
        response = await harvester.post(f"/api/v1/comments/{comment}/vote", json={"value": 1})
        statuses.append(response.status_code)
    assert statuses.count(200) == 20
    assert set(statuses[20:]) == {429}


async def test_reports_without_cookies_count_once_per_address(at: Any, services: Services) -> None:
    await add_staff(services, MODERATOR, "moderator")
    moderator = at("10.4.3.100")
    del moderator.headers["Origin"]  # the staff API is first-party
    await sign_in(moderator, MODERATOR)
    comment = await _comment(at)
    path = f"/api/v1/comments/{comment}/report"
    reporter = at("10.4.3.1")
    for _ in range(4):
        reporter.cookies.clear()
        assert (await reporter.post(path, json={"reason": "spam"})).status_code == 200
        assert "rostra_voter" not in reporter.cookies
    queue = (await moderator.get("/api/v1/moderation/queue")).json()["items"]
    assert queue == []
    # One address may report only so often, whatever it reports.
    for _ in range(2):
        answer = await reporter.post(path, json={"reason": "spam"})
    assert_error(answer, 429, "rate_limited")
    # Readers at three addresses reach the default threshold.
    for n in (2, 3):
        assert (await at(f"10.4.3.{n}").post(path, json={})).status_code == 200
    queue = (await moderator.get("/api/v1/moderation/queue")).json()["items"]
    assert [item["comment"]["id"] for item in queue] == [comment]
