"""Images outside the services: their SQL records, their files in a local folder, and Pillow.

``LocalImageStore`` is the default ``ImageStore``; the database and S3-compatible stores are in
``rostra.storage.media``, and ``bootstrap.build_image_store`` picks one from ``ROSTRA_MEDIA_URL``.
"""

from __future__ import annotations

import asyncio
import io
import os
import secrets
import tempfile
import warnings
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from PIL import Image, ImageFile, ImageOps, ImageSequence, UnidentifiedImageError
from sqlalchemy.ext.asyncio import AsyncConnection

from rostra.domain.images import (
    DISPLAY_SIZE,
    THUMBNAIL_SIZE,
    ImageKind,
    ImageLimits,
    ImageTooLargeError,
    InvalidImageError,
    ProcessedImage,
    StoredImage,
    UnsupportedImageError,
    check_declared_size,
    fit,
)
from rostra.domain.times import from_us, to_us
from rostra.storage.id_lists import in_list
from rostra.storage.prebuilt import prebuilt
from rostra.storage.tables import images

# The images of a page's comments, in display order.
_FOR_COMMENTS = prebuilt(
    sa.select(images)
    .where(in_list(images.c.comment_id, "ids"))
    .order_by(images.c.comment_id, images.c.position)
)

# Decoding never accepts a file that ends early: a truncated upload is refused, not padded.
ImageFile.LOAD_TRUNCATED_IMAGES = False
SAFE_NAME = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def _to_image(row: Any) -> StoredImage:
    return StoredImage(
        id=row.id,
        kind=ImageKind(row.kind),
        width=row.width,
        height=row.height,
        thumbnail_width=row.thumbnail_width,
        thumbnail_height=row.thumbnail_height,
        byte_size=row.byte_size,
        upload_token_hash=row.upload_token_hash,
        comment_id=row.comment_id,
        alt=row.alt,
        created_at=from_us(row.created_us),
    )


