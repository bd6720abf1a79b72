"""POST /api/v1/comments/{id}/vote: one vote per reader through the signed voter cookie."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.helpers import assert_error, new_comment, read_thread, walk

VOTER_COOKIE = "rostra_voter"


async def vote(client: httpx.AsyncClient, comment_id: str, value: Any) -> httpx.Response:
    return await client.post(f"/api/v1/comments/{comment_id}/vote", json={"value": value})


async def tally(client: httpx.AsyncClient, comment_id: str, value: Any) -> dict[str, int]:
    response = await vote(client, comment_id, value)
    assert response.status_code == 200, response.text
    result: dict[str, int] = response.json()
    return result


def shown(listed: dict[str, Any], comment_id: str) -> dict[str, Any]:
    [comment] = [c for _, c in walk(listed["comments"]) if c["id"] == comment_id]
    return comment


async def test_first_vote_sets_an_http_only_voter_cookie(client: httpx.AsyncClient) -> None:
    comment = await new_comment(client)
    response = await vote(client, comment["id"], 1)
    assert response.status_code == 200, response.text
    assert response.json() == {"score": 1, "upvotes": 1, "downvotes": 0, "my_vote": 1}
    [set_cookie] = response.headers.get_list("set-cookie")
    attributes = [part.strip().lower() for part in set_cookie.split(";")]
    assert set_cookie.startswith(f"{VOTER_COOKIE}=")
    assert "httponly" in attributes
    assert client.cookies.get(VOTER_COOKIE)


async def test_later_votes_keep_the_same_cookie(client: httpx.AsyncClient) -> None:
    first, second = await new_comment(client), await new_comment(client)
    await tally(client, first["id"], 1)
    cookie = client.cookies.get(VOTER_COOKIE)
    response = await vote(client, second["id"], 1)
    assert response.status_code == 200
    assert "set-cookie" not in response.headers
    assert client.cookies.get(VOTER_COOKIE) == cookie


async def test_same_reader_changes_and_withdraws_a_vote(client: httpx.AsyncClient) -> None:
    comment = await new_comment(client)
    assert await tally(client, comment["id"], 1) == {
        "score": 1,
        "upvotes": 1,
        "downvotes": 0,
        "my_vote": 1,
    }
    assert await tally(client, comment["id"], -1) == {
        "score": -1,
        "upvotes": 0,
        "downvotes": 1,
        "my_vote": -1,
    }
    assert await tally(client, comment["id"], 0) == {
        "score": 0,
        "upvotes": 0,
        "downvotes": 0,
        "my_vote": 0,
    }


async def test_repeating_the_same_vote_counts_once(client: httpx.AsyncClient) -> None:
    comment = await new_comment(client)
    for _ in range(3):
        result = await tally(client, comment["id"], 1)
    assert result == {"score": 1, "upvotes": 1, "downvotes": 0, "my_vote": 1}
    assert shown(await read_thread(client), comment["id"])["upvotes"] == 1


async def test_withdrawing_without_a_vote_changes_nothing(client: httpx.AsyncClient) -> None:
    comment = await new_comment(client)
    assert await tally(client, comment["id"], 0) == {
        "score": 0,
        "upvotes": 0,
        "downvotes": 0,
        "my_vote": 0,
    }


async def test_a_second_reader_counts_separately(
    client: httpx.AsyncClient, second_client: httpx.AsyncClient
) -> None:
    comment = await new_comment(client)
    await tally(client, comment["id"], 1)
    assert await tally(second_client, comment["id"], -1) == {
        "score": 0,
        "upvotes": 1,
        "downvotes": 1,
        "my_vote": -1,
    }
    assert await tally(second_client, comment["id"], 1) == {
        "score": 2,
        "upvotes": 2,
        "downvotes": 0,
        "my_vote": 1,
    }
    assert client.cookies.get(VOTER_COOKIE) != second_client.cookies.get(VOTER_COOKIE)


async def test_listing_shows_each_reader_their_own_vote(
    client: httpx.AsyncClient, second_client: httpx.AsyncClient
) -> None:
    root = await new_comment(client)
    reply = await new_comment(client, parent_id=root["id"])
    await tally(client, root["id"], 1)
    await tally(client, reply["id"], -1)
    await tally(second_client, root["id"], -1)
    mine = await read_thread(client)
    theirs = await read_thread(second_client)
    assert (shown(mine, root["id"])["my_vote"], shown(mine, reply["id"])["my_vote"]) == (1, -1)
    assert (shown(theirs, root["id"])["my_vote"], shown(theirs, reply["id"])["my_vote"]) == (-1, 0)
    for listed in (mine, theirs):
        assert shown(listed, root["id"])["upvotes"] == 1
        assert shown(listed, root["id"])["downvotes"] == 1
        assert shown(listed, root["id"])["score"] == 0
        assert shown(listed, reply["id"])["score"] == -1


async def test_reader_without_a_cookie_sees_no_vote_of_their_own(
    client: httpx.AsyncClient, second_client: httpx.AsyncClient
) -> None:
    comment = await new_comment(client)
    await tally(client, comment["id"], 1)
    listed = await read_thread(second_client)
    assert shown(listed, comment["id"])["my_vote"] == 0
    assert shown(listed, comment["id"])["upvotes"] == 1


@pytest.mark.parametrize(
    "forged",
    ["garbage", "", "a" * 5_000, "eyJ2b3RlciI6ICJhZG1pbiJ9.forged", '"quoted"', "!!.!!.!!"],
    ids=["garbage", "empty", "huge", "fake-signature", "quoted", "punctuation"],
)
async def test_forged_voter_cookie_is_treated_as_a_new_voter(
    client: httpx.AsyncClient, second_client: httpx.AsyncClient, forged: str
) -> None:
    comment = await new_comment(client)
    await tally(client, comment["id"], 1)
    second_client.cookies.set(VOTER_COOKIE, forged, domain="testserver.local", path="/api/")
    listed = await read_thread(second_client)
    assert shown(listed, comment["id"])["my_vote"] == 0
    response = await vote(second_client, comment["id"], 1)
    assert response.status_code == 200, response.text
    assert response.json()["upvotes"] == 2
    assert f"{VOTER_COOKIE}=" in response.headers["set-cookie"]


async def test_tampered_voter_cookie_does_not_take_over_the_vote(
    client: httpx.AsyncClient, second_client: httpx.AsyncClient
) -> None:
    comment = await new_comment(client)
    await tally(client, comment["id"], 1)
    genuine = client.cookies.get(VOTER_COOKIE)
    assert genuine
    payload, signature = genuine.rsplit(".", 1)
    # The first character of the signature carries six whole bits (the last may be padding).
    tampered = f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    second_client.cookies.set(VOTER_COOKIE, tampered, domain="testserver.local", path="/api/")
    assert shown(await read_thread(second_client), comment["id"])["my_vote"] == 0
    result = await tally(second_client, comment["id"], -1)
    assert result == {"score": 0, "upvotes": 1, "downvotes": 1, "my_vote": -1}


async def test_genuine_cookie_carries_the_vote_to_another_client(
    client: httpx.AsyncClient, second_client: httpx.AsyncClient
) -> None:
    comment = await new_comment(client)
    await tally(client, comment["id"], 1)
    genuine = client.cookies.get(VOTER_COOKIE)
    assert genuine
    second_client.cookies.set(VOTER_COOKIE, genuine, domain="testserver.local", path="/api/")
    assert shown(await read_thread(second_client), comment["id"])["my_vote"] == 1
    assert await tally(second_client, comment["id"], 1) == {
        "score": 1,
        "upvotes": 1,
        "downvotes": 0,
        "my_vote": 1,
    }


BAD_VOTES = {
    "2": 2,
    "-2": -2,
    "string-1": "1",
    "string-minus-1": "-1",
    "true": True,
    "false": False,
    "float-1": 1.0,
    "half": 0.5,
    "null": None,
    "list": [1],
    "object": {"up": 1},
}


@pytest.mark.parametrize("value", BAD_VOTES.values(), ids=BAD_VOTES.keys())
async def test_vote_value_other_than_one_minus_one_or_zero_is_refused(
    client: httpx.AsyncClient, value: Any
) -> None:
    comment = await new_comment(client)
    assert_error(await vote(client, comment["id"], value), 400, field="value")
    assert shown(await read_thread(client), comment["id"])["score"] == 0


async def test_vote_without_a_value_is_refused(client: httpx.AsyncClient) -> None:
    comment = await new_comment(client)
    response = await client.post(f"/api/v1/comments/{comment['id']}/vote", json={})
    assert_error(response, 400, field="value")


async def test_vote_on_unknown_comment_is_not_found(client: httpx.AsyncClient) -> None:
    assert_error(await vote(client, "no-such-comment", 1), 404)


async def test_vote_on_deleted_comment_is_not_found(client: httpx.AsyncClient) -> None:
    comment = await new_comment(client)
    deleted = await client.delete(
        f"/api/v1/comments/{comment['id']}", headers={"X-Edit-Token": comment["edit_token"]}
    )
    assert deleted.status_code == 204
    assert_error(await vote(client, comment["id"], 1), 404)


async def test_sort_by_votes_follows_changed_votes(
    client: httpx.AsyncClient, second_client: httpx.AsyncClient
) -> None:
    first, second = await new_comment(client), await new_comment(client)
    await tally(client, first["id"], 1)
    listed = await read_thread(client, sort="votes")
    assert [c["id"] for c in listed["comments"]] == [first["id"], second["id"]]
    await tally(client, first["id"], -1)
    await tally(second_client, second["id"], 1)
    listed = await read_thread(client, sort="votes")
    assert [c["id"] for c in listed["comments"]] == [second["id"], first["id"]]
    assert [c["score"] for c in listed["comments"]] == [1, -1]


async def test_a_reader_cannot_vote_on_their_own_comment(
    client: httpx.AsyncClient, services: Any
) -> None:
    """A reader who has the voter cookie posts; their votes on that comment are refused with a
    4xx naming the comment, and nothing is counted. Another reader still votes."""
    from rostra.web.app import create_app

    other = await new_comment(client)
    await tally(client, other["id"], 1)  # the first vote hands out the voter cookie
    mine = await new_comment(client)
    for value in (1, -1, 0):
        assert_error(await vote(client, mine["id"], value), 403, "own_comment", "id")
    assert shown(await read_thread(client), mine["id"])["upvotes"] == 0
    transport = httpx.ASGITransport(app=create_app(services), client=("10.9.0.1", 4000))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as neighbour:
        assert (await tally(neighbour, mine["id"], 1))["upvotes"] == 1
