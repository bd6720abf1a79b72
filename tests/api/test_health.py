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
from rostra.services.readiness import PROBE_SECONDS
from rostra.storage.migrate import head_revision
from rostra.web.app import create_app
from tests.api.helpers import assert_error
from tests.conftest import REDIS_URL, SECRET_KEY, _answers, service_missing
from tests.s3_standin import S3Bucket, s3_bucket, s3_endpoint

__all__ = ["s3_bucket", "s3_endpoint"]  # fixtures by name


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
    assert body["checks"]["media"]["status"] == "ok"
    assert body["checks"]["media"]["detail"].startswith("folder ")
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


# The media store, on the real adapters: a folder that can be written, a table that can be read,
# a bucket that can be listed.


async def test_readyz_writes_a_file_in_the_media_folder_and_leaves_none(
    settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "media"
    status, body = await readiness(replace(settings, media_url=f"file://{folder}"))
    assert (status, body["checks"]["media"]) == (
        200,
        {"status": "ok", "detail": f"folder {folder}"},
    )
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("where", ["under_a_file", "is_a_file"])
async def test_readyz_is_503_naming_the_media_folder_when_it_cannot_be_written(
    settings: Settings, tmp_path: Path, where: str
) -> None:
    plain = tmp_path / "plain"
    plain.write_text("not a folder")
    folder = plain / "media" if where == "under_a_file" else plain
    status, body = await readiness(replace(settings, media_url=f"file://{folder}"))
    assert status == 503
    assert body["status"] == "not_ready"
    media = body["checks"]["media"]
    assert media["status"] == "failed"
    assert media["detail"].startswith(f"cannot write to the folder {folder}: "), media
    assert body["checks"]["database"]["status"] == "ok"
    assert plain.read_text() == "not a folder"  # nothing stored is touched


async def test_readyz_reads_the_media_table_when_images_live_in_the_database(
    settings: Settings,
) -> None:
    status, body = await readiness(replace(settings, media_url="database"))
    assert (status, body["checks"]["media"]) == (
        200,
        {"status": "ok", "detail": "table media_blobs"},
    )


async def test_readyz_is_503_naming_the_media_table_when_it_cannot_be_read(
    tmp_path: Path, sqlite_template: Path
) -> None:
    path = tmp_path / "no-media.db"
    shutil.copyfile(sqlite_template, path)
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE media_blobs")
    settings = Settings(
        database_url=f"sqlite:///{path}", secret_key=SECRET_KEY, media_url="database"
    )
    status, body = await readiness(settings)
    assert status == 503
    assert body["checks"]["media"] == {
        "status": "failed",
        "detail": "the table media_blobs cannot be read (OperationalError)",
    }
    assert body["checks"]["database"]["status"] == "ok"


async def test_readyz_lists_the_media_bucket(settings: Settings, s3_bucket: S3Bucket) -> None:
    url = f"s3://{s3_bucket.name}/rostra"
    status, body = await readiness(replace(settings, media_url=url))
    assert (status, body["checks"]["media"]) == (200, {"status": "ok", "detail": f"bucket {url}"})


async def test_readyz_is_503_naming_the_bucket_when_it_does_not_exist(
    settings: Settings, s3_bucket: S3Bucket
) -> None:
    url = f"s3://{s3_bucket.name}-missing/rostra"
    status, body = await readiness(replace(settings, media_url=url))
    assert status == 503
    media = body["checks"]["media"]
    assert media["status"] == "failed"
    assert media["detail"].startswith(f"cannot list {url}: "), media
    assert body["checks"]["database"]["status"] == "ok"


async def test_readyz_is_503_when_the_bucket_does_not_answer(
    settings: Settings, s3_bucket: S3Bucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{silent.getsockname()[1]}")
        status, body = await readiness(replace(settings, media_url=f"s3://{s3_bucket.name}/x"))
    assert status == 503
    assert body["checks"]["media"] == {
        "status": "failed",
        "detail": f"no answer within {PROBE_SECONDS:.0f} s",
    }
