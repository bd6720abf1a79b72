"""Inline feedback over HTTP: passages with counts (``GET /api/v1/anchors``, revalidated by ETag),
and re-anchoring against the article's current text (``POST /api/v1/anchors/placements``)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.helpers import PAGE, assert_error, new_comment

ARTICLE = "The bridge reopens on Saturday. Cyclists get a two-metre lane. Lorries stay limited."
LANE = {"exact": "Cyclists get a two-metre lane.", "prefix": "on Saturday. ", "suffix": " Lorries"}


async def passages(client: httpx.AsyncClient, page: str = PAGE) -> httpx.Response:
    return await client.get("/api/v1/anchors", params={"site": "news", "page": page})


async def test_page_without_comments_has_no_passages(client: httpx.AsyncClient) -> None:
    response = await passages(client, "/never/commented")
    assert response.status_code == 200
    assert response.json() == {
        "site": "news",
        "page": "/never/commented",
        "version": 0,
        "passages": [],
    }


async def test_passages_group_identical_anchors_and_count_replies(
    client: httpx.AsyncClient,
) -> None:
    first = await new_comment(client, anchor=LANE)
    second = await new_comment(client, anchor=LANE, body="Agreed.")
    await new_comment(client, parent_id=first["id"], body="A reply counts too.")
    await new_comment(client, body="A whole-article comment is not a passage.")
    other = await new_comment(client, anchor={"exact": "Lorries stay limited.", "passage": "p1"})

    listed = (await passages(client)).json()
    by_exact = {p["anchor"]["exact"]: p for p in listed["passages"]}
    assert set(by_exact) == {LANE["exact"], "Lorries stay limited."}
    lane = by_exact[LANE["exact"]]
    assert sorted(lane["comment_ids"]) == sorted([first["id"], second["id"]])
    assert lane["comment_count"] == 3
    assert lane["anchor"] == {**LANE, "start": None, "end": None}
    point = by_exact["Lorries stay limited."]
    assert point["anchor"]["passage"] == "p1"
    assert point["comment_ids"] == [other["id"]]


async def test_deleted_discussion_leaves_the_passage_list(client: httpx.AsyncClient) -> None:
    posted = await new_comment(client, anchor=LANE)
    assert len((await passages(client)).json()["passages"]) == 1
    deleted = await client.delete(
        f"/api/v1/comments/{posted['id']}", headers={"X-Edit-Token": posted["edit_token"]}
    )
    assert deleted.status_code == 204
    assert (await passages(client)).json()["passages"] == []


async def test_unchanged_thread_answers_304_to_its_etag(client: httpx.AsyncClient) -> None:
    await new_comment(client, anchor=LANE)
    first = await passages(client)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    again = await client.get(
        "/api/v1/anchors", params={"site": "news", "page": PAGE}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    assert again.content == b""
    await new_comment(client, anchor=LANE, body="A second thought.")
    changed = await client.get(
        "/api/v1/anchors", params={"site": "news", "page": PAGE}, headers={"If-None-Match": etag}
    )
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert changed.json()["passages"][0]["comment_count"] == 2


async def test_passages_of_an_unknown_site_are_not_found(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/anchors", params={"site": "nope", "page": PAGE})
    assert_error(response, 404, "not_found", "site")


async def test_passages_need_site_and_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/anchors", params={"site": "news"})
    assert response.status_code == 400


async def test_placements_follow_an_edited_article_or_report_orphans(
    client: httpx.AsyncClient,
) -> None:
    start = ARTICLE.index(LANE["exact"])
    lane = await new_comment(
        client, anchor={**LANE, "start": start, "end": start + len(LANE["exact"])}
    )
    gone = await new_comment(client, anchor={"exact": "The bridge reopens on Saturday."})
    edited = "Update: Cyclists get a two-metre wide lane. Lorries stay limited."

    response = await client.post(
        "/api/v1/anchors/placements", json={"site": "news", "page": PAGE, "text": edited}
    )
    assert response.status_code == 200, response.text
    placed: dict[str, dict[str, Any]] = {
        p["comment_ids"][0]: p for p in response.json()["placements"]
    }
    moved = placed[lane["id"]]
    assert moved["method"] == "fuzzy"
    assert edited[moved["start"] : moved["end"]] == "Cyclists get a two-metre wide lane."
    assert moved["orphaned"] is None
    lost = placed[gone["id"]]
    assert (lost["start"], lost["end"], lost["method"]) == (None, None, None)
    assert lost["orphaned"] == "not_found"


async def test_placements_in_the_unchanged_article_use_the_stored_position(
    client: httpx.AsyncClient,
) -> None:
    start = ARTICLE.index(LANE["exact"])
    await new_comment(client, anchor={**LANE, "start": start, "end": start + len(LANE["exact"])})
    response = await client.post(
        "/api/v1/anchors/placements", json={"site": "news", "page": PAGE, "text": ARTICLE}
    )
    [placed] = response.json()["placements"]
    assert (placed["start"], placed["method"]) == (start, "position")


async def test_placements_reject_oversized_text_and_unknown_fields(
    client: httpx.AsyncClient,
) -> None:
    too_long = await client.post(
        "/api/v1/anchors/placements",
        json={"site": "news", "page": PAGE, "text": "x" * 60_001},
    )
    assert_error(too_long, 400, field="text")
    unknown = await client.post(
        "/api/v1/anchors/placements",
        json={"site": "news", "page": PAGE, "text": "", "html": "<p>"},
    )
    assert_error(unknown, 400)
    wrong_type = await client.post(
        "/api/v1/anchors/placements", json={"site": "news", "page": PAGE, "text": 12}
    )
    assert_error(wrong_type, 400, field="text")


async def test_anchor_with_a_passage_id_round_trips_and_bad_ids_are_rejected(
    client: httpx.AsyncClient,
) -> None:
    posted = await new_comment(client, anchor={"exact": "Do you agree?", "passage": "poll-1"})
    assert posted["anchor"]["passage"] == "poll-1"
    response = await client.post(
        "/api/v1/comments",
        json={
            "site": "news",
            "page": PAGE,
            "author_name": "Ann",
            "body": "Hm.",
            "anchor": {"exact": "Do you agree?", "passage": " padded "},
        },
    )
    assert_error(response, 400, field="anchor.passage")
