"""The previous release's code on the new schema: during a rolling deploy the new release
migrates first, and the old workers keep serving readers and posters until they are replaced.

The previous release is taken from the repository's history: the first parent of the commit
that brought in this version's newest migration (on main, the merge that landed it), so the
source is exactly what ran before that migration. Its app runs in a process of its own with
that source first on ``PYTHONPATH``, beside today's `rostra serve`, both on one PostgreSQL
database migrated to today's head. Without the history (a shallow clone, an unpacked
archive) this test is skipped; ``tests/integration/test_schema_compatibility.py`` holds every
migration to the expand/contract rules either way."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rostra.storage.migrate import head_revision
from tests.conftest import ORIGIN
from tests.e2e.conftest import free_port
from tests.e2e.serving import (
    Server,
    add_news_site,
    launch_program,
    launch_server,
    rostra_here,
    server_env,
    wait_until_serving,
)
from tests.e2e.test_scale_out import shared_database

__all__ = ["shared_database"]  # fixtures by name

pytestmark = [pytest.mark.postgresql]
ROOT = Path(__file__).resolve().parents[2]
VERSIONS = "src/rostra/storage/migrations/versions"
PAGE = "/2026/12/rolling-deploy"


def git(*args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=60, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"git {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout.strip()


def previous_release() -> str:
    """The commit whose code ran before this version's newest migration existed."""
    try:
        shallow = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--is-shallow-repository"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        ).stdout.strip()
    except OSError:  # no git at all
        shallow = "unknown"
    if shallow != "false":
        pytest.skip("no git history here (shallow clone or no repository)")
    # Revision files are named after their revision: 0017_media_blobs.py is revision 0017.
    [newest] = [path.name for path in (ROOT / VERSIONS).glob(f"{head_revision()}_*.py")]
    introduced = git("rev-list", "HEAD", "--", f"{VERSIONS}/{newest}").splitlines()
    if not introduced:
        pytest.skip(f"{newest} is not committed yet: there is no previous release to compare")
    return git("rev-parse", f"{introduced[-1]}^1")


def source_of(commit: str, into: Path) -> Path:
    """The ``src`` folder of ``commit``, unpacked into ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit, "src"],
        capture_output=True,
        timeout=120,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


@pytest.fixture
def old_and_new(shared_database: str, tmp_path: Path) -> Iterator[tuple[Server, Server, str]]:
    commit = previous_release()
    old_source = source_of(commit, tmp_path / "previous")
    old_revisions = {
        path.name[:4] for path in (old_source / "rostra/storage/migrations/versions").glob("0*.py")
    }
    assert head_revision() not in old_revisions  # it really predates the new schema
    env = server_env(shared_database)
    rostra_here(env, "migrate")  # the new release migrates first
    add_news_site(env)
    # The old release's environment: its own source first, and only settings it knows.
    old_env = {
        key: value for key, value in env.items() if not key.startswith(("ROSTRA_", "PYTHONPATH"))
    }
    old_env.update(
        PYTHONPATH=str(old_source),
        ROSTRA_DATABASE_URL=shared_database,
        ROSTRA_SECRET_KEY=env["ROSTRA_SECRET_KEY"],
        ROSTRA_RATE_LIMITS="off",
        ROSTRA_TOXICITY_MODEL="none",
    )
    imported = subprocess.run(
        [sys.executable, "-c", "import rostra; print(rostra.__file__)"],
        env=old_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert imported.startswith(str(old_source)), imported
    servers: list[Server] = []
    try:
        servers.append(launch_server(env, tmp_path / "new.log", cwd=tmp_path))
        # A worker of the old release as `rostra serve --workers N` starts each: its app
        # factory under uvicorn (the workers do not migrate; the new release did).
        port = free_port()
        uvicorn = ["uvicorn", "--factory", "rostra.bootstrap:asgi_app_from_environment"]
        servers.append(
            launch_program(
                [*uvicorn, "--host", "127.0.0.1", "--port", str(port)],
                port,
                old_env,
                tmp_path / "old.log",
                cwd=tmp_path,
            )
        )
        for server in servers:  # the two started side by side
            wait_until_serving(server)
        yield servers[1], servers[0], commit
    finally:
        for server in servers:
            server.stop()


async def test_the_previous_release_reads_and_posts_on_the_new_schema(
    old_and_new: tuple[Server, Server, str],
) -> None:
    old, new, commit = old_and_new
    thread = {"site": "news", "page": PAGE}
    async with httpx.AsyncClient(timeout=30, headers={"Origin": ORIGIN}) as client:
        first = await client.post(
            f"{new.url}/api/v1/comments",
            json={**thread, "author_name": "Ann", "body": "Posted by the new release."},
        )
        assert first.status_code == 201, first.text
        # The old release reads what the new one wrote, and posts a reply to it...
        read = await client.get(f"{old.url}/api/v1/comments", params=thread)
        assert read.status_code == 200, old.output()
        assert [c["id"] for c in read.json()["comments"]] == [first.json()["id"]]
        reply = await client.post(
            f"{old.url}/api/v1/comments",
            json={
                **thread,
                "author_name": "Bo",
                "body": f"A reply from the release before ({commit[:8]}).",
                "parent_id": first.json()["id"],
            },
        )
        assert reply.status_code == 201, old.output()
        top = await client.post(
            f"{old.url}/api/v1/comments",
            json={**thread, "author_name": "Cy", "body": "A new thread from the old release."},
        )
        assert top.status_code == 201, old.output()
        # ... and the new release reads what the old one wrote, and both count the same.
        for server in (new, old):
            page = await client.get(f"{server.url}/api/v1/comments", params=thread)
            assert page.status_code == 200, server.output()
            ids = {c["id"] for c in page.json()["comments"]}
            ids |= {r["id"] for c in page.json()["comments"] for r in c.get("replies", [])}
            assert ids == {first.json()["id"], reply.json()["id"], top.json()["id"]}, page.text
            counted = await client.post(
                f"{server.url}/api/v1/counts", json={"site": "news", "pages": [PAGE]}
            )
            assert counted.json()["counts"][PAGE] == 3, counted.text
