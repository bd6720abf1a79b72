"""@mentions: GET /api/v1/mentions lists this thread's authors only (names, never addresses),
and ``@Name`` in a comment links to that author's latest comment, as escaped text."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from rostra.bootstrap import build_services
from rostra.config import Settings
from rostra.services.registry import Services
from rostra.web.app import create_app
from tests.api.helpers import (
    OTHER_PAGE,
    PAGE,
    assert_error,
    new_comment,
    parse_html,
    read_thread,
    walk,
)
from tests.conftest import MovableClock


async def mentionable(client: httpx.AsyncClient, page: str = PAGE, **params: Any) -> httpx.Response:
    return await client.get("/api/v1/mentions", params={"site": "news", "page": page, **params})


async def names(client: httpx.AsyncClient, page: str = PAGE, **params: Any) -> list[str]:
    response = await mentionable(client, page, **params)
    assert response.status_code == 200, response.text
    return [a["name"] for a in response.json()["authors"]]


def shown(listed: dict[str, Any], comment_id: str) -> dict[str, Any]:
    [comment] = [c for _, c in walk(listed["comments"]) if c["id"] == comment_id]
    return comment


async def test_suggestions_are_this_threads_authors_only(
    client: httpx.AsyncClient, clock: MovableClock
) -> None:
    await new_comment(client, author_name="Ann Lee", author_email="ann@mail.example")
    clock.advance(seconds=1)
    ann_again = await new_comment(client, author_name="Ann Lee", body="Me again.")
    clock.advance(seconds=1)
    bob = await new_comment(client, author_name="Bob")
    await new_comment(client, page=OTHER_PAGE, author_name="Elsewhere Eve")
    response = await mentionable(client)
    assert response.status_code == 200
    authors = response.json()["authors"]
    # Most recent first, each once, with their latest comment; no address anywhere.
    assert authors == [
        {"name": "Bob", "comment_id": bob["id"]},
        {"name": "Ann Lee", "comment_id": ann_again["id"]},
    ]
    assert "mail.example" not in response.text
    assert await names(client, q="l") == ["Ann Lee"]  # a word of the name
    assert await names(client, q="@b") == ["Bob"]
    assert await names(client, q="eve") == []
    assert await names(client, page=OTHER_PAGE) == ["Elsewhere Eve"]
    assert await names(client, page="/no/comments/yet") == []


async def test_held_and_deleted_comments_are_not_suggested(client: httpx.AsyncClient) -> None:
    gone = await new_comment(client, author_name="Gone Gary")
    deleted = await client.delete(
        f"/api/v1/comments/{gone['id']}", headers={"X-Edit-Token": gone["edit_token"]}
    )
    assert deleted.status_code == 204
    assert await names(client) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [({"site": "nope", "page": PAGE}, "site"), ({"site": "news", "page": ""}, "page")],
)
async def test_bad_lookups_are_refused(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    response = await client.get("/api/v1/mentions", params=params)
    assert_error(response, 404 if field == "site" else 400, field=field)


async def test_a_too_long_query_is_refused(client: httpx.AsyncClient) -> None:
    assert_error(await mentionable(client, q="x" * 101), 400, field="q")


async def test_a_mention_links_to_the_authors_latest_comment(
    client: httpx.AsyncClient, clock: MovableClock
) -> None:
    await new_comment(client, author_name="Ann Lee")
    clock.advance(seconds=1)
    latest = await new_comment(client, author_name="Ann Lee", body="Second thought.")
    await new_comment(client, author_name="Ann")
    reply = await new_comment(client, author_name="Cy", body="@Ann Lee is right, not x@Ann")
    tags, text = parse_html(reply["body_html"])
    assert ("a", {"href": f"#comment-{latest['id']}", "rel": "nofollow ugc noopener"}) in tags
    assert text.startswith("@Ann Lee is right")
    assert reply["body"].startswith("@Ann Lee is right")  # the source stays as written
    links = [attrs["href"] for tag, attrs in tags if tag == "a"]
    assert len(links) == 1  # not the "@Ann" inside a word
    listed = await read_thread(client)
    assert shown(listed, reply["id"])["body_html"] == reply["body_html"]


async def test_a_name_of_nobody_in_the_thread_stays_text(client: httpx.AsyncClient) -> None:
    await new_comment(client, page=OTHER_PAGE, author_name="Eve")
    comment = await new_comment(client, author_name="Cy", body="Hello @Eve and @nobody")
    tags, text = parse_html(comment["body_html"])
    assert [tag for tag, _ in tags if tag == "a"] == []
    assert text == "Hello @Eve and @nobody"


NASTY = '<img src=x onerror="alert(1)">](javascript:alert(1)) *x*'


async def test_a_name_cannot_inject_markup(client: httpx.AsyncClient) -> None:
    target = await new_comment(client, author_name=NASTY)
    comment = await new_comment(client, author_name="Cy", body=f"Thanks @{NASTY}!")
    tags, text = parse_html(comment["body_html"])
    assert [tag for tag, _ in tags] == ["p", "a"]
    assert tags[1][1]["href"] == f"#comment-{target['id']}"
    assert f"@{NASTY}" in text
    assert "<img" not in comment["body_html"]
    assert "javascript:" not in str(tags)


async def test_an_edit_links_mentions_again(client: httpx.AsyncClient) -> None:
    ann = await new_comment(client, author_name="Ann")
    mine = await new_comment(client, author_name="Cy", body="Plain text.")
    edited = await client.patch(
        f"/api/v1/comments/{mine['id']}",
        json={"body": "Now for @Ann."},
        headers={"X-Edit-Token": mine["edit_token"]},
    )
    assert edited.status_code == 200, edited.text
    tags, _ = parse_html(edited.json()["body_html"])
    assert ("a", {"href": f"#comment-{ann['id']}", "rel": "nofollow ugc noopener"}) in tags


async def test_lookups_are_rate_limited_per_address(services: Services, settings: Settings) -> None:
    limited = build_services(settings.with_overrides(rate_limits=True))  # the same database
    try:
        app = create_app(limited)
        transport = httpx.ASGITransport(app=app, client=("10.9.0.1", 4000))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            statuses = [(await mentionable(client)).status_code for _ in range(30)]
            assert statuses == [200] * 30
            assert_error(await mentionable(client), 429, "rate_limited")
        neighbour = httpx.ASGITransport(app=app, client=("10.9.0.2", 4000))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=neighbour, base_url="http://testserver") as client:
            assert (await mentionable(client)).status_code == 200
    finally:
        for hook in limited.on_shutdown:
            await hook()
