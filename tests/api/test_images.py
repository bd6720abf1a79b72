"""POST /api/v1/images, GET /media/{name}, and images attached to comments.

Every file here is made by the test with Pillow; refused uploads must leave nothing on disk.
"""

from __future__ import annotations

import io
import struct
import time
import zlib
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from rostra.bootstrap import build_services
from rostra.config import Settings
from rostra.services.registry import Services
from rostra.web.app import create_app
from tests.api.helpers import (
    ORIGIN,
    assert_error,
    new_comment,
    post_comment,
    read_thread,
    within_one_rate_window,
)
from tests.api.staff_helpers import MODERATOR, add_staff, sign_in
from tests.conftest import MovableClock


@pytest.fixture
def media(tmp_path: Path) -> Path:
    return tmp_path / "media"


@pytest.fixture
async def image_services(
    settings: Settings, clock: MovableClock, media: Path
) -> AsyncIterator[Services]:
    services = build_services(
        replace(settings, media_dir=str(media), image_max_bytes=1024 * 1024), clock=clock
    )
    await services.sites.add_site("news", [ORIGIN], "The Example News")
    yield services
    for hook in services.on_shutdown:
        await hook()


@pytest.fixture
async def api(image_services: Services) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(image_services))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def picture(fmt: str, size: tuple[int, int] = (64, 48), **save: Any) -> bytes:
    mode = "RGBA" if fmt in ("PNG", "WEBP") else "RGB"
    image = Image.new(mode, size, (200, 30, 30, 255) if mode == "RGBA" else (200, 30, 30))
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def animated_gif(frames: int, size: tuple[int, int] = (32, 32)) -> bytes:
    images = [Image.new("RGB", size, (i * 20 % 255, 0, 0)) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=50, loop=0)
    return out.getvalue()


async def upload(
    client: httpx.AsyncClient, data: bytes, name: str = "photo.jpg", declared: str = "image/jpeg"
) -> httpx.Response:
    return await client.post("/api/v1/images", files={"file": (name, data, declared)})


