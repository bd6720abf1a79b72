from __future__ import annotations

import httpx

PAGE = "/2026/11/article"


async def test_posted_comment_is_listed_with_its_reply(client: httpx.AsyncClient) -> None:
    posted = await client.post(
        "/api/v1/comments",
        json={"site": "news", "page": PAGE, "author_name": "Ann", "body": "Hello **world**"},
    )
    assert posted.status_code == 201, posted.text
    parent = posted.json()
    reply = await client.post(
        "/api/v1/comments",
        json={
            "site": "news",
            "page": PAGE,
            "author_name": "Bob",
            "body": "Hi",
            "parent_id": parent["id"],
        },
    )
    assert reply.status_code == 201, reply.text
    listed = (await client.get("/api/v1/comments", params={"site": "news", "page": PAGE})).json()
    assert listed["thread"]["comment_count"] == 2
    [top] = listed["comments"]
    assert top["body_html"] == "<p>Hello <strong>world</strong></p>"
    assert [r["id"] for r in top["replies"]] == [reply.json()["id"]]
    assert top["reply_count"] == 1
