"""Small helpers shared by the API tests: request bodies, error checks, tree walks."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

import httpx

PAGE = "/2026/11/article"
OTHER_PAGE = "/2026/11/another-article"
ORIGIN = "https://news.example"
FOREIGN_ORIGIN = "https://evil.example"


async def within_one_rate_window(seconds: float = 5.0) -> None:
    """Wait, when needed, until the next ``seconds`` fall inside one clock minute.

    The limiter's sliding-window counter weights the previous minute's hits and floors the
    sum, so hits that straddle a minute's edge let one more through (the ``limits``
    library's documented approximation). Tests of an exact limit start after an edge.
    """
    into_minute = time.time() % 60
    if into_minute + seconds > 60:
        await asyncio.sleep(60 - into_minute + 0.05)


# The keys the contract promises on every comment object.
COMMENT_KEYS = {
    "id",
    "parent_id",
    "author",
    "body_html",
    "created_at",
    "edited_at",
    "status",
    "score",
    "upvotes",
    "downvotes",
    "my_vote",
    "reply_count",
    "replies",
    "anchor",
    "images",
}


def comment_body(**overrides: Any) -> dict[str, Any]:
    """A valid new-comment body for site "news", with ``overrides`` applied."""
    body: dict[str, Any] = {
        "site": "news",
        "page": PAGE,
        "author_name": "Ann Reader",
        "body": "Good to see this.",  # under 24 characters: never a duplicate
    }
    body.update(overrides)
    return body


async def post_comment(client: httpx.AsyncClient, **overrides: Any) -> httpx.Response:
    """POST /api/v1/comments with a valid body changed by ``overrides``."""
    return await client.post("/api/v1/comments", json=comment_body(**overrides))


async def new_comment(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    """Post a comment that must be published, and return it."""
    response = await post_comment(client, **overrides)
    assert response.status_code == 201, response.text
    posted: dict[str, Any] = response.json()
    return posted


async def read_thread(client: httpx.AsyncClient, page: str = PAGE, **params: Any) -> dict[str, Any]:
    """GET /api/v1/comments for ``page`` of site "news", which must answer 200."""
    response = await client.get("/api/v1/comments", params={"site": "news", "page": page, **params})
    assert response.status_code == 200, response.text
    listed: dict[str, Any] = response.json()
    return listed


async def comment_count(client: httpx.AsyncClient, page: str = PAGE) -> int:
    """The page's published-comment count, as POST /api/v1/counts gives it."""
    response = await client.post("/api/v1/counts", json={"site": "news", "pages": [page]})
    assert response.status_code == 200, response.text
    count: int = response.json()["counts"][page]
    return count


def assert_error(
    response: httpx.Response, status: int, code: str | None = None, field: Any = ...
) -> dict[str, Any]:
    """Check the contract's error shape; ``field=...`` means "any field"."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    # A 429 also says in how many seconds the reader may try again.
    expected = {"code", "message", "field"} | ({"retry_after"} if status == 429 else set())
    assert set(error) == expected, error
    if status == 429:
        assert isinstance(error["retry_after"], int) and error["retry_after"] >= 0, error
    assert isinstance(error["code"], str)
    assert error["code"].replace("_", "").isalpha()
    assert error["code"] == error["code"].lower()
    assert isinstance(error["message"], str)
    assert error["message"]
    assert error["field"] is None or isinstance(error["field"], str)
    if code is not None:
        assert error["code"] == code, error
    if field is not ...:
        assert error["field"] == field, error
    return error


def walk(comments: list[dict[str, Any]], level: int = 0) -> Iterator[tuple[int, dict[str, Any]]]:
    """Every comment of a listing with its display level (0 for top-level comments)."""
    for comment in comments:
        yield level, comment
        yield from walk(comment["replies"], level + 1)


def all_ids(listed: dict[str, Any]) -> list[str]:
    """The ids of every comment shown, at any depth, in display order."""
    return [comment["id"] for _, comment in walk(listed["comments"])]


def parse_time(text: str) -> datetime:
    """An RFC 3339 time as the API writes it; fails unless it names its offset."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert moment.tzinfo is not None, text
    return moment


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(html: str) -> tuple[list[tuple[str, dict[str, str | None]]], str]:
    """The start tags (with attributes) and the text of an HTML fragment."""
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser.tags, "".join(parser.text)