class SqlImageRepository:
    """``ImageRepository`` on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, image: StoredImage) -> None:
        await self._conn.execute(
            images.insert().values(
                id=image.id,
                comment_id=image.comment_id,
                kind=image.kind.value,
                width=image.width,
                height=image.height,
                thumbnail_width=image.thumbnail_width,
                thumbnail_height=image.thumbnail_height,
                byte_size=image.byte_size,
                alt=image.alt,
                upload_token_hash=image.upload_token_hash,
                created_us=to_us(image.created_at),
            )
        )

    async def get_many(self, image_ids: Sequence[str]) -> list[StoredImage]:
        if not image_ids:
            return []
        rows = await self._conn.execute(sa.select(images).where(images.c.id.in_(list(image_ids))))
        return [_to_image(row) for row in rows]

    async def attach(self, image_id: str, comment_id: str, position: int, alt: str) -> bool:
        result = await self._conn.execute(
            images.update()
            .where(images.c.id == image_id, images.c.comment_id.is_(None))
            .values(comment_id=comment_id, position=position, alt=alt)
        )
        return bool(result.rowcount)

    async def for_comments(self, comment_ids: Sequence[str]) -> dict[str, list[StoredImage]]:
        if not comment_ids:
            return {}
        rows = await self._conn.execute(_FOR_COMMENTS, {"ids": list(comment_ids)})
        found: dict[str, list[StoredImage]] = {}
        for row in rows:
            found.setdefault(row.comment_id, []).append(_to_image(row))
        return found

    async def delete_for_comment(self, comment_id: str) -> list[StoredImage]:
        deleted = await self._conn.execute(
            images.delete().where(images.c.comment_id == comment_id).returning(*images.c)
        )
        return [_to_image(row) for row in deleted]

    async def take_orphans(self, uploaded_before: datetime, limit: int) -> list[StoredImage]:
        rows = await self._conn.execute(
            sa.select(images.c.id)
            .where(images.c.comment_id.is_(None), images.c.created_us < to_us(uploaded_before))
            .order_by(images.c.created_us)
            .limit(limit)
        )
        candidates = [row.id for row in rows]
        if not candidates:
            return []
        # RETURNING: only rows still unclaimed now are gone; a comment that claimed one between
        # the SELECT and the DELETE keeps it, and its files.
        deleted = await self._conn.execute(
            images.delete()
            .where(images.c.id.in_(candidates), images.c.comment_id.is_(None))
            .returning(*images.c)
        )
        return [_to_image(row) for row in deleted]


class LocalImageStore:
    """``ImageStore`` in one folder; files are written under a temporary name and renamed, so a
    reader never sees half a file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, name: str) -> Path:
        return self.folder / checked_name(name)

    async def save(self, name: str, data: bytes, media_type: str) -> None:
        del media_type  # the name's extension says it; S3 would set it as the object's type
        path = self._path(name)
        await asyncio.to_thread(self._write, path, data)

    def _write(self, path: Path, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            with open(partial, "xb") as file:
                file.write(data)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)

    async def load(self, name: str) -> bytes | None:
        try:
            path = self._path(name)
        except ValueError:
            return None
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    async def delete(self, names: Sequence[str]) -> None:
        paths = [self._path(name) for name in names]
        await asyncio.to_thread(_unlink_all, paths)

    async def names(self) -> list[str]:
        return await asyncio.to_thread(self._list)

    async def check(self) -> str:
        await asyncio.to_thread(self._check)
        return f"folder {self.folder}"

    def _check(self) -> None:
        # A real file, created and removed: permission bits alone miss read-only mounts and
        # network shares that map the user. Its dotted name is never a stored name.
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.folder, prefix=".ready-", suffix=".part"):
                pass
        except OSError as exc:
            raise OSError(f"cannot write to the folder {self.folder}: {exc.strerror}") from exc

    def _list(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        # Partial files (".name.part") and anything not named by us are left out.
        return sorted(
            entry.name
            for entry in os.scandir(self.folder)
            if entry.is_file() and is_stored_name(entry.name)
        )


def is_stored_name(name: str) -> bool:
    """Whether ``name`` could be one of ours (random id + our extension): a request path
    reaches ``load``, so nothing else is ever looked up."""
    return bool(name) and not name.startswith(".") and set(name) <= SAFE_NAME and len(name) <= 80


def checked_name(name: str) -> str:
    """``name`` if it could be one of ours, else ``ValueError``."""
    if not is_stored_name(name):
        raise ValueError(f"not a stored image name: {name!r}")
    return name


def _unlink_all(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


class PillowImageCodec:
    """``ImageCodec`` on Pillow, in worker threads, at most ``concurrency`` images at a time
    (each may hold tens of megabytes of pixels)."""

    def __init__(self, concurrency: int = 2) -> None:
        self._slots = asyncio.Semaphore(concurrency)

    async def process(self, data: bytes, kind: ImageKind, limits: ImageLimits) -> ProcessedImage:
        async with self._slots:
            return await asyncio.to_thread(process_image, data, kind, limits)

    async def avatar(self, data: bytes, kind: ImageKind, limits: ImageLimits, size: int) -> bytes:
        async with self._slots:
            return await asyncio.to_thread(process_avatar, data, kind, limits, size)


def process_avatar(data: bytes, kind: ImageKind, limits: ImageLimits, size: int) -> bytes:
    """A reader's picture: the upload goes through ``process_image`` (bounds, real
    decode, upright, metadata dropped), then its first frame is centre-cropped to a square of
    ``size`` pixels and written as PNG, or JPEG for photos."""
    processed = process_image(data, kind, limits)
    with Image.open(io.BytesIO(processed.display)) as clean:
        clean.seek(0)
        still = _normalized(clean.convert("RGBA"), ImageKind.PNG)
        square = ImageOps.fit(still, (size, size), Image.Resampling.LANCZOS)
    square.info = {}
    out = io.BytesIO()
    if kind is ImageKind.JPEG:
        square.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    else:
        square.save(out, "PNG", optimize=True)
    return out.getvalue()


def process_image(data: bytes, kind: ImageKind, limits: ImageLimits) -> ProcessedImage:
    """Identify, bound, decode and re-encode one upload (blocking: run it in a thread)."""
    with warnings.catch_warnings():
        # Pillow's own bomb guard warns between MAX_IMAGE_PIXELS and twice that: make it an
        # error too, and keep its bound in step with ours.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[kind.pillow_format]) as source:
                if source.format != kind.pillow_format:
                    raise UnsupportedImageError("The file's format is not accepted.", field="file")
                frames = getattr(source, "n_frames", 1) if kind is ImageKind.GIF else 1
                check_declared_size(source.width, source.height, frames, limits)
                return _reencode(source, kind, frames)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageTooLargeError(
                "The image declares more pixels than allowed.", field="file"
            ) from exc
        except UnidentifiedImageError as exc:
            raise UnsupportedImageError(
                f"The file starts like a {kind.pillow_format} image but is not one.", field="file"
            ) from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise InvalidImageError(
                "The image is damaged or cut short and cannot be read.", field="file"
            ) from exc


def _reencode(source: Image.Image, kind: ImageKind, frames: int) -> ProcessedImage:
    if kind is ImageKind.GIF and frames > 1:
        display, width, height = _animated(source, DISPLAY_SIZE)
        thumbnail, thumb_w, thumb_h = _animated(source, THUMBNAIL_SIZE)
    else:
        if kind is ImageKind.JPEG:
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when that still covers the display size.
            source.draft(None, fit(source.width, source.height, DISPLAY_SIZE))
        source.load()
        # Apply the camera's rotation before EXIF is dropped, or portraits would lie down.
        upright = ImageOps.exif_transpose(source)
        still = _normalized(upright, kind)
        large = _fitted(still, DISPLAY_SIZE)
        width, height = large.size
        display = _encode(large, kind, source)
        small = _fitted(still, THUMBNAIL_SIZE)
        thumb_w, thumb_h = small.size
        thumbnail = _encode(small, kind, source)
    return ProcessedImage(kind, width, height, display, thumbnail, thumb_w, thumb_h)


def _normalized(image: Image.Image, kind: ImageKind) -> Image.Image:
    """Pixels in a mode the output format writes plainly (no CMYK JPEG, no 16-bit PNG)."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if kind is ImageKind.JPEG:
        return image.convert("RGB") if image.mode not in ("RGB", "L") else image
    if kind is ImageKind.GIF:
        return image.convert("RGBA") if has_alpha else image.convert("RGB")
    return image.convert("RGBA" if has_alpha else "RGB")


def _fitted(image: Image.Image, box: int) -> Image.Image:
    size = fit(image.width, image.height, box)
    if size == image.size:
        return image.copy()
    return image.resize(size, Image.Resampling.LANCZOS)


def _safe_icc(source: Image.Image) -> bytes | None:
    """Keep a colour profile only if it is small and parses as ICC (RGB or grey)."""
    profile = source.info.get("icc_profile")
    if not isinstance(profile, bytes) or not 128 <= len(profile) <= 64 * 1024:
        return None
    if profile[36:40] != b"acsp" or profile[16:20] not in (b"RGB ", b"GRAY"):
        return None
    return profile


def _encode(image: Image.Image, kind: ImageKind, source: Image.Image) -> bytes:
    # Pillow's writers fall back to ``info`` for EXIF, comments and text chunks: start empty.
    image.info = {}
    out = io.BytesIO()
    options: dict[str, Any] = {}
    icc = _safe_icc(source)
    if icc is not None and image.mode in ("RGB", "RGBA", "L") and kind is not ImageKind.GIF:
        options["icc_profile"] = icc
    if kind is ImageKind.JPEG:
        image.save(out, "JPEG", quality=85, optimize=True, **options)
    elif kind is ImageKind.PNG:
        image.save(out, "PNG", optimize=True, **options)
    elif kind is ImageKind.WEBP:
        image.save(out, "WEBP", quality=85, **options)
    else:
        image.save(out, "GIF", optimize=True)
    return out.getvalue()


def _animated(source: Image.Image, box: int) -> tuple[bytes, int, int]:
    """Every frame (already bounded by the limits), resized, as a new GIF."""
    frames: list[Image.Image] = []
    durations: list[int] = []
    for frame in ImageSequence.Iterator(source):
        fitted = _fitted(frame.convert("RGBA"), box)
        fitted.info = {}
        frames.append(fitted)
        durations.append(int(frame.info.get("duration", 100)) or 100)
    out = io.BytesIO()
    # The first frame's ``info`` is empty, so no comment extension is written.
    frames[0].save(
        out,
        "GIF",
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=int(source.info.get("loop", 0)),
        disposal=2,
        optimize=False,
    )
    width, height = frames[0].size
    return out.getvalue(), width, height