def stored(media: Path) -> list[str]:
    return sorted(p.name for p in media.iterdir()) if media.exists() else []


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp"), ("GIF", "image/gif")],
)
async def test_each_allowed_type_is_stored_and_served_with_our_headers(
    api: httpx.AsyncClient, media: Path, fmt: str, media_type: str
) -> None:
    response = await upload(api, picture(fmt), name="x.bin", declared="application/octet-stream")
    assert response.status_code == 201, response.text
    body = response.json()
    assert {"id", "url", "width", "height", "thumbnail_url", "upload_token"} <= set(body)
    assert (body["width"], body["height"]) == (64, 48)
    assert len(stored(media)) == 2
    served = await api.get(body["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == media_type
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert served.headers["cross-origin-resource-policy"] == "cross-origin"
    assert Image.open(io.BytesIO(served.content)).format == fmt
    assert (await api.get(body["thumbnail_url"])).status_code == 200


async def test_png_named_jpg_is_accepted_as_png(api: httpx.AsyncClient) -> None:
    response = await upload(api, picture("PNG"), name="holiday.jpg", declared="image/jpeg")
    assert response.status_code == 201, response.text
    assert response.json()["url"].endswith(".png")
    served = await api.get(response.json()["url"])
    assert served.headers["content-type"] == "image/png"


async def test_large_image_is_scaled_to_display_and_thumbnail_sizes(
    api: httpx.AsyncClient,
) -> None:
    response = await upload(api, picture("JPEG", (3200, 1600)))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["width"], body["height"]) == (1600, 800)
    thumb = Image.open(io.BytesIO((await api.get(body["thumbnail_url"])).content))
    assert thumb.size == (400, 200)


@pytest.mark.parametrize(
    ("data", "name", "status", "code"),
    [
        (b"<html><script>alert(1)</script></html>", "cat.png", 415, "unsupported_image_type"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "logo.svg",
            415,
            "unsupported_image_type",
        ),
        (b"", "empty.png", 415, "unsupported_image_type"),
    ],
)
async def test_non_images_are_refused_and_nothing_is_stored(
    api: httpx.AsyncClient, media: Path, data: bytes, name: str, status: int, code: str
) -> None:
    response = await upload(api, data, name=name, declared="image/png")
    assert_error(response, status, code, "file")
    assert stored(media) == []


async def test_truncated_jpeg_is_refused_and_nothing_is_stored(
    api: httpx.AsyncClient, media: Path
) -> None:
    whole = picture("JPEG", (300, 200))
    response = await upload(api, whole[: len(whole) // 2])
    assert_error(response, 400, "invalid_image", "file")
    assert stored(media) == []


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` but carries almost no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("size", [(100_000, 100_000), (8_000, 8_000)])
async def test_pixel_bomb_is_refused_before_decoding(
    api: httpx.AsyncClient, media: Path, size: tuple[int, int]
) -> None:
    started = time.monotonic()
    response = await upload(api, png_header_only(*size), name="bomb.png")
    assert_error(response, 413, "image_too_large", "file")
    # Decoding 64 million pixels would take far longer (and 192 MB); refusing takes a moment.
    assert time.monotonic() - started < 2
    assert stored(media) == []


async def test_oversize_file_is_refused_and_nothing_is_stored(
    api: httpx.AsyncClient, media: Path
) -> None:
    response = await upload(api, b"\xff\xd8\xff" + b"\0" * (1024 * 1024 + 10))
    assert_error(response, 413, "image_too_large", "file")
    assert stored(media) == []


async def test_body_far_over_the_limit_is_refused_from_its_content_length(
    api: httpx.AsyncClient, media: Path
) -> None:
    response = await upload(api, b"\xff\xd8\xff" + b"\0" * (2 * 1024 * 1024))
    assert_error(response, 413, "image_too_large", "file")
    assert "2,097" in response.json()["error"]["message"]  # the declared size, before reading
    assert stored(media) == []


async def test_too_many_gif_frames_are_refused(api: httpx.AsyncClient, media: Path) -> None:
    response = await upload(api, animated_gif(101, (8, 8)), name="a.gif")
    assert_error(response, 413, "image_too_large", "file")
    assert stored(media) == []


async def test_animated_gif_keeps_its_frames(api: httpx.AsyncClient) -> None:
    response = await upload(api, animated_gif(5), name="a.gif")
    assert response.status_code == 201, response.text
    served = Image.open(io.BytesIO((await api.get(response.json()["url"])).content))
    assert served.n_frames == 5


async def test_exif_gps_is_gone_after_upload(api: httpx.AsyncClient) -> None:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (48.0, 51.0, 24.0)
    original = picture("JPEG", exif=exif)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test file has GPS
    response = await upload(api, original)
    assert response.status_code == 201, response.text
    served = Image.open(io.BytesIO((await api.get(response.json()["url"])).content))
    assert not served.getexif().get_ifd(0x8825)
    assert 0x010F not in served.getexif()
    assert b"SpyCam" not in (await api.get(response.json()["url"])).content


async def test_gif_javascript_polyglot_is_reencoded_harmlessly(api: httpx.AsyncClient) -> None:
    script = b"<script>alert(document.domain)</script>"
    polyglot = picture("GIF", comment=script) + b"\n*/" + script
    assert Image.open(io.BytesIO(polyglot)).info["comment"] == script  # Pillow reads it
    response = await upload(api, polyglot, name="x.gif")
    assert response.status_code == 201, response.text
    served = await api.get(response.json()["url"])
    assert b"alert(document.domain)" not in served.content
    assert served.headers["content-type"] == "image/gif"


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
async def test_metadata_of_png_and_webp_is_gone_after_upload(
    api: httpx.AsyncClient, fmt: str
) -> None:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    exif.get_ifd(0x8825)[1] = "N"
    original = picture(fmt, exif=exif)
    assert b"SpyCam" in original
    response = await upload(api, original, name="x.png")
    assert response.status_code == 201, response.text
    for key in ("url", "thumbnail_url"):
        content = (await api.get(response.json()[key])).content
        assert b"SpyCam" not in content
        assert not Image.open(io.BytesIO(content)).getexif()


async def test_unknown_media_name_is_404(api: httpx.AsyncClient) -> None:
    assert (await api.get("/media/nothing.png")).status_code == 404
    # An encoded slash is refused before routing.
    assert (await api.get("/media/..%2Fsecrets.png")).status_code == 400
    assert (await api.get("/media/x.svg")).status_code == 404


async def test_upload_without_file_field_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/v1/images", files={"other": ("a.png", picture("PNG"))})
    assert_error(response, 400, "invalid", "file")
    not_a_form = await api.post("/api/v1/images", json={"file": "data:image/png;base64,AAAA"})
    assert_error(not_a_form, 400, "invalid", "file")


# Attaching to comments


async def uploaded(api: httpx.AsyncClient, fmt: str = "PNG") -> dict[str, Any]:
    response = await upload(api, picture(fmt), name="a.png")
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_comment_shows_attached_images_with_alt_text(api: httpx.AsyncClient) -> None:
    first, second = await uploaded(api), await uploaded(api, "JPEG")
    response = await post_comment(
        api,
        images=[
            {"id": first["id"], "upload_token": first["upload_token"], "alt": "A red square"},
            {"id": second["id"], "upload_token": second["upload_token"]},
        ],
    )
    assert response.status_code == 201, response.text
    shown = response.json()["images"]
    assert [image["id"] for image in shown] == [first["id"], second["id"]]
    assert shown[0]["alt"] == "A red square"
    assert shown[1]["alt"] == "comment image"
    assert set(shown[0]) >= {"id", "url", "thumbnail_url", "width", "height", "alt"}
    listed = (await read_thread(api))["comments"][0]["images"]
    assert listed == shown


async def test_a_page_shows_each_comments_images_and_none_on_the_others(
    api: httpx.AsyncClient,
) -> None:
    """The page's one read of images puts each where it belongs: on a reply, on a top-level
    comment, and on no other."""
    plain = await new_comment(api, body="No pictures here.")
    reply_image, root_image = await uploaded(api), await uploaded(api, "JPEG")
    reply = await new_comment(
        api, parent_id=plain["id"], body="A picture in reply.", images=[reply_image["id"]]
    )
    pictured = await new_comment(api, body="A picture on top.", images=[root_image["id"]])
    listed = {c["id"]: c for c in (await read_thread(api, sort="oldest"))["comments"]}
    assert listed[plain["id"]]["images"] == []
    assert [i["id"] for i in listed[pictured["id"]]["images"]] == [root_image["id"]]
    [shown_reply] = listed[plain["id"]]["replies"]
    assert shown_reply["id"] == reply["id"]
    assert [i["id"] for i in shown_reply["images"]] == [reply_image["id"]]


async def test_an_upload_with_the_wrong_token_cannot_be_attached(api: httpx.AsyncClient) -> None:
    mine, theirs = await uploaded(api), await uploaded(api)
    response = await post_comment(
        api, images=[{"id": theirs["id"], "upload_token": mine["upload_token"]}]
    )
    assert_error(response, 400, "invalid", "images")
    assert (await read_thread(api))["comments"] == []


async def test_a_bare_upload_id_attaches_as_the_contract_shows(api: httpx.AsyncClient) -> None:
    upload = await uploaded(api)
    response = await post_comment(api, images=[upload["id"]])
    assert response.status_code == 201, response.text
    assert [image["id"] for image in response.json()["images"]] == [upload["id"]]
    again = await post_comment(api, images=[upload["id"]])
    assert_error(again, 400, "invalid", "images")  # claimed once, never twice


async def test_unknown_image_id_is_400(api: httpx.AsyncClient) -> None:
    response = await post_comment(api, images=[{"id": "nope", "upload_token": "x"}])
    assert_error(response, 400, "invalid", "images")


async def test_more_than_four_images_is_400(api: httpx.AsyncClient) -> None:
    ups = [await uploaded(api) for _ in range(5)]
    response = await post_comment(
        api, images=[{"id": u["id"], "upload_token": u["upload_token"]} for u in ups]
    )
    assert_error(response, 400, "invalid", "images")


async def test_an_upload_is_attached_only_once(api: httpx.AsyncClient) -> None:
    up = await uploaded(api)
    item = {"id": up["id"], "upload_token": up["upload_token"]}
    assert (await post_comment(api, images=[item])).status_code == 201
    assert_error(await post_comment(api, images=[item]), 400, "invalid", "images")


async def test_deleting_a_comment_deletes_its_files(api: httpx.AsyncClient, media: Path) -> None:
    up = await uploaded(api)
    posted = await post_comment(api, images=[{"id": up["id"], "upload_token": up["upload_token"]}])
    comment = posted.json()
    assert len(stored(media)) == 2
    deleted = await api.delete(
        f"/api/v1/comments/{comment['id']}", headers={"X-Edit-Token": comment["edit_token"]}
    )
    assert deleted.status_code == 204
    assert stored(media) == []
    assert (await api.get(up["url"])).status_code == 404


async def test_orphan_uploads_are_cleaned_after_a_day(
    api: httpx.AsyncClient, image_services: Services, clock: MovableClock, media: Path
) -> None:
    kept = await uploaded(api)
    await post_comment(api, images=[{"id": kept["id"], "upload_token": kept["upload_token"]}])
    orphan = await uploaded(api)
    clock.advance(hours=23)
    assert image_services.images is not None
    assert await image_services.images.clean_orphans() == 0
    clock.advance(hours=2)
    await uploaded(api)  # an upload cleans a batch of expired orphans
    assert (await api.get(orphan["url"])).status_code == 404
    assert (await api.get(kept["url"])).status_code == 200
    assert len(stored(media)) == 4


async def test_upload_is_rate_limited(settings: Settings, clock: MovableClock, media: Path) -> None:
    limited = replace(
        settings, media_dir=str(media), rate_limits=True, rate_limit_images="2/minute"
    )
    services = build_services(limited, clock=clock)
    transport = httpx.ASGITransport(app=create_app(services))  # type: ignore[arg-type]
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await within_one_rate_window()
            for _ in range(2):
                assert (await upload(client, picture("PNG"))).status_code == 201
            response = await upload(client, picture("PNG"))
            assert_error(response, 429, "rate_limited", None)
    finally:
        for hook in services.on_shutdown:
            await hook()


async def test_orphan_cleaning_is_bounded_per_call(
    api: httpx.AsyncClient, image_services: Services, clock: MovableClock
) -> None:
    for _ in range(3):
        await uploaded(api)
    clock.advance(hours=48)
    assert image_services.images is not None
    assert await image_services.images.clean_orphans(limit=2) == 2
    assert await image_services.images.clean_orphans(limit=2) == 1


@pytest.mark.parametrize("decision", ["reject", "spam"])
async def test_staff_rejecting_a_comment_deletes_its_image_files(
    api: httpx.AsyncClient, image_services: Services, media: Path, decision: str
) -> None:
    up = await uploaded(api)
    kept = await uploaded(api)
    posted = await post_comment(api, images=[{"id": up["id"], "upload_token": up["upload_token"]}])
    assert posted.status_code == 201, posted.text
    other = await post_comment(
        api, images=[{"id": kept["id"], "upload_token": kept["upload_token"]}]
    )
    assert other.status_code == 201, other.text
    assert len(stored(media)) == 4
    await add_staff(image_services, MODERATOR, "moderator")
    await sign_in(api, MODERATOR)
    response = await api.post(f"/api/v1/moderation/comments/{posted.json()['id']}/{decision}")
    assert response.status_code == 200, response.text
    assert len(stored(media)) == 2  # only the other comment's display file and thumbnail
    assert (await api.get(up["url"])).status_code == 404
    assert (await api.get(kept["url"])).status_code == 200
