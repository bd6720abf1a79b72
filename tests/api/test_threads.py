"""GET /api/v1/comments: sort orders, nesting, depth cap, counts, the anchored filter, paging."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from rostra.domain.reactions import DEFAULT_REACTIONS
from tests.api.helpers import (
    OTHER_PAGE,
    PAGE,
    all_ids,
    assert_error,
    new_comment,
    read_thread,
    walk,
)
from tests.conftest import MovableClock


async def post_in_turn(
    client: httpx.AsyncClient, clock: MovableClock, count: int, **overrides: Any
) -> list[dict[str, Any]]:
    """``count`` top-level comments, one second apart, oldest first."""
    posted = []
    for number in range(count):
        clock.advance(seconds=1)
        posted.append(await new_comment(client, **{"body": f"Post {number}", **overrides}))
    return posted


async def vote(client: httpx.AsyncClient, comment_id: str, value: int) -> None:
    response = await client.post(f"/api/v1/comments/{comment_id}/vote", json={"value": value})
    assert response.status_code == 200, response.text


# Sort orders


async def test_thread_lists_newest_first_by_default(
    client: httpx.AsyncClient, clock: MovableClock
) -> None:
    posted = await post_in_turn(client, clock, 3)
    listed = await read_thread(client)
    assert [c["id"] for c in listed["comments"]] == [c["id"] for c in reversed(posted)]
    assert listed["next_cursor"] is None


async def test_sort_newest_and_oldest_are_opposite(
    client: httpx.AsyncClient, clock: MovableClock
) -> None:
    posted = [c["id"] for c in await post_in_turn(client, clock, 3)]
    newest = await read_thread(client, sort="newest")
    oldest = await read_thread(client, sort="oldest")
    assert [c["id"] for c in newest["comments"]] == posted[::-1]
    assert [c["id"] for c in oldest["comments"]] == posted


async def test_sort_votes_puts_the_highest_score_first(
    client: httpx.AsyncClient, second_client: httpx.AsyncClient, clock: MovableClock
) -> None:
    low, high, middle = (c["id"] for c in await post_in_turn(client, clock, 3))
    await vote(client, high, 1)
    await vote(second_client, high, 1)
    await vote(client, middle, 1)
    await vote(client, low, -1)
    listed = await read_thread(client, sort="votes")
    assert [c["id"] for c in listed["comments"]] == [high, middle, low]
    assert [c["score"] for c in listed["comments"]] == [2, 1, -1]


@pytest.mark.parametrize("sort", ["best", "NEWEST", "", "votes desc"])
async def test_unknown_sort_is_refused(client: httpx.AsyncClient, sort: str) -> None:
    response = await client.get(
        "/api/v1/comments", params={"site": "news", "page": PAGE, "sort": sort}
    )
    assert_error(response, 400, field="sort")


# Nesting, depth, counts


async def test_replies_are_nested_oldest_first_with_counts(
    client: httpx.AsyncClient, clock: MovableClock
) -> None:
    root = await new_comment(client)
    replies = []
    for number in range(3):
        clock.advance(seconds=1)
        replies.append(await new_comment(client, parent_id=root["id"], body=f"reply {number}"))
    clock.advance(seconds=1)
    nested = await new_comment(client, parent_id=replies[0]["id"], body="nested")
    for sort in ("newest", "oldest", "votes"):
        listed = await read_thread(client, sort=sort)
        [top] = listed["comments"]
        assert [r["id"] for r in top["replies"]] == [r["id"] for r in replies]
        assert [r["id"] for r in top["replies"][0]["replies"]] == [nested["id"]]
        assert top["reply_count"] == 4
        assert top["replies"][0]["reply_count"] == 1
        assert top["replies"][1]["reply_count"] == 0
        assert listed["thread"]["comment_count"] == 5


async def test_deep_chain_is_capped_at_four_levels_and_flattened_under_the_last(
    client: httpx.AsyncClient, clock: MovableClock
) -> None:
    root = await new_comment(client, body="root")
    chain = [root]
    for depth in range(1, 8):
        clock.advance(seconds=1)
        chain.append(await new_comment(client, parent_id=chain[-1]["id"], body=f"depth {depth}"))
    listed = await read_thread(client)
    levels = {comment["id"]: level for level, comment in walk(listed["comments"])}
    assert sorted(levels) == sorted(c["id"] for c in chain)
    assert max(levels.values()) == 4
    assert [levels[c["id"]] for c in chain] == [0, 1, 2, 3, 4, 4, 4, 4]
    level_three = listed["comments"][0]["replies"][0]["replies"][0]["replies"][0]
    assert level_three["id"] == chain[3]["id"]
    assert [r["id"] for r in level_three["replies"]] == [c["id"] for c in chain[4:]]
    assert all(r["replies"] == [] for r in level_three["replies"])
    assert listed["comments"][0]["reply_count"] == 7
    assert listed["thread"]["comment_count"] == 8


async def test_replies_posted_in_the_same_instant_as_their_parents_still_nest(
    client: httpx.AsyncClient,
) -> None:
    # Imported threads often share one timestamp; the clock stands still here on purpose.
    chain = [await new_comment(client, body="root")]
    for depth in range(1, 7):
        chain.append(await new_comment(client, parent_id=chain[-1]["id"], body=f"depth {depth}"))
    listed = await read_thread(client)
    levels = {comment["id"]: level for level, comment in walk(listed["comments"])}
    assert [levels.get(c["id"]) for c in chain] == [0, 1, 2, 3, 4, 4, 4]


async def test_comment_count_counts_every_depth_but_only_its_page(
    client: httpx.AsyncClient,
) -> None:
    root = await new_comment(client)
    reply = await new_comment(client, parent_id=root["id"])
    await new_comment(client, parent_id=reply["id"])
    await new_comment(client, page=OTHER_PAGE)
    assert (await read_thread(client))["thread"]["comment_count"] == 3
    assert (await read_thread(client, page=OTHER_PAGE))["thread"]["comment_count"] == 1


async def test_unknown_page_of_a_known_site_is_an_empty_thread(client: httpx.AsyncClient) -> None:
    listed = await read_thread(client, page="/never/commented")
    assert listed == {
        "thread": {
            "site": "news",
            "page": "/never/commented",
            "title": None,
            "comment_count": 0,
            "reactions": list(DEFAULT_REACTIONS),
        },
        "comments": [],
        "next_cursor": None,
    }


async def test_thread_of_unknown_site_is_not_found(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/comments", params={"site": "nope", "page": PAGE})
    assert_error(response, 404, field="site")


@pytest.mark.parametrize("missing", ["site", "page"])
async def test_thread_without_site_or_page_is_refused(
    client: httpx.AsyncClient, missing: str
) -> None:
    params = {"site": "news", "page": PAGE}
    del params[missing]
    assert_error(await client.get("/api/v1/comments", params=params), 400, field=missing)


async def test_page_longer_than_1024_characters_is_refused_when_reading(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        "/api/v1/comments", params={"site": "news", "page": "/" + "p" * 1_024}
    )
    assert_error(response, 400, field="page")


# The anchored filter


async def test_anchored_filter_separates_inline_feedback_from_article_comments(
    client: httpx.AsyncClient,
) -> None:
    whole = await new_comment(client, body="about the whole article")
    inline = await new_comment(client, body="about a passage", anchor={"exact": "a passage"})
    everything = await read_thread(client)
    only_inline = await read_thread(client, anchored="true")
    only_whole = await read_thread(client, anchored="false")
    assert {c["id"] for c in everything["comments"]} == {whole["id"], inline["id"]}
    assert [c["id"] for c in only_inline["comments"]] == [inline["id"]]
    assert [c["id"] for c in only_whole["comments"]] == [whole["id"]]


async def test_anchored_filter_keeps_replies_of_inline_feedback(
    client: httpx.AsyncClient,
) -> None:
    inline = await new_comment(client, anchor={"exact": "a passage"})
    reply = await new_comment(client, parent_id=inline["id"])
    [shown] = (await read_thread(client, anchored="true"))["comments"]
    assert [r["id"] for r in shown["replies"]] == [reply["id"]]
    assert (await read_thread(client, anchored="false"))["comments"] == []


async def test_anchored_filter_with_a_non_boolean_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/v1/comments", params={"site": "news", "page": PAGE, "anchored": "maybe"}
    )
    assert_error(response, 400, field="anchored")


# Paging


async def read_all_pages(
    client: httpx.AsyncClient, limit: int, sort: str, *, max_pages: int = 50
) -> list[list[str]]:
    """The ids of the top-level comments on every page, following ``next_cursor``."""
    pages: list[list[str]] = []
    cursor = None
    while len(pages) < max_pages:
        params: dict[str, Any] = {"limit": limit, "sort": sort}
        if cursor is not None:
            params["cursor"] = cursor
        listed = await read_thread(client, **params)
        pages.append([c["id"] for c in listed["comments"]])
        cursor = listed["next_cursor"]
        if cursor is None:
            return pages
    pytest.fail(f"next_cursor did not end after {max_pages} pages")


@pytest.mark.parametrize("sort", ["newest", "oldest", "votes"])
async def test_cursor_paging_visits_every_top_level_comment_once(
    client: httpx.AsyncClient, clock: MovableClock, sort: str
) -> None:
    posted = await post_in_turn(client, clock, 7)
    for comment in posted[::2]:
        await vote(client, comment["id"], 1)
    await new_comment(client, parent_id=posted[0]["id"])
    whole = [c["id"] for c in (await read_thread(client, sort=sort, limit=100))["comments"]]
    pages = await read_all_pages(client, 3, sort)
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [cid for page in pages for cid in page] == whole
    assert sorted(whole) == sorted(c["id"] for c in posted)


@pytest.mark.parametrize("sort", ["newest", "oldest", "votes"])
async def test_cursor_paging_separates_comments_posted_at_the_same_moment(
    client: httpx.AsyncClient, sort: str
) -> None:
    posted = [await new_comment(client, body=f"same moment {n}") for n in range(5)]
    pages = await read_all_pages(client, 2, sort)
    visited = [cid for page in pages for cid in page]
    assert sorted(visited) == sorted(c["id"] for c in posted)
    assert len(visited) == len(set(visited))


async def test_exact_multiple_of_limit_has_no_empty_last_page(
    client: httpx.AsyncClient, clock: MovableClock
) -> None:
    await post_in_turn(client, clock, 4)
    pages = await read_all_pages(client, 2, "newest")
    assert [len(page) for page in pages] == [2, 2]


@pytest.mark.parametrize("sort", ["newest", "oldest", "votes"])
async def test_comments_posted_between_pages_cause_no_duplicates_or_losses(
    client: httpx.AsyncClient, clock: MovableClock, sort: str
) -> None:
    posted = await post_in_turn(client, clock, 6)
    await vote(client, posted[1]["id"], 1)
    first = await read_thread(client, sort=sort, limit=2)
    seen = [c["id"] for c in first["comments"]]
    late = await post_in_turn(client, clock, 3, author_name="Late Reader")
    cursor = first["next_cursor"]
    while cursor is not None:
        listed = await read_thread(client, sort=sort, limit=2, cursor=cursor)
        seen += [c["id"] for c in listed["comments"]]
        cursor = listed["next_cursor"]
    assert len(seen) == len(set(seen))
    assert {c["id"] for c in posted} <= set(seen)
    assert set(seen) <= {c["id"] for c in posted + late}
    if sort == "oldest":
        assert seen[-3:] == [c["id"] for c in late]


async def test_cursor_of_another_sort_is_refused(
    client: httpx.AsyncClient, clock: MovableClock
) -> None:
    await post_in_turn(client, clock, 3)
    cursor = (await read_thread(client, sort="newest", limit=1))["next_cursor"]
    assert cursor
    for other in ("oldest", "votes"):
        response = await client.get(
            "/api/v1/comments",
            params={"site": "news", "page": PAGE, "sort": other, "cursor": cursor},
        )
        assert_error(response, 400, field="cursor")


def _encoded(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "abc",
        "%%%",
        _encoded("newest"),
        _encoded(["newest", 0, "yesterday", "id"]),
        _encoded(["newest", 0, 1, 2]),
        _encoded(["newest", 0, 1]),
        _encoded({"sort": "newest"}),
        _encoded(["newest", 0, 1, "x" * 65]),
        base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),
    ],
)
async def test_garbage_cursor_is_refused(client: httpx.AsyncClient, cursor: str) -> None:
    await new_comment(client)
    response = await client.get(
        "/api/v1/comments", params={"site": "news", "page": PAGE, "cursor": cursor}
    )
    assert_error(response, 400, field="cursor")


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5", ""])
async def test_limit_outside_one_to_a_hundred_is_refused(
    client: httpx.AsyncClient, limit: str
) -> None:
    response = await client.get(
        "/api/v1/comments", params={"site": "news", "page": PAGE, "limit": limit}
    )
    assert_error(response, 400, field="limit")


@pytest.mark.parametrize("limit", [1, 100])
async def test_limit_bounds_are_accepted(
    client: httpx.AsyncClient, clock: MovableClock, limit: int
) -> None:
    await post_in_turn(client, clock, 2)
    listed = await read_thread(client, limit=limit)
    assert len(listed["comments"]) == min(limit, 2)
    assert (listed["next_cursor"] is None) == (limit >= 2)


async def test_replies_do_not_count_towards_the_page_limit(
    client: httpx.AsyncClient, clock: MovableClock
) -> None:
    first, second = await post_in_turn(client, clock, 2)
    for _ in range(3):
        await new_comment(client, parent_id=first["id"])
    listed = await read_thread(client, sort="oldest", limit=1)
    assert [c["id"] for c in listed["comments"]] == [first["id"]]
    assert len(all_ids(listed)) == 4
    follow = await read_thread(client, sort="oldest", limit=1, cursor=listed["next_cursor"])
    assert [c["id"] for c in follow["comments"]] == [second["id"]]
