"""POST /api/v1/comments/{id}/reaction: one reaction per reader from the site's set, counted on
the comment, shown in thread pages and sortable ("Most reacted")."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from rostra.domain.errors import ValidationError
from rostra.domain.reactions import DEFAULT_REACTIONS
from rostra.services.registry import Services
from tests.api.account_helpers import enable_sso, mint, sign_in
from tests.api.helpers import assert_error, new_comment, read_thread, walk
from tests.conftest import MovableClock


async def react(client: httpx.AsyncClient, comment_id: str, reaction: Any) -> httpx.Response:
    return await client.post(f"/api/v1/comments/{comment_id}/reaction", json={"reaction": reaction})


async def reacted(client: httpx.AsyncClient, comment_id: str, reaction: Any) -> dict[str, Any]:
    response = await react(client, comment_id, reaction)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def shown(listed: dict[str, Any], comment_id: str) -> dict[str, Any]:
    [comment] = [c for _, c in walk(listed["comments"]) if c["id"] == comment_id]
    return comment


async def test_thread_pages_name_the_sites_reactions(client: httpx.AsyncClient) -> None:
    empty = await read_thread(client)  # no thread yet: the site's set all the same
    assert empty["thread"]["reactions"] == list(DEFAULT_REACTIONS)
    comment = await new_comment(client)
    listed = await read_thread(client)
    assert listed["thread"]["reactions"] == list(DEFAULT_REACTIONS)
    assert shown(listed, comment["id"])["reactions"] == {}
    assert shown(listed, comment["id"])["my_reaction"] is None


async def test_set_replace_and_remove_a_reaction(
    client: httpx.AsyncClient, second_client: httpx.AsyncClient
) -> None:
    comment = await new_comment(client)
    first = await reacted(second_client, comment["id"], "👍")
    assert first == {"reactions": {"👍": 1}, "my_reaction": "👍"}
    assert second_client.cookies.get("rostra_voter")  # the voter cookie votes use
    replaced = await reacted(second_client, comment["id"], "😮")
    assert replaced == {"reactions": {"😮": 1}, "my_reaction": "😮"}
    again = await reacted(second_client, comment["id"], "😮")  # the same again: counted once
    assert again == {"reactions": {"😮": 1}, "my_reaction": "😮"}
    removed = await reacted(second_client, comment["id"], None)
    assert removed == {"reactions": {}, "my_reaction": None}
    assert shown(await read_thread(second_client), comment["id"])["reactions"] == {}


async def test_counts_add_up_across_readers_and_each_sees_their_own(
    client: httpx.AsyncClient, second_client: httpx.AsyncClient, services: Services
) -> None:
    root = await new_comment(client)
    reply = await new_comment(client, parent_id=root["id"])
    anonymous = await read_thread(client)  # kept answers and pages must move on
    assert shown(anonymous, root["id"])["reactions"] == {}
    await reacted(client, root["id"], "❤️")
    await reacted(second_client, root["id"], "❤️")
    await reacted(second_client, reply["id"], "😂")
    theirs = await reacted(client, reply["id"], "😢")
    assert theirs["reactions"] == {"😂": 1, "😢": 1}
    mine, others = await read_thread(client), await read_thread(second_client)
    assert shown(mine, root["id"])["reactions"] == {"❤️": 2}
    assert (shown(mine, root["id"])["my_reaction"], shown(mine, reply["id"])["my_reaction"]) == (
        "❤️",
        "😢",
    )
    assert shown(others, reply["id"])["my_reaction"] == "😂"
    # A reader without a voter cookie gets the shared page, with the new counts.
    async with httpx.AsyncClient(
        transport=client._transport, base_url="http://testserver"
    ) as stranger:
        listed = await read_thread(stranger)
    assert shown(listed, root["id"])["reactions"] == {"❤️": 2}
    assert shown(listed, root["id"])["my_reaction"] is None
    assert shown(listed, reply["id"])["reactions"] == {"😂": 1, "😢": 1}


async def test_most_reacted_sort_follows_changed_reactions(
    client: httpx.AsyncClient, second_client: httpx.AsyncClient
) -> None:
    first, second, third = [await new_comment(client) for _ in range(3)]
    await reacted(client, first["id"], "👍")
    await reacted(second_client, first["id"], "😡")
    await reacted(client, second["id"], "👍")
    listed = await read_thread(client, sort="reactions")
    assert [c["id"] for c in listed["comments"]] == [first["id"], second["id"], third["id"]]
    await reacted(client, first["id"], None)
    await reacted(second_client, first["id"], None)
    await reacted(second_client, third["id"], "😂")
    await reacted(client, third["id"], "😂")
    listed = await read_thread(client, sort="reactions")
    assert [c["id"] for c in listed["comments"]] == [third["id"], second["id"], first["id"]]


async def test_most_reacted_pages_continue_without_repeats(client: httpx.AsyncClient) -> None:
    comments = [await new_comment(client) for _ in range(5)]
    for n, comment in enumerate(comments[:3]):
        for reaction in DEFAULT_REACTIONS[: n + 1]:
            await reacted(client, comment["id"], None)  # one reader: the last one counts
            await reacted(client, comment["id"], reaction)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"sort": "reactions", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await read_thread(client, **params)
        seen += [c["id"] for c in page["comments"]]
        if not (cursor := page["next_cursor"]):
            break
    assert sorted(seen) == sorted(c["id"] for c in comments)
    assert len(seen) == len(set(seen)) == 5


async def test_a_votes_cursor_is_refused_for_most_reacted(client: httpx.AsyncClient) -> None:
    for _ in range(3):
        await new_comment(client)
    page = await read_thread(client, sort="votes", limit=1)
    response = await client.get(
        "/api/v1/comments",
        params={
            "site": "news",
            "page": "/2026/11/article",
            "sort": "reactions",
            "limit": 1,
            "cursor": page["next_cursor"],
        },
    )
    assert_error(response, 400, field="cursor")


BAD_REACTIONS = {
    "unknown-emoji": "🦄",
    "text": "like",
    "number": 1,
    "true": True,
    "list": ["👍"],
    "object": {"emoji": "👍"},
    "too-long": "👍" * 40,
}


@pytest.mark.parametrize("value", BAD_REACTIONS.values(), ids=BAD_REACTIONS.keys())
async def test_a_reaction_the_site_does_not_offer_is_refused(
    client: httpx.AsyncClient, value: Any
) -> None:
    comment = await new_comment(client)
    assert_error(await react(client, comment["id"], value), 400, field="reaction")
    assert shown(await read_thread(client), comment["id"])["reactions"] == {}


async def test_a_body_without_reaction_or_with_more_is_refused(client: httpx.AsyncClient) -> None:
    comment = await new_comment(client)
    path = f"/api/v1/comments/{comment['id']}/reaction"
    assert_error(await client.post(path, json={}), 400, field="reaction")
    assert_error(await client.post(path, json={"reaction": "👍", "value": 1}), 400)


async def test_reacting_to_missing_or_deleted_comments_is_not_found(
    client: httpx.AsyncClient,
) -> None:
    assert_error(await react(client, "no-such-comment", "👍"), 404, field="id")
    comment = await new_comment(client)
    deleted = await client.delete(
        f"/api/v1/comments/{comment['id']}", headers={"X-Edit-Token": comment["edit_token"]}
    )
    assert deleted.status_code == 204
    assert_error(await react(client, comment["id"], "👍"), 404, field="id")


async def test_a_site_chooses_its_own_reactions_or_labels(
    client: httpx.AsyncClient, second_client: httpx.AsyncClient, services: Services
) -> None:
    comment = await new_comment(client)
    await reacted(second_client, comment["id"], "👍")
    site = await services.reactions.set_site_reactions("news", ["Agree", "Insightful", "👍"])
    assert site.reactions == ("Agree", "Insightful", "👍")
    listed = await read_thread(client)
    assert listed["thread"]["reactions"] == ["Agree", "Insightful", "👍"]
    assert (await reacted(client, comment["id"], "Insightful"))["reactions"] == {
        "👍": 1,
        "Insightful": 1,
    }
    assert_error(await react(client, comment["id"], "❤️"), 400, field="reaction")
    # Counts of a reaction no longer offered stay; nobody can add to them.
    await services.reactions.set_site_reactions("news", ["Agree"])
    listed = await read_thread(client)
    assert listed["thread"]["reactions"] == ["Agree"]
    assert shown(listed, comment["id"])["reactions"] == {"👍": 1, "Insightful": 1}
    await services.reactions.set_site_reactions("news", None)
    assert (await read_thread(client))["thread"]["reactions"] == list(DEFAULT_REACTIONS)


async def test_a_site_without_reactions_refuses_them(
    client: httpx.AsyncClient, services: Services
) -> None:
    comment = await new_comment(client)
    await services.reactions.set_site_reactions("news", [])
    assert "reactions" not in (await read_thread(client))["thread"]  # left out: none offered
    response = await react(client, comment["id"], "👍")
    body = assert_error(response, 400, field="reaction")
    assert "does not offer reactions" in body["message"]


BAD_SETS: dict[str, Any] = {
    "twice": ["👍", "👍"],
    "empty-label": ["👍", " "],
    "too-many": [str(n) for n in range(9)],
    "too-long": ["x" * 25],
    "control": ["a\x07b"],
    "not-text": [1],
}


@pytest.mark.parametrize("chosen", BAD_SETS.values(), ids=BAD_SETS.keys())
async def test_a_bad_set_of_reactions_is_refused_and_keeps_the_old_one(
    client: httpx.AsyncClient, services: Services, chosen: Any
) -> None:
    with pytest.raises(ValidationError) as refused:
        await services.reactions.set_site_reactions("news", chosen)
    assert refused.value.field == "reactions"
    assert (await read_thread(client))["thread"]["reactions"] == list(DEFAULT_REACTIONS)


async def test_a_signed_in_reader_cannot_react_to_their_own_comment(
    client: httpx.AsyncClient,
    second_client: httpx.AsyncClient,
    services: Services,
    clock: MovableClock,
) -> None:
    await enable_sso(services)
    await sign_in(client, mint(clock.now()))
    own = await new_comment(client)
    assert_error(await react(client, own["id"], "👍"), 403, "own_comment", "id")
    assert shown(await read_thread(client), own["id"])["reactions"] == {}
    # Someone else may, and the author's reactions to others count.
    assert (await reacted(second_client, own["id"], "👍"))["reactions"] == {"👍": 1}
    theirs = await new_comment(second_client)
    assert (await reacted(client, theirs["id"], "😂"))["my_reaction"] == "😂"
