"""CORS answers only registered origins; foreign pages cannot write; security headers everywhere."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.helpers import (
    FOREIGN_ORIGIN,
    ORIGIN,
    PAGE,
    assert_error,
    comment_body,
    comment_count,
    new_comment,
    read_thread,
)


def preflight_headers(origin: str, method: str = "POST") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        # The widget's language rides along: safelisted, but not when its value is unusual.
        "Access-Control-Request-Headers": "content-type, x-edit-token, accept-language",
    }


def comma_set(value: str) -> set[str]:
    return {part.strip().lower() for part in value.split(",")}


# Preflight


@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE", "GET"])
async def test_preflight_from_a_registered_origin_is_allowed(
    client: httpx.AsyncClient, method: str
) -> None:
    response = await client.options("/api/v1/comments", headers=preflight_headers(ORIGIN, method))
    assert response.status_code in (200, 204)
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert method.lower() in comma_set(response.headers["access-control-allow-methods"])
    allowed_headers = comma_set(response.headers["access-control-allow-headers"])
    assert {"content-type", "x-edit-token", "accept-language"} <= allowed_headers
    assert "origin" in comma_set(response.headers["vary"])


@pytest.mark.parametrize("origin", [FOREIGN_ORIGIN, "null", "http://news.example"])
async def test_preflight_from_an_unregistered_origin_is_refused(
    client: httpx.AsyncClient, origin: str
) -> None:
    response = await client.options("/api/v1/comments", headers=preflight_headers(origin))
    assert_error(response, 403, code="origin_not_allowed")
    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-credentials" not in response.headers


# Actual requests


async def test_reads_from_a_registered_origin_carry_cors_headers(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        "/api/v1/comments", params={"site": "news", "page": PAGE}, headers={"Origin": ORIGIN}
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "origin" in comma_set(response.headers["vary"])


async def test_reads_from_a_foreign_origin_get_no_cors_headers(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/v1/comments",
        params={"site": "news", "page": PAGE},
        headers={"Origin": FOREIGN_ORIGIN},
    )
    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-credentials" not in response.headers


async def test_errors_to_a_registered_origin_carry_cors_headers(
    client: httpx.AsyncClient,
) -> None:
    # The widget must be able to read the error body to show the reader what went wrong.
    response = await client.post(
        "/api/v1/comments", json=comment_body(body=""), headers={"Origin": ORIGIN}
    )
    assert_error(response, 400, field="body")
    assert response.headers["access-control-allow-origin"] == ORIGIN


async def test_post_from_a_registered_origin_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/comments", json=comment_body(), headers={"Origin": ORIGIN}
    )
    assert response.status_code == 201, response.text
    assert response.headers["access-control-allow-origin"] == ORIGIN


async def test_post_from_our_own_pages_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/comments", json=comment_body(), headers={"Origin": "http://testserver"}
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("origin", [FOREIGN_ORIGIN, "null", "http://news.example"])
async def test_post_from_a_foreign_origin_is_refused_and_stores_nothing(
    client: httpx.AsyncClient, origin: str
) -> None:
    response = await client.post(
        "/api/v1/comments", json=comment_body(), headers={"Origin": origin}
    )
    assert_error(response, 403, code="origin_not_allowed", field=None)
    assert "access-control-allow-origin" not in response.headers
    listed = await read_thread(client)
    assert listed["comments"] == []
    assert listed["thread"]["comment_count"] == 0
    assert await comment_count(client) == 0


async def test_post_from_the_origin_of_another_site_is_refused(
    client: httpx.AsyncClient, other_site: str
) -> None:
    response = await client.post(
        "/api/v1/comments", json=comment_body(), headers={"Origin": "https://other.example"}
    )
    assert_error(response, 403, code="origin_not_allowed")
    assert await comment_count(client) == 0
    allowed = await client.post(
        "/api/v1/comments",
        json=comment_body(site=other_site),
        headers={"Origin": "https://other.example"},
    )
    assert allowed.status_code == 201, allowed.text


async def test_honeypot_post_from_a_foreign_origin_is_refused_too(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/v1/comments",
        json=comment_body(website2="spam"),
        headers={"Origin": FOREIGN_ORIGIN},
    )
    assert_error(response, 403, code="origin_not_allowed")


async def test_vote_from_a_foreign_origin_is_refused_and_not_counted(
    client: httpx.AsyncClient,
) -> None:
    comment = await new_comment(client)
    response = await client.post(
        f"/api/v1/comments/{comment['id']}/vote",
        json={"value": 1},
        headers={"Origin": FOREIGN_ORIGIN},
    )
    assert_error(response, 403, code="origin_not_allowed")
    assert (await read_thread(client))["comments"][0]["upvotes"] == 0


async def test_edit_and_delete_from_a_foreign_origin_are_refused(
    client: httpx.AsyncClient,
) -> None:
    comment = await new_comment(client, body="original")
    headers = {"Origin": FOREIGN_ORIGIN, "X-Edit-Token": comment["edit_token"]}
    edited = await client.patch(
        f"/api/v1/comments/{comment['id']}", json={"body": "changed"}, headers=headers
    )
    assert_error(edited, 403, code="origin_not_allowed")
    deleted = await client.delete(f"/api/v1/comments/{comment['id']}", headers=headers)
    assert_error(deleted, 403, code="origin_not_allowed")
    [shown] = (await read_thread(client))["comments"]
    assert shown["body_html"] == "<p>original</p>"
    assert shown["status"] == "published"


# Security headers


API_REQUESTS = [
    ("GET", "/api/v1/comments?site=news&page=/a"),
    ("GET", "/api/v1/comments?site=nope&page=/a"),
    ("GET", "/api/v1/nope"),
    ("POST", "/api/v1/counts"),
    ("GET", "/api/openapi.json"),
]


@pytest.mark.parametrize(("method", "path"), API_REQUESTS)
async def test_api_answers_carry_security_headers(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp


async def test_health_answer_carries_security_headers(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "content-security-policy" in response.headers


async def test_refused_preflight_carries_security_headers(client: httpx.AsyncClient) -> None:
    response = await client.options("/api/v1/comments", headers=preflight_headers(FOREIGN_ORIGIN))
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in response.headers


async def test_too_large_answer_carries_security_headers(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/counts",
        content=b" " * (64 * 1024 + 1),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in response.headers["content-security-policy"]


async def test_start_page_has_a_strict_content_security_policy(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    csp = {
        directive.split()[0]: directive.split()[1:]
        for directive in response.headers["content-security-policy"].split(";")
        if directive.strip()
    }
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"


# The origin list's refresh


async def test_concurrent_requests_share_one_load_of_the_origin_list() -> None:
    """Requests arriving while the list loads wait for that load instead of starting their own
    (under posting load every refresh used to read the sites once per request in flight)."""
    import asyncio

    from rostra.web.middleware.cors import SiteOriginCors

    loads = 0
    release = asyncio.Event()

    async def origins() -> frozenset[str]:
        nonlocal loads
        loads += 1
        await release.wait()
        return frozenset({ORIGIN})

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    cors = SiteOriginCors(app, origins)
    answers: list[dict[str, Any]] = []

    async def request(origin: str) -> None:
        scope = {
            "type": "http",
            "method": "POST",
            "path": "/api/v1/comments",
            "headers": [(b"origin", origin.encode()), (b"host", b"rostra.example")],
        }

        async def send(message: dict[str, Any]) -> None:
            answers.append(message)

        await cors(scope, lambda: asyncio.sleep(0), send)

    waiting = [asyncio.create_task(request(ORIGIN)) for _ in range(50)]
    waiting.append(asyncio.create_task(request(FOREIGN_ORIGIN)))
    await asyncio.sleep(0.01)
    release.set()
    await asyncio.gather(*waiting)
    assert loads == 1
    statuses = [m["status"] for m in answers if m["type"] == "http.response.start"]
    assert statuses.count(200) == 50
    assert statuses.count(403) == 1  # the foreign page, refused once the list was known
