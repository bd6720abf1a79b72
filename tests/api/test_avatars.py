"""A signed-in reader's uploaded picture: POST/DELETE /api/v1/me/avatar, served from
/media/, shown on the account and its comments, in the export, and gone with the account.
Every file is made by the test with Pillow."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from PIL import Image

from rostra.bootstrap import build_services
from rostra.config import Settings
from rostra.services.registry import Services
from rostra.web.app import create_app
from tests.api.account_helpers import enable_sso, mint, sign_in
from tests.api.helpers import ORIGIN, PAGE, assert_error, comment_body
from tests.api.test_images import picture
from tests.conftest import MovableClock


@pytest.fixture
def media(tmp_path: Path) -> Path:
    return tmp_path / "media"


@pytest.fixture
async def avatar_services(
    settings: Settings, clock: MovableClock, media: Path
) -> AsyncIterator[Services]:
    services = build_services(
        replace(settings, media_dir=str(media), image_max_bytes=8 * 1024 * 1024), clock=clock
    )
    await services.sites.add_site("news", [ORIGIN], "The Example News")
    await enable_sso(services)
    yield services
    for hook in services.on_shutdown:
        await hook()


@pytest.fixture
async def api(avatar_services: Services) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(avatar_services))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def reader(api: httpx.AsyncClient, clock: MovableClock) -> dict[str, object]:
    return await sign_in(api, mint(clock.now()))


def stored(media: Path) -> list[str]:
    return sorted(p.name for p in media.iterdir()) if media.exists() else []


async def upload(
    client: httpx.AsyncClient, data: bytes, declared: str = "image/jpeg"
) -> httpx.Response:
    return await client.post("/api/v1/me/avatar", files={"file": ("me.jpg", data, declared)})


def photo_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (48.0, 51.0, 24.0)
    return picture("JPEG", (300, 200), exif=exif)


async def test_uploaded_picture_is_cropped_cleaned_and_shown(
    api: httpx.AsyncClient, reader: dict[str, object], media: Path, clock: MovableClock
) -> None:
    earlier = await api.post("/api/v1/comments", json=comment_body(body="Before the picture."))
    assert earlier.status_code == 201, earlier.text
    response = await upload(api, photo_with_gps())
    assert response.status_code == 200, response.text
    url = response.json()["avatar"]
    assert url.startswith("http://testserver/media/avatar-") and url.endswith(".jpg")
    served = await api.get(url.removeprefix("http://testserver"))
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(served.content))
    assert image.size == (128, 128)
    assert not image.getexif().get_ifd(0x8825)
    assert b"SpyCam" not in served.content
    assert (await api.get("/api/v1/me")).json()["reader"]["avatar"] == url
    later = await api.post("/api/v1/comments", json=comment_body(body="After the picture."))
    assert later.json()["author"]["avatar"] == url
    listed = await api.get("/api/v1/comments", params={"site": "news", "page": PAGE})
    assert {c["author"]["avatar"] for c in listed.json()["comments"]} == {url}
    # Signing in again keeps the uploaded picture over the publisher's.
    again = await sign_in(api, mint(clock.now()))
    assert again["reader"]["avatar"] == url  # type: ignore[index]
    exported = (await api.get("/api/v1/me/export")).json()
    assert exported["account"]["avatar"] == url
    assert exported["account"]["avatar_uploaded"] is True


async def test_png_keeps_png_and_replacing_deletes_the_old_file(
    api: httpx.AsyncClient, reader: dict[str, object], media: Path
) -> None:
    first = (await upload(api, picture("PNG", (40, 90)), "image/png")).json()["avatar"]
    assert first.endswith(".png")
    assert len(stored(media)) == 1
    second = (await upload(api, picture("WEBP", (90, 40)), "image/webp")).json()["avatar"]
    assert stored(media) == [second.rsplit("/", 1)[1]]
    assert (await api.get(first.removeprefix("http://testserver"))).status_code == 404


async def test_removed_picture_falls_back_and_its_file_is_gone(
    api: httpx.AsyncClient, reader: dict[str, object], media: Path
) -> None:
    url = (await upload(api, picture("GIF", (50, 50)), "image/gif")).json()["avatar"]
    removed = await api.delete("/api/v1/me/avatar")
    assert removed.status_code == 200, removed.text
    assert removed.json()["avatar"].startswith("https://www.gravatar.com/avatar/")
    assert stored(media) == []
    assert (await api.get(url.removeprefix("http://testserver"))).status_code == 404


async def test_forgetting_the_account_deletes_the_picture(
    api: httpx.AsyncClient, reader: dict[str, object], media: Path
) -> None:
    await upload(api, picture("JPEG", (64, 64)))
    assert len(stored(media)) == 1
    assert (await api.delete("/api/v1/me")).status_code == 200
    assert stored(media) == []


async def test_bad_uploads_are_refused_and_nothing_is_stored(
    api: httpx.AsyncClient, reader: dict[str, object], media: Path
) -> None:
    assert_error(await upload(api, b"<svg onload=alert(1)>", "image/svg+xml"), 415, field="file")
    assert_error(await upload(api, b"just some text, not a picture"), 415, "unsupported_image_type")
    damaged = picture("JPEG", (300, 300))[:200]
    assert_error(await upload(api, damaged), 400, "invalid_image", "file")
    big = b"\xff\xd8\xff" + b"\0" * (5 * 1024 * 1024 + 10)
    assert_error(await upload(api, big), 413, "image_too_large", "file")
    assert_error(
        await api.post("/api/v1/me/avatar", json={"file": "data:image/png;base64,AAAA"}),
        400,
        field="file",
    )
    assert_error(
        await api.post(
            "/api/v1/me/avatar", files={"other": ("a.png", picture("PNG"), "image/png")}
        ),
        400,
        field="file",
    )
    assert stored(media) == []


async def test_picture_needs_a_session_and_its_csrf_token(
    api: httpx.AsyncClient, avatar_services: Services, media: Path, clock: MovableClock
) -> None:
    assert_error(await upload(api, picture("PNG"), "image/png"), 401, "sign_in_required")
    assert_error(await api.delete("/api/v1/me/avatar"), 401, "sign_in_required")
    await sign_in(api, mint(clock.now()))
    del api.headers["X-CSRF-Token"]
    assert_error(await upload(api, picture("PNG"), "image/png"), 403, "csrf_failed")
    assert_error(await api.delete("/api/v1/me/avatar"), 403, "csrf_failed")
    api.headers["X-CSRF-Token"] = "wrong"
    assert_error(await upload(api, picture("PNG"), "image/png"), 403, "csrf_failed")
    assert stored(media) == []
