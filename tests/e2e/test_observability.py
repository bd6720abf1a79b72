"""`rostra serve --workers 2` with JSON logs: real log lines, request ids, one metrics view."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.test_metrics import value
from tests.e2e.serving import Server, add_news_site, server_env, start_server

PAGE = "/2026/11/observed"
EMAIL = "private.reader@mailbox.example"
POSTS = 6


@pytest.fixture
def json_server(tmp_path: Path) -> Iterator[tuple[Server, Path]]:
    database = tmp_path / "rostra.db"
    env = server_env(f"sqlite:///{database}", ROSTRA_LOG_FORMAT="json")
    add_news_site(env)
    server = start_server(env, tmp_path / "server.log", workers=2)
    try:
        yield server, database
    finally:
        server.stop()


def log_lines(server: Server) -> list[dict[str, Any]]:
    """Every line the server wrote, each of which must be one JSON object."""
    lines = []
    for raw in server.output().splitlines():
        if raw.strip():
            try:
                lines.append(json.loads(raw))
            except json.JSONDecodeError:
                pytest.fail(f"a log line is not JSON: {raw!r}\n{server.output()}")
    return lines


def test_json_logs_request_ids_and_metrics_across_workers(
    json_server: tuple[Server, Path],
) -> None:
    server, database = json_server
    tokens = []
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for n in range(POSTS):
            response = client.post(
                "/api/v1/comments",
                json={
                    "site": "news",
                    "page": PAGE,
                    "author_name": "Ann",
                    "author_email": EMAIL,
                    "body": f"Post {n}",
                },
                headers={"X-Request-ID": f"post-{n}"},
            )
            assert response.status_code == 201, response.text
            assert response.headers["x-request-id"] == f"post-{n}"
            tokens.append(response.json()["edit_token"])
    # Each scrape opens a new connection, so the workers take turns answering; every one of
    # them must report the whole server's count.
    for _ in range(6):
        text = httpx.get(f"{server.url}/metrics", timeout=10).text
        assert value(text, "rostra_comments_posted_total", status="published") == POSTS, text
        count = value(
            text,
            "rostra_http_request_duration_seconds_count",
            method="POST",
            route="/api/v1/comments",
            status="201",
        )
        assert count == POSTS

    # A real failure: the comments table disappears under the running server.
    with sqlite3.connect(database) as conn:
        conn.execute("ALTER TABLE comments RENAME TO comments_gone")
    failed = httpx.post(
        f"{server.url}/api/v1/comments",
        json={"site": "news", "page": PAGE, "author_name": "Bo", "body": "Lost"},
        headers={"X-Request-ID": "boom-1"},
        timeout=30,
    )
    assert failed.status_code == 500
    assert failed.json()["error"]["code"] == "internal_error"
    assert "comments" not in failed.text  # nothing internal reaches the client
    server.stop()

    lines = log_lines(server)
    requests = [line for line in lines if line.get("event") == "request"]
    posts = {line["request_id"]: line for line in requests if line["route"] == "/api/v1/comments"}
    assert set(posts) >= {f"post-{n}" for n in range(POSTS)} | {"boom-1"}
    first = posts["post-0"]
    assert first["method"] == "POST"
    assert first["status"] == 201
    assert first["level"] == "info"
    assert isinstance(first["duration_ms"], float)
    assert re.fullmatch(r"[0-9a-f]{16}", first["client"])  # a keyed hash, not the address
    assert first["timestamp"].endswith("Z")
    assert posts["boom-1"]["status"] == 500
    assert posts["boom-1"]["level"] == "error"
    errors = [line for line in lines if line.get("request_id") == "boom-1" and "exception" in line]
    assert errors, lines
    assert "Traceback" in errors[0]["exception"]
    assert "comments" in errors[0]["exception"]
    scrapes = [line for line in requests if line["route"] == "/metrics"]
    assert len(scrapes) == 6
    assert all(re.fullmatch(r"[0-9a-f]{32}", line["request_id"]) for line in scrapes)

    text = server.output()
    assert EMAIL not in text
    assert all(token not in text for token in tokens)
    for line in requests:
        assert "127.0.0.1" not in json.dumps(line)
