"""Uploads through the API land in the configured media store (the database, an S3 bucket on
a local stand-in) and are served from it; with a public address, /media/{name} redirects."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from rostra.bootstrap import build_services
from rostra.config import Settings
from rostra.storage.media import S3ImageStore, s3_store
from rostra.web.app import create_app
from tests.api.helpers import ORIGIN
from tests.api.test_images import picture, upload
from tests.conftest import MovableClock
from tests.s3_standin import S3Bucket, s3_bucket, s3_endpoint

__all__ = ["s3_bucket", "s3_endpoint"]  # fixtures used by name


@asynccontextmanager
async def serving(
    settings: Settings, clock: MovableClock, *, new_site: bool = True
) -> AsyncIterator[httpx.AsyncClient]:
    services = build_services(settings, clock=clock)
    if new_site:
        await services.sites.add_site("news", [ORIGIN], "The Example News")
    transport = httpx.ASGITransport(app=create_app(services))  # type: ignore[arg-type]
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
    finally:
        for hook in services.on_shutdown:
            await hook()


async def upload_and_fetch(client: httpx.AsyncClient) -> tuple[dict[str, str], httpx.Response]:
    response = await upload(client, picture("PNG"), name="a.png")
    assert response.status_code == 201, response.text
    body = response.json()
    served = await client.get(body["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert served.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert (await client.get(body["thumbnail_url"])).status_code == 200
    return body, served


async def test_images_in_the_database_need_no_folder(
    settings: Settings, clock: MovableClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # where a default ./media folder would appear
    async with serving(replace(settings, media_url="database"), clock) as client:
        body, served = await upload_and_fetch(client)
        assert served.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (tmp_path / "media").exists()
    # Another server on the same database (another host) serves the same file.
    async with serving(replace(settings, media_url="database"), clock, new_site=False) as other:
        again = await other.get(body["url"])
    assert again.content == served.content


async def test_images_in_a_bucket_are_stored_there_and_served(
    settings: Settings, clock: MovableClock, s3_bucket: S3Bucket
) -> None:
    bucket_settings = replace(settings, media_url=f"s3://{s3_bucket.name}/rostra")
    async with serving(bucket_settings, clock) as client:
        body, served = await upload_and_fetch(client)
    bucket = S3ImageStore(s3_store(s3_bucket.name, "rostra", os.environ), "test bucket")
    display = body["url"].removeprefix("/media/")
    assert display in await bucket.names()
    assert await bucket.load(display) == served.content


@pytest.mark.parametrize(
    "base", ["https://cdn.example.com/media", "https://cdn.example.com/media/"]
)
async def test_a_public_address_turns_media_requests_into_redirects(
    settings: Settings, clock: MovableClock, base: str, tmp_path: Path
) -> None:
    configured = replace(settings, media_public_url=base, media_dir=str(tmp_path / "media"))
    async with serving(configured, clock) as client:
        body = (await upload(client, picture("JPEG"))).json()
        name = body["url"].removeprefix("/media/")
        moved = await client.get(body["url"])
        assert moved.status_code == 302
        assert moved.headers["location"] == f"https://cdn.example.com/media/{name}"
        assert moved.headers["cache-control"] == "public, max-age=86400"
        # The API keeps naming /media/{name}: the redirect is the only change for readers.
        assert body["url"] == f"/media/{name}"
        # Names we never give are not sent anywhere.
        assert (await client.get("/media/x.svg")).status_code == 404
        assert (await client.get("/media/noextension")).status_code == 404
        assert (await client.get("/media/a.b.png")).status_code == 404
