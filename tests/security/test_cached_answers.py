"""Cached answers carry their body and content headers only, never the previous caller's
CORS headers, cookies or request id.

``GET /api/v1/subscriptions/settings`` (kept 60 s) answered the next caller with two
``Access-Control-Allow-Origin`` values, the previous caller's among them, and the previous
request's ``x-request-id``: the outer middlewares added their headers to the response message
in place, after the cache had kept a reference to it. Every cached route (Litestar's ``cache=``
handlers and the settled answers of ``web/middleware/settled.py``, both taken from the app) is
asked here by callers from different origins in turn, each of which must get its own headers.
"""

from __future__ import annotations

from typing import Any

import httpx
import msgspec
import pytest

from rostra.web.app import SETTLED_ROUTES
from rostra.web.response_cache import ContentOnlyStore
from rostra.web.routes import route_table
from tests.api.helpers import FOREIGN_ORIGIN, PAGE
from tests.security.access import BASE, SQLITE_ONLY, World

CALLS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/api/v1/subscriptions/settings"): {},
    ("GET", "/api/v1/comments"): {"params": {"site": "news", "page": PAGE}},
    ("POST", "/api/v1/counts"): {"json": {"site": "news", "pages": [PAGE]}},
}
# Callers in turn: a registered origin, another registered origin, a foreign page, no page.
ORIGINS = [
    "https://news.example",
    "https://other.example",
    FOREIGN_ORIGIN,
    None,
    "https://news.example",
]
PER_REQUEST = ("access-control-", "x-request-id", "set-cookie")


def cached_routes() -> set[tuple[str, str]]:
    litestar_cached = {
        (method, path)
        for handler in route_table(demo=False)
        if handler.cache not in (False, None)
        for path in handler.paths
        for method in handler.http_methods
    }
    return litestar_cached | set(SETTLED_ROUTES)


def test_every_cached_route_is_tried() -> None:
    assert cached_routes() <= set(CALLS)
    assert ("GET", "/api/v1/subscriptions/settings") in cached_routes()


@SQLITE_ONLY
@pytest.mark.parametrize(("method", "path"), sorted(CALLS), ids=lambda v: str(v))
async def test_each_caller_gets_its_own_headers(world: World, method: str, path: str) -> None:
    await world.comment()  # something to count and show
    transport = httpx.ASGITransport(app=world.app, client=("10.9.0.1", 4000))  # type: ignore[arg-type]
    answers = []
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as caller:
        for n, origin in enumerate(ORIGINS * 2):
            headers = {"X-Request-ID": f"caller-{n:04d}-request-id"}
            if origin:
                headers["Origin"] = origin
            response = await caller.request(method, path, headers=headers, **CALLS[(method, path)])
            refused = method == "POST" and origin == FOREIGN_ORIGIN  # a write from no site
            assert response.status_code == (403 if refused else 200), response.text
            if not refused:
                answers.append(response.content)
            allowed = response.headers.get_list("access-control-allow-origin")
            expected = (
                [origin] if origin in ("https://news.example", "https://other.example") else []
            )
            assert allowed == expected, (n, origin, allowed)
            assert response.headers.get_list("x-request-id") == [f"caller-{n:04d}-request-id"]
            assert "set-cookie" not in response.headers
            assert len(response.headers.get_list("access-control-allow-credentials")) == len(
                expected
            )
            assert response.headers.get_list("content-type") == ["application/json"]
    assert len(set(answers)) == 1  # the same answer, kept or not


async def test_the_response_store_keeps_content_headers_only() -> None:
    # The second line: whatever reaches the store, only the body's own headers are kept.
    store = ContentOnlyStore()
    start = {
        "type": "http.response.start",
        "status": 200,
        "headers": [
            (b"content-type", b"application/json"),
            (b"access-control-allow-origin", b"https://news.example"),
            (b"set-cookie", b"rostra_voter=someone"),
            (b"x-request-id", b"first-caller"),
            (b"Content-Length", b"2"),
        ],
    }
    body = {"type": "http.response.body", "body": b"{}", "more_body": False}
    await store.set("k", msgspec.msgpack.encode([start, body]), expires_in=60)
    kept = msgspec.msgpack.decode(await store.get("k") or b"")
    assert kept[0]["headers"] == [[b"content-type", b"application/json"], [b"Content-Length", b"2"]]
    assert kept[1]["body"] == b"{}"
