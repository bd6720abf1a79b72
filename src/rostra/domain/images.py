"""Images: which formats we accept (decided from the bytes), the limits, and what a comment shows.

The codec that decodes and re-encodes lives in an adapter (``rostra.storage.images``); the rules
here are pure so that the service and the tests can state them without Pillow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from rostra.domain.comments import CONTROL_CHARACTERS
from rostra.domain.errors import DomainError, ValidationError

DEFAULT_ALT = "comment image"
MAX_ALT_LENGTH = 300
DISPLAY_SIZE = 1600
THUMBNAIL_SIZE = 400
# How long an upload may wait for its comment before it is deleted.
ORPHAN_HOURS = 24
# How many expired orphans one upload cleans, so no request pays for a long backlog.
CLEAN_BATCH = 20
# Stored names are random and never reused, so a file never changes: caches may keep it a year.
MEDIA_CACHE_CONTROL = "public, max-age=31536000, immutable"


class ImageKind(StrEnum):
    """The four accepted formats; the value is the file extension we store under."""

    JPEG = "jpg"
    PNG = "png"
    WEBP = "webp"
    GIF = "gif"

    @property
    def media_type(self) -> str:
        """The Content-Type we serve it with (our decision, never the uploader's)."""
        return {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif"}[
            self.value
        ]

    @property
    def pillow_format(self) -> str:
        """The name Pillow gives the format."""
        return {"jpg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF"}[self.value]


class UnsupportedImageError(DomainError):
    """The bytes are not a JPEG, PNG, WebP or GIF (whatever the name or declared type says)."""

    code = "unsupported_image_type"


class ImageTooLargeError(DomainError):
    """Too many bytes, pixels or frames."""

    code = "image_too_large"


class InvalidImageError(ValidationError):
    """The bytes start like an image but cannot be decoded (truncated, corrupt)."""

    code = "invalid_image"


@dataclass(frozen=True, slots=True)
class ImageLimits:
    """What one upload may cost. ``max_pixels`` bounds a frame and all frames together."""

    max_bytes: int = 5 * 1024 * 1024
    max_pixels: int = 40_000_000
    max_frames: int = 100


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An image attached to a comment, as readers see it."""

    id: str
    kind: ImageKind
    width: int
    height: int
    thumbnail_width: int
    thumbnail_height: int
    alt: str

    @property
    def file_name(self) -> str:
        """The display-size file."""
        return display_name(self.id, self.kind)

    @property
    def thumbnail_name(self) -> str:
        """The thumbnail file."""
        return thumbnail_name(self.id, self.kind)


def display_name(image_id: str, kind: ImageKind) -> str:
    """The stored name of the display-size file."""
    return f"{image_id}.{kind.value}"


def thumbnail_name(image_id: str, kind: ImageKind) -> str:
    """The stored name of the thumbnail."""
    return f"{image_id}-t.{kind.value}"


def sniff(head: bytes) -> ImageKind | None:
    """The format the first bytes announce (magic numbers), or None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return ImageKind.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ImageKind.PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ImageKind.WEBP
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return ImageKind.GIF
    return None


def fit(width: int, height: int, box: int) -> tuple[int, int]:
    """The size of ``width`` x ``height`` scaled down (never up) to fit a ``box`` square."""
    if width <= box and height <= box:
        return width, height
    scale = box / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def check_declared_size(width: int, height: int, frames: int, limits: ImageLimits) -> None:
    """Refuse, before any pixel is decoded, what the header says would be too big."""
    if width <= 0 or height <= 0:
        raise InvalidImageError("The image has no pixels.", field="file")
    if width * height > limits.max_pixels:
        raise ImageTooLargeError(
            f"The image is {width}x{height} pixels; the limit is {limits.max_pixels:,} pixels.",
            field="file",
        )
    if frames > limits.max_frames:
        raise ImageTooLargeError(
            f"The animation has {frames} frames; the limit is {limits.max_frames}.", field="file"
        )
    if width * height * frames > limits.max_pixels:
        raise ImageTooLargeError(
            f"The animation has {frames} frames of {width}x{height} pixels; the limit is "
            f"{limits.max_pixels:,} pixels in all.",
            field="file",
        )


def validate_alt(alt: str | None) -> str:
    """Alt text is one line of at most 300 characters; blank means the default."""
    text = " ".join(CONTROL_CHARACTERS.sub("", alt or "").split())
    if not text:
        return DEFAULT_ALT
    if len(text) > MAX_ALT_LENGTH:
        raise ValidationError(
            f"Alt text is limited to {MAX_ALT_LENGTH} characters.", field="images"
        )
    return text


@dataclass(frozen=True, slots=True)
class ImageAttachment:
    """An image a comment author asks to attach: the upload's id, its secret, the alt text."""

    id: str
    upload_token: str | None
    alt: str | None = None


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    """An upload after re-encoding: clean display-size and thumbnail files, nothing else kept."""

    kind: ImageKind
    width: int
    height: int
    display: bytes
    thumbnail: bytes
    thumbnail_width: int
    thumbnail_height: int


@dataclass(frozen=True, slots=True)
class StoredImage:
    """An image's stored record; ``comment_id`` is None until a comment claims it."""

    id: str
    kind: ImageKind
    width: int
    height: int
    thumbnail_width: int
    thumbnail_height: int
    byte_size: int
    upload_token_hash: str
    comment_id: str | None
    alt: str
    created_at: datetime

    def as_ref(self) -> ImageRef:
        """What readers see of it."""
        return ImageRef(
            self.id,
            self.kind,
            self.width,
            self.height,
            self.thumbnail_width,
            self.thumbnail_height,
            self.alt,
        )

    @property
    def file_names(self) -> tuple[str, str]:
        """Both stored files."""
        return display_name(self.id, self.kind), thumbnail_name(self.id, self.kind)


def media_kind(name: str) -> ImageKind | None:
    """The format a stored file's name says (ours: ``{id}.{ext}``, ``{id}-t.{ext}``,
    ``avatar-{id}.{ext}``); None for a name we never give."""
    stem, _, extension = name.rpartition(".")
    if not stem:
        return None
    try:
        return ImageKind(extension)
    except ValueError:
        return None
