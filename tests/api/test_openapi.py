"""GET /api/openapi.json documents every /api/v1 route of the contract that this issue builds."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

# Path parameters are written {id} in API.md; their name in the document is the team's choice.
CONTRACT_OPERATIONS = [
    ("post", "/api/v1/comments"),
    ("get", "/api/v1/comments"),
    ("patch", "/api/v1/comments/{}"),
    ("delete", "/api/v1/comments/{}"),
    ("post", "/api/v1/comments/{}/vote"),
    ("post", "/api/v1/comments/{}/reaction"),
    ("get", "/api/v1/mentions"),
    ("post", "/api/v1/counts"),
    ("get", "/api/v1/events"),
]


def normalized(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/api/openapi.json")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/")
    parsed: dict[str, Any] = json.loads(response.content)
    return parsed


def operation(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    paths = {normalized(p): item for p, item in document["paths"].items()}
    assert path in paths, sorted(paths)
    assert method in paths[path], f"{method.upper()} {path} is not documented"
    found: dict[str, Any] = paths[path][method]
    return found


async def test_openapi_document_is_openapi_3(document: dict[str, Any]) -> None:
    assert str(document["openapi"]).startswith("3.")
    assert document["info"]["title"]
    assert document["info"]["version"]


@pytest.mark.parametrize(("method", "path"), CONTRACT_OPERATIONS)
async def test_openapi_names_every_contract_operation(
    document: dict[str, Any], method: str, path: str
) -> None:
    found = operation(document, method, path)
    assert found.get("summary") or found.get("description")


async def test_openapi_documents_healthz(document: dict[str, Any]) -> None:
    assert "get" in document["paths"]["/healthz"]


async def test_openapi_documents_the_comment_body_and_its_limits(
    document: dict[str, Any],
) -> None:
    schemas = document["components"]["schemas"]
    request = operation(document, "post", "/api/v1/comments")["requestBody"]
    reference = request["content"]["application/json"]["schema"]["$ref"]
    schema = schemas[reference.rsplit("/", 1)[1]]
    assert {"site", "page", "body", "author_name"} <= set(schema["required"])
    properties = schema["properties"]
    assert properties["body"]["maxLength"] == 10_000
    assert properties["author_name"]["maxLength"] == 100
    assert properties["page"]["maxLength"] == 1_024
    for optional in ("parent_id", "author_email", "author_url", "anchor", "notify"):
        assert optional in properties


async def test_openapi_documents_the_error_shape_of_failures(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for method, path in CONTRACT_OPERATIONS:
        responses = operation(document, method, path)["responses"]
        assert "400" in responses or "404" in responses, (method, path)
        for status, answer in responses.items():
            if not status.startswith(("4", "5")):
                continue
            schema = answer["content"]["application/json"]["schema"]
            name = schema.get("$ref", "").rsplit("/", 1)[-1]
            assert schemas.get(name, {}).get("required") == ["error"], (method, path, schema)


async def test_openapi_documents_the_comment_object(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    answer = operation(document, "get", "/api/v1/comments")["responses"]["200"]
    reference = answer["content"]["application/json"]["schema"]["$ref"]
    page = schemas[reference.rsplit("/", 1)[1]]
    assert {"thread", "comments", "next_cursor"} <= set(page["properties"])
    comment = schemas["CommentOut"]["properties"]
    for key in ("id", "parent_id", "author", "body_html", "status", "score", "my_vote"):
        assert key in comment
    for private in ("author_email", "email", "ip", "ip_hash", "edit_token_hash"):
        assert private not in comment


async def test_openapi_documents_events_as_an_event_stream(document: dict[str, Any]) -> None:
    answer = operation(document, "get", "/api/v1/events")["responses"]["200"]
    assert "text/event-stream" in answer["content"]
