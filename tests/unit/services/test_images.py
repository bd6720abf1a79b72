"""The image adapters the service relies on: the local file store and the Pillow re-encoder."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from rostra.domain.images import ImageKind, ImageLimits, InvalidImageError, UnsupportedImageError
from rostra.storage.images import LocalImageStore, process_image


async def test_local_store_saves_loads_and_deletes(tmp_path: Path) -> None:
    store = LocalImageStore(tmp_path / "media")
    await store.save("abc.png", b"data", "image/png")
    assert await store.load("abc.png") == b"data"
    assert [p.name for p in (tmp_path / "media").iterdir()] == ["abc.png"]  # no temp files left
    await store.delete(["abc.png", "missing.png"])
    assert await store.load("abc.png") is None


@pytest.mark.parametrize("name", ["../rostra.db", ".hidden", "a/b.png", "", "x\\y.png", "%2e%2e"])
async def test_local_store_never_reads_outside_its_folder(tmp_path: Path, name: str) -> None:
    (tmp_path / "rostra.db").write_bytes(b"secret")
    store = LocalImageStore(tmp_path / "media")
    assert await store.load(name) is None
    with pytest.raises(ValueError, match="not a stored image name"):
        await store.save(name, b"x", "image/png")


def encoded(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    ("image", "fmt", "kind"),
    [
        (Image.new("CMYK", (40, 30), (0, 255, 0, 0)), "JPEG", ImageKind.JPEG),
        (Image.new("L", (40, 30), 128), "JPEG", ImageKind.JPEG),
        (Image.new("I;16", (40, 30), 4000), "PNG", ImageKind.PNG),
        (Image.new("P", (40, 30), 3), "PNG", ImageKind.PNG),
        (Image.new("LA", (40, 30), (10, 100)), "PNG", ImageKind.PNG),
        (Image.new("RGBA", (40, 30), (1, 2, 3, 0)), "GIF", ImageKind.GIF),
    ],
)
def test_unusual_pixel_modes_come_out_as_plain_images(
    image: Image.Image, fmt: str, kind: ImageKind
) -> None:
    result = process_image(encoded(image, fmt), kind, ImageLimits())
    assert (result.width, result.height) == (40, 30)
    assert Image.open(io.BytesIO(result.display)).format == fmt
    assert Image.open(io.BytesIO(result.thumbnail)).size == (40, 30)


def test_format_must_agree_with_the_magic_number() -> None:
    png = encoded(Image.new("RGB", (4, 4)), "PNG")
    with pytest.raises(UnsupportedImageError):
        process_image(png, ImageKind.JPEG, ImageLimits())


def test_corrupt_png_body_is_invalid() -> None:
    png = encoded(Image.new("RGB", (64, 64)), "PNG")
    with pytest.raises(InvalidImageError):
        process_image(png[:60], ImageKind.PNG, ImageLimits())
