"""GET /healthz: the probe load balancers use."""

from __future__ import annotations

import shutil
import socket
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from rostra.bootstrap import build_services
from rostra.config import Settings
from rostra.storage.migrate import head_revision
from rostra.web.app import create_app
from tests.api.helpers import assert_error
from tests.conftest import REDIS_URL, SECRET_KEY, _answers, service_missing


async def test_healthz_answers_ok_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"status": "ok"}


async def test_healthz_refuses_writes(client: httpx.AsyncClient) -> None:
    assert_error(await client.post("/healthz"), 405, code="method_not_allowed")


# GET /readyz


async def test_readyz_is_ready_when_the_database_answers_at_head(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == {"status": "ok", "detail": "ok"}
    assert body["checks"]["migrations"] == {"status": "ok", "detail": f"at {head_revision()}"}
    assert "redis" not in body["checks"]  # not configured


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    services = build_services(settings)
    transport = httpx.ASGITransport(app=create_app(services))  # type: ignore[arg-type]
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
    finally:
        for hook in services.on_shutdown:
            await hook()


async def readiness(settings: Settings) -> tuple[int, dict[str, Any]]:
    async with serving(settings) as client:
        response = await client.get("/readyz")
    return response.status_code, response.json()


@pytest.mark.redis
async def test_readyz_checks_redis_when_it_is_configured(settings: Settings) -> None:
    if not _answers(REDIS_URL, 6379):
        service_missing("Redis", REDIS_URL)
    status, body = await readiness(replace(settings, redis_url=REDIS_URL))
    assert (status, body["checks"]["redis"]) == (200, {"status": "ok", "detail": "ok"})


async def test_readyz_is_503_naming_redis_when_redis_does_not_answer(settings: Settings) -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        status, body = await readiness(replace(settings, redis_url=url))
    assert status == 503
    assert body["status"] == "not_ready"
    assert body["checks"]["redis"]["status"] == "failed"
    assert body["checks"]["database"]["status"] == "ok"


async def test_readyz_is_503_when_the_schema_is_behind_and_ready_when_newer(
    tmp_path: Path, sqlite_template: Path
) -> None:
    path = tmp_path / "old.db"
    shutil.copyfile(sqlite_template, path)
    settings = Settings(database_url=f"sqlite:///{path}", secret_key=SECRET_KEY)

    def set_revision(revision: str) -> None:
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))

    set_revision("0013")  # as if an older release's schema were still in place
    status, body = await readiness(settings)
    assert status == 503
    assert body["checks"]["migrations"] == {
        "status": "failed",
        "detail": f"at 0013; this version needs {head_revision()}",
    }
    set_revision("0099_from_a_newer_release")  # a newer release migrated first
    status, body = await readiness(settings)
    assert status == 200
    assert body["checks"]["migrations"]["detail"].startswith("at 0099_from_a_newer_release, newer")
