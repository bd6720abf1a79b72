"""Backup and restore: `rostra backup` while comments are being written, then
`rostra restore` into a new database, and a server on it serves the same threads and images.

The procedure is docs/operations.md's; run on SQLite and on PostgreSQL (pg_dump/pg_restore).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from PIL import Image

from rostra.bootstrap import run_blocking
from tests.conftest import (
    POSTGRESQL_URL,
    _answers,
    postgresql_admin,
    postgresql_url_of,
    service_missing,
)
from tests.e2e.serving import add_news_site, rostra, rostra_here, server_env, start_server

PAGES = ["/2026/11/a", "/2026/11/b", "/2026/11/c"]
WRITE_SECONDS = 30.0  # the writer's own deadline; it normally stops as soon as told


def _fresh_postgresql() -> str:
    name = f"rostra_backup_{uuid.uuid4().hex[:8]}"
    run_blocking(postgresql_admin(f'CREATE DATABASE "{name}"'))
    return postgresql_url_of(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The live database and an empty one to restore into."""
    if request.param == "sqlite":
        (tmp_path / "live").mkdir()
        yield (
            f"sqlite:///{tmp_path / 'live' / 'rostra.db'}",
            f"sqlite:///{tmp_path / 'restored.db'}",
        )
        return
    if not _answers(POSTGRESQL_URL, 5432):
        service_missing("PostgreSQL", POSTGRESQL_URL)
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not installed (postgresql-client)")
    urls = (_fresh_postgresql(), _fresh_postgresql())
    yield urls
    for url in urls:
        name = sa.make_url(url).database
        run_blocking(postgresql_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


@dataclass
class Writer:
    """Posts comments round-robin on PAGES until told to stop; notes when each was answered."""

    url: str
    stop: threading.Event = field(default_factory=threading.Event)
    acknowledged: list[tuple[float, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def run(self) -> None:
        deadline = time.monotonic() + WRITE_SECONDS
        with httpx.Client(base_url=self.url, timeout=30) as client:
            n = 0
            while not self.stop.is_set() and time.monotonic() < deadline:
                body = {
                    "site": "news",
                    "page": PAGES[n % len(PAGES)],
                    "author_name": f"Writer {n}",
                    "author_email": f"writer{n}@mail.example",  # one author each: no duplicates
                    "body": f"Written during the backup, number {n}",
                }
                response = client.post("/api/v1/comments", json=body)
                if response.status_code != 201:
                    self.errors.append(f"{response.status_code} {response.text}")
                    return
                self.acknowledged.append((time.monotonic(), response.json()["id"]))
                n += 1


def threads(url: str) -> dict[str, dict[str, Any]]:
    """Every page's thread as the server lists it, all its pages of comments joined."""
    found = {}
    with httpx.Client(base_url=url, timeout=30) as client:
        for page in PAGES:
            params: dict[str, Any] = {"site": "news", "page": page, "limit": 100}
            listed: dict[str, Any] = {"comments": []}
            for _ in range(1000):  # bounded: far more pages than the writer can fill
                response = client.get("/api/v1/comments", params=params)
                assert response.status_code == 200, response.text
                answer = response.json()
                listed["thread"] = answer["thread"]
                listed["comments"] += answer["comments"]
                if answer["next_cursor"] is None:
                    break
                params["cursor"] = answer["next_cursor"]
            found[page] = listed
    return found


def flatten(comments: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for comment in comments:
        yield comment
        yield from flatten(comment["replies"])


def test_backup_during_writes_restores_to_a_server_serving_the_same_threads(
    databases: tuple[str, str], tmp_path: Path
) -> None:
    live_url, restored_url = databases
    env = server_env(live_url, ROSTRA_MEDIA_DIR=str(tmp_path / "live-media"))
    add_news_site(env)
    server = start_server(env, tmp_path / "live.log")
    writer = Writer(server.url)
    backup_file = tmp_path / "backups" / "rostra.backup"
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            image = client.post("/api/v1/images", files={"file": ("a.png", png(), "image/png")})
            assert image.status_code == 201, image.text
            picture = image.json()
            with_image = client.post(
                "/api/v1/comments",
                json={
                    "site": "news",
                    "page": PAGES[0],
                    "author_name": "Photographer",
                    "body": "See the picture.",
                    "images": [{"id": picture["id"], "upload_token": picture["upload_token"]}],
                },
            )
            assert with_image.status_code == 201, with_image.text
            original_image = client.get(picture["url"]).content
        thread = threading.Thread(target=writer.run)
        thread.start()
        try:
            deadline = time.monotonic() + WRITE_SECONDS
            while len(writer.acknowledged) < 5 and time.monotonic() < deadline:
                time.sleep(0.01)  # waiting for the writer to be under way, with a deadline
            assert len(writer.acknowledged) >= 5, writer.errors
            started = time.monotonic()
            rostra(env, "backup", str(backup_file))  # while the writer keeps writing
            during = sum(1 for at, _ in writer.acknowledged if at > started)
        finally:
            writer.stop.set()
            thread.join(WRITE_SECONDS)
        assert not writer.errors, writer.errors
        original = threads(server.url)
    finally:
        server.stop()
    assert during > 0, "no comment was written while the backup ran"
    assert backup_file.exists()
    assert not backup_file.with_name(backup_file.name + ".partial").exists()
    media_copy = backup_file.with_name(backup_file.name + ".media")
    assert len([p for p in media_copy.rglob("*") if p.is_file()]) >= 1

    restore_env = server_env(restored_url, ROSTRA_MEDIA_DIR=str(tmp_path / "restored-media"))
    rostra_here(restore_env, "restore", str(backup_file))
    restored = start_server(restore_env, tmp_path / "restored.log")
    try:
        copy = threads(restored.url)
        restored_image = httpx.get(f"{restored.url}{picture['url']}", timeout=30)
    finally:
        restored.stop()

    before_backup = {cid for at, cid in writer.acknowledged if at < started}
    served = {c["id"] for page in copy.values() for c in flatten(page["comments"])}
    assert before_backup <= served  # everything committed before the backup is in it
    assert with_image.json()["id"] in served
    for page in PAGES:
        listed = list(flatten(copy[page]["comments"]))
        assert copy[page]["thread"]["comment_count"] == len(listed)  # a consistent snapshot
        originals = {c["id"]: c for c in flatten(original[page]["comments"])}
        for comment in listed:  # the same comments, exactly as the original server served them
            assert comment == {**originals[comment["id"]], "replies": comment["replies"]}
    assert restored_image.status_code == 200
    assert restored_image.content == original_image

    # A second restore over the data is refused unless forced.
    refused = run_refused(restore_env, str(backup_file))
    assert "--force" in refused


def run_refused(env: dict[str, str], backup: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "rostra", "restore", backup],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    return done.stderr


def test_backup_of_a_missing_database_fails_and_writes_nothing(tmp_path: Path) -> None:
    env = server_env(f"sqlite:///{tmp_path / 'absent.db'}")
    done = subprocess.run(
        [sys.executable, "-m", "rostra", "backup", str(tmp_path / "out.db")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "There is no database" in done.stderr
    assert not (tmp_path / "out.db").exists()
    assert not (tmp_path / "absent.db").exists()  # not created by trying


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    target = tmp_path / "target.db"
    env = server_env(f"sqlite:///{target}")
    done = subprocess.run(
        [sys.executable, "-m", "rostra", "restore", str(garbage)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "not an intact SQLite database" in done.stderr
    assert "Traceback" not in done.stderr
