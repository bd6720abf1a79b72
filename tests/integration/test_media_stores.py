"""The three image stores behind one port: a folder, the database (SQLite and PostgreSQL), and an
S3-compatible bucket (moto's server on 127.0.0.1, spoken to by the real obstore client); and
copying from one to another as ``rostra media migrate`` does."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import obstore
import pytest

from rostra.services.images import copy_media
from rostra.services.ports import ImageStore
from rostra.storage.database import Database
from rostra.storage.images import LocalImageStore
from rostra.storage.media import DatabaseImageStore, S3ImageStore, s3_store
from rostra.storage.tables import media_blobs
from tests.s3_standin import S3Bucket, s3_bucket, s3_endpoint

__all__ = ["s3_bucket", "s3_endpoint"]  # fixtures used by name

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40  # the stores keep bytes; no decoding here


@pytest.fixture(
    params=["file", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql), "s3"]
)
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> AsyncIterator[ImageStore]:
    """An empty store of each kind (the database one on SQLite and on PostgreSQL)."""
    if request.param == "file":
        yield LocalImageStore(tmp_path / "media")
    elif request.param == "s3":
        bucket: S3Bucket = request.getfixturevalue("s3_bucket")
        yield S3ImageStore(s3_store(bucket.name, "site/media", os.environ), f"s3://{bucket.name}")
    else:
        if request.param == "sqlite":
            shutil.copyfile(sqlite_template, tmp_path / "rostra.db")
            url = f"sqlite:///{tmp_path / 'rostra.db'}"
        else:
            url = request.getfixturevalue("postgresql_database")
        database = Database(url)
        async with database.write(bulk=True) as tx:
            await tx.connection.execute(media_blobs.delete())
        yield DatabaseImageStore(database)
        await database.close()


async def test_a_saved_file_loads_lists_and_deletes(store: ImageStore) -> None:
    await store.save("a1b2c3.png", PNG, "image/png")
    await store.save("a1b2c3-t.png", b"thumb", "image/png")
    assert await store.load("a1b2c3.png") == PNG
    assert await store.names() == ["a1b2c3-t.png", "a1b2c3.png"]
    await store.delete(["a1b2c3.png", "never-stored.png"])  # a missing one is ignored
    assert await store.load("a1b2c3.png") is None
    assert await store.names() == ["a1b2c3-t.png"]


@pytest.mark.parametrize("name", ["", ".hidden.png", "../etc/passwd", "a/b.png", "x y.png"])
async def test_a_name_we_never_give_is_neither_found_nor_stored(
    store: ImageStore, name: str
) -> None:
    assert await store.load(name) is None
    with pytest.raises(ValueError, match="not a stored image name"):
        await store.save(name, PNG, "image/png")
    with pytest.raises(ValueError, match="not a stored image name"):
        await store.delete([name])
    assert await store.names() == []


async def test_saving_a_name_again_replaces_its_bytes(store: ImageStore) -> None:
    await store.save("same.jpg", b"first", "image/jpeg")
    await store.save("same.jpg", b"second", "image/jpeg")
    assert await store.load("same.jpg") == b"second"
    assert await store.names() == ["same.jpg"]


async def test_bucket_objects_carry_their_type_and_cache_headers(s3_bucket: S3Bucket) -> None:
    client = s3_store(s3_bucket.name, "pre/fix", os.environ)
    store = S3ImageStore(client, f"s3://{s3_bucket.name}/pre/fix")
    await store.save("photo.webp", b"RIFF....WEBP", "image/webp")
    # Under the prefix in the bucket itself, with the headers a CDN in front would serve.
    raw = s3_store(s3_bucket.name, "", os.environ)
    found = await obstore.get_async(raw, "pre/fix/photo.webp")
    assert found.attributes["Content-Type"] == "image/webp"
    assert found.attributes["Cache-Control"] == "public, max-age=31536000, immutable"
    assert bytes(await found.bytes_async()) == b"RIFF....WEBP"


async def test_a_bucket_that_does_not_exist_is_an_os_error(s3_bucket: S3Bucket) -> None:
    store = S3ImageStore(s3_store("no-such-bucket", "", os.environ), "s3://no-such-bucket")
    with pytest.raises(OSError, match="no-such-bucket"):
        await store.save("a.png", PNG, "image/png")
    with pytest.raises(OSError, match="no-such-bucket"):
        await store.names()


async def test_wrong_credentials_are_an_os_error_not_a_missing_file(
    s3_bucket: S3Bucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    store = S3ImageStore(s3_store(s3_bucket.name, "", os.environ), "s3://unreachable")
    with pytest.raises(OSError, match="unreachable"):
        await store.load("a.png")


async def test_copying_moves_every_file_once_and_resumes(tmp_path: Path, store: ImageStore) -> None:
    source = LocalImageStore(tmp_path / "old-media")
    names = [f"img{n}.png" for n in range(12)] + ["avatar-x1.jpg"]
    for name in names:
        await source.save(name, name.encode() + PNG, "image/png")
    # As if an earlier run stopped after two files.
    await store.save(names[0], names[0].encode() + PNG, "image/png")
    await store.save(names[1], names[1].encode() + PNG, "image/png")
    planned: list[int] = []
    done: list[str] = []
    report = await copy_media(source, store, on_start=planned.append, on_file=done.append)
    assert (report.copied, report.present, planned) == (11, 2, [11])
    assert sorted(done) == sorted(names[2:])
    assert await store.names() == sorted(names)
    for name in names:
        assert await store.load(name) == name.encode() + PNG
    again = await copy_media(source, store)
    assert (again.copied, again.present) == (0, 13)
    assert await source.names() == sorted(names)  # the source is left as it was


async def test_a_failing_target_stops_the_copy_with_its_error(tmp_path: Path) -> None:
    source = LocalImageStore(tmp_path / "media")
    await source.save("a.png", PNG, "image/png")
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    with pytest.raises(OSError):
        await copy_media(source, LocalImageStore(blocked))
    assert await source.load("a.png") == PNG
