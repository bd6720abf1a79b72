"""PATCH and DELETE /api/v1/comments/{id}: the author's edit token, the window, placeholders."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.helpers import (
    PAGE,
    all_ids,
    assert_error,
    comment_count,
    new_comment,
    parse_time,
    read_thread,
)
from tests.conftest import MovableClock


async def edit(
    client: httpx.AsyncClient, comment: dict[str, Any], body: str, token: str | None = None
) -> httpx.Response:
    token = comment["edit_token"] if token is None else token
    headers = {"X-Edit-Token": token} if token else {}
    return await client.patch(
        f"/api/v1/comments/{comment['id']}", json={"body": body}, headers=headers
    )


async def delete(
    client: httpx.AsyncClient, comment: dict[str, Any], token: str | None = None
) -> httpx.Response:
    token = comment["edit_token"] if token is None else token
    headers = {"X-Edit-Token": token} if token else {}
    return await client.delete(f"/api/v1/comments/{comment['id']}", headers=headers)


# Editing


async def test_author_edits_within_the_window(
    client: httpx.AsyncClient, clock: MovableClock
) -> None:
    comment = await new_comment(client, body="first *draft*")
    clock.advance(minutes=14)
    response = await edit(client, comment, "second **draft**")
    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["id"] == comment["id"]
    assert edited["body_html"] == "<p>second <strong>draft</strong></p>"
    assert edited["edited_at"] is not None
    assert parse_time(edited["edited_at"]) > parse_time(comment["created_at"])
    assert edited["created_at"] == comment["created_at"]
    assert "edit_token" not in edited
    [shown] = (await read_thread(client))["comments"]
    assert shown["body_html"] == edited["body_html"]
    assert shown["edited_at"] == edited["edited_at"]


async def test_edited_text_replaces_the_old_text_everywhere(client: httpx.AsyncClient) -> None:
    comment = await new_comment(client, body="an embarrassing typo")
    assert (await edit(client, comment, "a corrected sentence")).status_code == 200
    listing = await client.get("/api/v1/comments", params={"site": "news", "page": PAGE})
    assert "embarrassing" not in listing.text
    assert "a corrected sentence" in listing.text


async def test_edit_is_sanitized_like_a_new_comment(client: httpx.AsyncClient) -> None:
    comment = await new_comment(client)
    response = await edit(client, comment, "<script>alert(1)</script> [x](javascript:alert(1))")
    assert response.status_code == 200, response.text
    assert "<script" not in response.json()["body_html"]
    assert "href" not in response.json()["body_html"]


async def test_edit_with_a_wrong_token_is_forbidden(client: httpx.AsyncClient) -> None:
    comment = await new_comment(client, body="original")
    other = await new_comment(client)
    for token in ("not-the-token", other["edit_token"]):
        assert_error(await edit(client, comment, "hijacked", token), 403)
    [shown] = [c for c in (await read_thread(client))["comments"] if c["id"] == comment["id"]]
    assert shown["body_html"] == "<p>original</p>"
    assert shown["edited_at"] is None


async def test_edit_without_a_token_is_forbidden(client: httpx.AsyncClient) -> None:
    comment = await new_comment(client, body="original")
    assert_error(await edit(client, comment, "hijacked", token=""), 403)
    assert "hijacked" not in (await client.get(f"/api/v1/comments?site=news&page={PAGE}")).text


async def test_edit_after_the_window_is_refused(
    client: httpx.AsyncClient, clock: MovableClock
) -> None:
    comment = await new_comment(client, body="original")
    clock.advance(minutes=16)
    assert_error(await edit(client, comment, "too late"), 403, code="edit_window_closed")
    [shown] = (await read_thread(client))["comments"]
    assert shown["body_html"] == "<p>original</p>"


@pytest.mark.parametrize(
    ("body", "field"),
    [("", "body"), ("   ", "body"), ("x" * 10_001, "body"), (None, "body"), (5, "body")],
    ids=["empty", "whitespace", "too-long", "null", "number"],
)
async def test_edit_breaking_the_body_rules_is_refused(
    client: httpx.AsyncClient, body: Any, field: str
) -> None:
    comment = await new_comment(client, body="original")
    response = await client.patch(
        f"/api/v1/comments/{comment['id']}",
        json={"body": body},
        headers={"X-Edit-Token": comment["edit_token"]},
    )
    assert_error(response, 400, field=field)
    assert (await read_thread(client))["comments"][0]["body_html"] == "<p>original</p>"


async def test_edit_of_unknown_comment_is_not_found(client: httpx.AsyncClient) -> None:
    response = await client.patch(
        "/api/v1/comments/no-such-comment", json={"body": "x"}, headers={"X-Edit-Token": "t"}
    )
    assert_error(response, 404)


async def test_edit_after_delete_is_not_found(client: httpx.AsyncClient) -> None:
    comment = await new_comment(client)
    assert (await delete(client, comment)).status_code == 204
    assert_error(await edit(client, comment, "back from the dead"), 404)
    assert "back from the dead" not in str(await read_thread(client))


# Deleting


async def test_author_deletes_a_leaf_and_it_disappears(client: httpx.AsyncClient) -> None:
    root = await new_comment(client)
    leaf = await new_comment(client, parent_id=root["id"], body="regrettable words")
    response = await delete(client, leaf)
    assert response.status_code == 204, response.text
    assert response.content == b""
    listed = await read_thread(client)
    assert all_ids(listed) == [root["id"]]
    assert listed["comments"][0]["reply_count"] == 0
    assert listed["thread"]["comment_count"] == 1
    assert await comment_count(client) == 1
    assert "regrettable" not in str(listed)


async def test_deleted_top_level_comment_without_replies_disappears(
    client: httpx.AsyncClient,
) -> None:
    comment = await new_comment(client)
    assert (await delete(client, comment)).status_code == 204
    listed = await read_thread(client)
    assert listed["comments"] == []
    assert listed["thread"]["comment_count"] == 0


async def test_deleted_comment_with_replies_stays_as_a_placeholder(
    client: httpx.AsyncClient,
) -> None:
    root = await new_comment(
        client,
        body="words to forget",
        author_name="Forgettable Author",
        author_url="https://forgettable.example",
        anchor={"exact": "forgettable passage"},
    )
    reply = await new_comment(client, parent_id=root["id"], body="an answer")
    assert (await delete(client, root)).status_code == 204
    listed = await read_thread(client)
    [placeholder] = listed["comments"]
    assert placeholder["id"] == root["id"]
    assert placeholder["status"] == "deleted"
    assert placeholder["body_html"] == ""
    assert placeholder["author"]["name"] == ""
    assert placeholder["anchor"] is None
    assert [r["id"] for r in placeholder["replies"]] == [reply["id"]]
    assert placeholder["reply_count"] == 1
    assert listed["thread"]["comment_count"] == 1
    text = str(listed)
    for secret in ("words to forget", "Forgettable", "forgettable.example", "forgettable passage"):
        assert secret not in text


async def test_placeholder_disappears_once_its_last_reply_is_deleted(
    client: httpx.AsyncClient,
) -> None:
    root = await new_comment(client)
    reply = await new_comment(client, parent_id=root["id"])
    assert (await delete(client, root)).status_code == 204
    assert (await delete(client, reply)).status_code == 204
    listed = await read_thread(client)
    assert listed["comments"] == []
    assert listed["thread"]["comment_count"] == 0


async def test_deleting_twice_is_harmless(client: httpx.AsyncClient) -> None:
    root = await new_comment(client)
    await new_comment(client, parent_id=root["id"])
    assert (await delete(client, root)).status_code == 204
    again = await delete(client, root)
    assert again.status_code == 204, again.text
    listed = await read_thread(client)
    assert listed["thread"]["comment_count"] == 1
    assert listed["comments"][0]["reply_count"] == 1
    assert listed["comments"][0]["status"] == "deleted"


async def test_delete_with_a_wrong_or_missing_token_is_forbidden(
    client: httpx.AsyncClient,
) -> None:
    comment = await new_comment(client)
    other = await new_comment(client)
    for token in ("", "not-the-token", other["edit_token"]):
        assert_error(await delete(client, comment, token), 403)
    assert await comment_count(client) == 2


async def test_delete_after_the_window_is_refused(
    client: httpx.AsyncClient, clock: MovableClock
) -> None:
    comment = await new_comment(client)
    clock.advance(minutes=16)
    assert_error(await delete(client, comment), 403, code="edit_window_closed")
    assert await comment_count(client) == 1


async def test_delete_of_unknown_comment_is_not_found(client: httpx.AsyncClient) -> None:
    response = await client.delete(
        "/api/v1/comments/no-such-comment", headers={"X-Edit-Token": "t"}
    )
    assert_error(response, 404)


async def test_deleting_a_reply_updates_the_counts_of_every_level(
    client: httpx.AsyncClient, clock: MovableClock
) -> None:
    root = await new_comment(client)
    clock.advance(seconds=1)
    middle = await new_comment(client, parent_id=root["id"])
    clock.advance(seconds=1)
    leaf = await new_comment(client, parent_id=middle["id"])
    assert (await delete(client, middle)).status_code == 204
    listed = await read_thread(client)
    [top] = listed["comments"]
    assert top["reply_count"] == 1
    [shown_middle] = top["replies"]
    assert shown_middle["status"] == "deleted"
    assert [r["id"] for r in shown_middle["replies"]] == [leaf["id"]]
    assert listed["thread"]["comment_count"] == 2
    assert await comment_count(client) == 2
