"""Image rules: formats from magic numbers, size fitting, declared-size limits, alt text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rostra.domain.errors import ValidationError
from rostra.domain.images import (
    DEFAULT_ALT,
    ImageKind,
    ImageLimits,
    ImageTooLargeError,
    InvalidImageError,
    check_declared_size,
    fit,
    sniff,
    validate_alt,
)


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", ImageKind.JPEG),
        (b"\x89PNG\r\n\x1a\n\x00\x00", ImageKind.PNG),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", ImageKind.WEBP),
        (b"GIF89a\x01\x00", ImageKind.GIF),
        (b"GIF87a\x01\x00", ImageKind.GIF),
    ],
)
def test_accepted_formats_are_recognised_by_their_first_bytes(head: bytes, kind: ImageKind) -> None:
    assert sniff(head) is kind


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"<svg xmlns='http://www.w3.org/2000/svg'>",
        b"<html><script>",
        b"BM6\x00\x00\x00",  # BMP
        b"II*\x00",  # TIFF
        b"RIFF\x10\x00\x00\x00WAVEfmt ",  # RIFF, but audio
        b"GIF90a",
        b"%PDF-1.7",
    ],
)
def test_anything_else_is_not_an_image_we_accept(head: bytes) -> None:
    assert sniff(head) is None


def test_media_types_are_ours() -> None:
    assert [kind.media_type for kind in ImageKind] == [
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/gif",
    ]


@given(st.integers(1, 20_000), st.integers(1, 20_000), st.integers(1, 2_000))
def test_fit_never_grows_keeps_within_the_box_and_keeps_the_shape(
    width: int, height: int, box: int
) -> None:
    w, h = fit(width, height, box)
    assert 1 <= w <= min(width, box)
    assert 1 <= h <= min(height, box)
    if width <= box and height <= box:
        assert (w, h) == (width, height)
    else:
        assert max(w, h) == box


def test_declared_size_within_limits_passes() -> None:
    check_declared_size(4000, 3000, 1, ImageLimits())


@pytest.mark.parametrize(
    ("width", "height", "frames"),
    [(100_000, 100_000, 1), (7000, 7000, 1), (10, 10, 101), (2000, 2000, 20)],
)
def test_declared_size_beyond_limits_is_refused(width: int, height: int, frames: int) -> None:
    with pytest.raises(ImageTooLargeError) as caught:
        check_declared_size(width, height, frames, ImageLimits())
    assert caught.value.code == "image_too_large"
    assert caught.value.field == "file"


def test_an_image_without_pixels_is_invalid() -> None:
    with pytest.raises(InvalidImageError):
        check_declared_size(0, 10, 1, ImageLimits())


@pytest.mark.parametrize(
    ("given_alt", "kept"),
    [(None, DEFAULT_ALT), ("   ", DEFAULT_ALT), (" A  map\nof\x00 Paris ", "A map of Paris")],
)
def test_alt_text_is_one_clean_line_defaulting_to_comment_image(
    given_alt: str | None, kept: str
) -> None:
    assert validate_alt(given_alt) == kept


def test_overlong_alt_text_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_alt("x" * 301)
    assert caught.value.field == "images"
