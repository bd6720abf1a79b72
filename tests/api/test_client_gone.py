"""A client that leaves before its request is read: nothing is stored, and the request is
logged and counted as 499 (client closed request), not as a server error."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import structlog.testing

from rostra.services.registry import Services
from rostra.web.app import create_app
from rostra.web.middleware import observability
from tests.api.helpers import ORIGIN, PAGE, comment_body


async def test_a_post_whose_client_left_is_not_a_server_error(
    services: Services, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(services)
    body = json.dumps(comment_body()).encode()
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}  # gone before the body was read

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/api/v1/comments", "raw_path": b"/api/v1/comments",
        "query_string": b"", "root_path": "", "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000), "state": {},
        "headers": [
            (b"host", b"testserver"), (b"origin", ORIGIN.encode()),
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        ],
    }  # fmt: skip
    with structlog.testing.capture_logs() as logged:
        # A logger another test already used stays bound to the configuration it met first
        # (cache_logger_on_first_use); a fresh one logs into the capture.
        monkeypatch.setattr(observability, "log", structlog.get_logger("rostra.http"))
        await app(scope, receive, send)  # type: ignore[arg-type]
    [line] = [entry for entry in logged if entry["event"] == "request"]
    assert (line["status"], line["log_level"]) == (499, "info")
    metrics = (await client.get("/metrics")).text
    assert 'route="/api/v1/comments",status="499"} 1.0' in metrics
    assert 'route="/api/v1/comments",status="500"' not in metrics
    listed = await client.get("/api/v1/comments", params={"site": "news", "page": PAGE})
    assert listed.json()["comments"] == []
