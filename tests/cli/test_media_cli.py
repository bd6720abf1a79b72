"""``rostra media migrate --to URL``: every image copied once, again harmlessly, refusals clear.

Run in this process through Typer's runner (each subprocess start costs seconds);
tests/cli/test_cli.py runs the real command line for its help."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rostra.cli.app import app
from rostra.storage.media import S3ImageStore, s3_store
from tests.s3_standin import S3Bucket, s3_bucket, s3_endpoint

__all__ = ["s3_bucket", "s3_endpoint"]  # fixtures used by name

FILES = {"a1.png": b"\x89PNG one", "a1-t.png": b"\x89PNG two", "avatar-b2.jpg": b"\xff\xd8\xff"}


class Cli:
    """``rostra …`` with its own environment (``ROSTRA_*`` of the test run left out)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.database = folder / "rostra.db"
        self.env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("ROSTRA_")}
        self.env.update(ROSTRA_DATABASE_URL=f"sqlite:///{self.database}", COLUMNS="200")

    def __call__(self, *args: str) -> Result:
        result = CliRunner().invoke(app, list(args), env=self.env)
        return Result(result.exit_code, result.stdout, result.stderr)


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    cli = Cli(tmp_path)
    media = tmp_path / "media"  # the default folder, next to the SQLite file
    media.mkdir()
    for name, data in FILES.items():
        (media / name).write_bytes(data)
    (media / ".a9.png.1234.part").write_bytes(b"half a file")  # an upload cut short
    return cli


def blobs(cli: Cli) -> dict[str, bytes]:
    with sqlite3.connect(cli.database) as conn:
        return dict(conn.execute("SELECT name, data FROM media_blobs").fetchall())


def test_images_move_into_the_database_once(cli: Cli) -> None:
    first = cli("media", "migrate", "--to", "database")
    assert first.returncode == 0, first.stderr
    assert "Copied 3 image files to database (0 were already there)" in first.stdout
    assert "ROSTRA_MEDIA_URL=database" in first.stdout
    assert blobs(cli) == FILES
    again = cli("media", "migrate", "--to", "database")
    assert again.returncode == 0, again.stderr
    assert "Copied 0 image files to database (3 were already there)" in again.stdout
    assert sorted(p.name for p in (cli.folder / "media").iterdir() if p.name[0] != ".") == sorted(
        FILES
    )  # the source is left as it was


def test_images_move_into_a_bucket(cli: Cli, s3_bucket: S3Bucket) -> None:
    cli.env.update(s3_bucket.environment)
    moved = cli("media", "migrate", "--to", f"s3://{s3_bucket.name}/news")
    assert moved.returncode == 0, moved.stderr
    assert f"ROSTRA_MEDIA_URL=s3://{s3_bucket.name}/news" in moved.stdout
    bucket = S3ImageStore(s3_store(s3_bucket.name, "news", os.environ), "bucket")
    assert asyncio.run(bucket.names()) == sorted(FILES)
    assert asyncio.run(bucket.load("a1.png")) == FILES["a1.png"]


def test_from_the_database_to_a_folder(cli: Cli, tmp_path: Path) -> None:
    assert cli("media", "migrate", "--to", "database").returncode == 0
    cli.env["ROSTRA_MEDIA_URL"] = "database"
    out = tmp_path / "shared"
    moved = cli("media", "migrate", "--to", f"file://{out}")
    assert moved.returncode == 0, moved.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == FILES


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        ("media", "--to must be file:///absolute/folder, database, or s3://bucket/prefix"),
        ("s3://Bad_Bucket", "is not an S3 bucket name"),
        ("file://relative/media", "is not a local folder"),
    ],
)
def test_a_target_rostra_cannot_use_is_refused(cli: Cli, target: str, problem: str) -> None:
    refused = cli("media", "migrate", "--to", target)
    assert refused.returncode == 2
    assert problem in refused.stderr


def test_the_store_in_use_is_refused_as_a_target(cli: Cli) -> None:
    refused = cli("media", "migrate", "--to", f"file://{cli.folder / 'media'}")
    assert refused.returncode == 2
    assert "already in" in refused.stderr
    cli.env["ROSTRA_MEDIA_URL"] = "database"
    assert cli("media", "migrate", "--to", "database").returncode == 2


def test_an_unreachable_target_fails_and_says_to_run_again(cli: Cli) -> None:
    cli.env.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="y", AWS_REGION="us-east-1")
    cli.env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"  # nothing listens there
    failed = cli("media", "migrate", "--to", "s3://news-media")
    assert failed.returncode == 1
    assert "run the command again" in failed.stderr


def test_serving_with_a_media_url_rostra_cannot_use_exits_2_naming_it(cli: Cli) -> None:
    cli.env["ROSTRA_MEDIA_URL"] = "ftp://files.example/media"
    refused = cli("serve", "--port", "1")
    assert refused.returncode == 2
    assert "ROSTRA_MEDIA_URL must be file:///absolute/folder, database, or s3://" in refused.stderr


def test_a_backup_says_where_images_kept_outside_a_folder_are(cli: Cli) -> None:
    assert cli("migrate").returncode == 0
    cli.env["ROSTRA_MEDIA_URL"] = "database"
    backup = cli.folder / "backup.db"
    done = cli("backup", str(backup))
    assert done.returncode == 0, done.stderr
    assert "in the database they are part of this backup" in done.stdout
    assert not (cli.folder / "backup.db.media").exists()
