"""Every failure answers in the contract's error shape, whatever went wrong."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.api.helpers import PAGE, assert_error, comment_body, comment_count

LIMIT = 64 * 1024
JSON = {"content-type": "application/json"}


# Unknown routes and methods


@pytest.mark.parametrize(
    "path", ["/api/v1/nope", "/api/v2/comments", "/api/v1/comments/x/y/z", "/nope"]
)
async def test_unknown_route_is_not_found_in_the_error_shape(
    client: httpx.AsyncClient, path: str
) -> None:
    assert_error(await client.get(path), 404, code="not_found", field=None)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/api/v1/comments"),
        ("DELETE", "/api/v1/comments"),
        ("GET", "/api/v1/comments/some-id"),
        ("PUT", "/api/v1/comments/some-id"),
        ("GET", "/api/v1/comments/some-id/vote"),
        ("GET", "/api/v1/counts"),
        ("POST", "/api/v1/events"),
    ],
)
async def test_wrong_method_is_refused_in_the_error_shape(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path)
    assert_error(response, 405, code="method_not_allowed", field=None)
    assert method not in response.headers["allow"]


# Oversized bodies


async def test_body_over_64_kib_is_refused_with_413(client: httpx.AsyncClient) -> None:
    body = comment_body(body="x" * 5, page_title="t" * LIMIT)
    response = await client.post("/api/v1/comments", json=body)
    assert_error(response, 413, code="payload_too_large", field=None)
    assert await comment_count(client) == 0


async def test_streamed_body_over_64_kib_without_length_is_refused_with_413(
    client: httpx.AsyncClient,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"site": "news", "page": "/p", "author_name": "A", "body": "'
        for _ in range(80):
            yield b"x" * 1024
        yield b'"}'

    response = await client.post("/api/v1/comments", content=chunks(), headers=JSON)
    assert_error(response, 413, code="payload_too_large", field=None)
    assert await comment_count(client, "/p") == 0


@pytest.mark.parametrize("path", ["/api/v1/counts", "/api/v1/comments/some-id/vote"])
async def test_every_endpoint_limits_the_body(client: httpx.AsyncClient, path: str) -> None:
    response = await client.post(path, content=b" " * (LIMIT + 1), headers=JSON)
    assert_error(response, 413, code="payload_too_large", field=None)


async def test_body_of_exactly_64_kib_is_read(client: httpx.AsyncClient) -> None:
    body = comment_body(body="within the limit", padding="")
    body["padding"] = "p" * (LIMIT - len(json.dumps(body).encode()))
    content = json.dumps(body).encode()
    assert len(content) == LIMIT
    response = await client.post("/api/v1/comments", content=content, headers=JSON)
    assert response.status_code == 201, response.text


# Malformed JSON, wrong types, missing fields


@pytest.mark.parametrize(
    "raw",
    [b'{"site":', b"{site: 'news'}", b"not json", b"\xff\xfe\x00", b'{"a": 1,}'],
    ids=["truncated", "javascript-object", "text", "binary", "trailing-comma"],
)
async def test_malformed_json_is_refused(client: httpx.AsyncClient, raw: bytes) -> None:
    response = await client.post("/api/v1/comments", content=raw, headers=JSON)
    assert_error(response, 400, code="invalid", field=None)


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"text"', b"42", b"null", b"true"])
async def test_json_that_is_not_an_object_is_refused(client: httpx.AsyncClient, raw: bytes) -> None:
    response = await client.post("/api/v1/comments", content=raw, headers=JSON)
    error = assert_error(response, 400, code="invalid", field=None)
    assert "object" in error["message"]


async def test_empty_body_is_refused_with_a_readable_message(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/comments", content=b"", headers=JSON)
    error = assert_error(response, 400, code="invalid")
    # The handler's parameter name is an implementation detail, not an explanation.
    assert "'data'" not in error["message"]
    assert "JSON" in error["message"]


async def test_form_encoded_body_is_refused(client: httpx.AsyncClient) -> None:
    # A body that is not sent as JSON is 415, as this page's contract says.
    response = await client.post("/api/v1/comments", data={"site": "news", "page": PAGE})
    assert_error(response, 415, code="unsupported_media_type")
    assert await comment_count(client) == 0


@pytest.mark.parametrize("missing", ["site", "page", "body", "author_name"])
async def test_missing_required_field_is_named(client: httpx.AsyncClient, missing: str) -> None:
    body = comment_body()
    del body[missing]
    response = await client.post("/api/v1/comments", json=body)
    assert_error(response, 400, code="invalid", field=missing)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("site", 1),
        ("page", ["/a"]),
        ("body", 5),
        ("body", None),
        ("author_name", {"first": "Ann"}),
        ("author_email", 1),
        ("author_url", False),
        ("parent_id", 5),
        ("page_title", 3.5),
        ("images", "image-id"),
        ("notify", True),
        ("anchor", [1]),
        ("website2", 1),
    ],
)
async def test_wrong_type_is_refused_and_named(
    client: httpx.AsyncClient, field: str, value: Any
) -> None:
    response = await client.post("/api/v1/comments", json=comment_body(**{field: value}))
    assert_error(response, 400, code="invalid", field=field)
    assert await comment_count(client) == 0


async def test_unknown_fields_in_a_vote_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/comments/some-id/vote", json={"value": 1, "voter": "someone-else"}
    )
    assert_error(response, 400, code="invalid")


async def test_edit_with_unknown_fields_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.patch(
        "/api/v1/comments/some-id", json={"body": "x", "status": "published"}
    )
    assert_error(response, 400, code="invalid")


async def test_domain_errors_carry_code_message_and_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/comments", json=comment_body(body="   "))
    error = assert_error(response, 400, code="invalid", field="body")
    assert "empty" in error["message"].lower()
