"""Image use cases: upload, attach to a comment, serve, and clean what nobody claimed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

import structlog

from rostra.domain.comments import MAX_IMAGES, Comment
from rostra.domain.errors import RateLimitedError, ValidationError
from rostra.domain.images import (
    CLEAN_BATCH,
    ORPHAN_HOURS,
    ImageAttachment,
    ImageKind,
    ImageLimits,
    ImageRef,
    ImageTooLargeError,
    StoredImage,
    UnsupportedImageError,
    media_kind,
    sniff,
    validate_alt,
)
from rostra.services.callers import Caller
from rostra.services.ports import Clock, ImageCodec, ImageStore, RateLimiter, Storage, Transaction
from rostra.services.tokens import Keyring

log = structlog.get_logger("rostra.images")


@dataclass(frozen=True, slots=True)
class UploadedImage:
    """A stored upload and the secret its uploader needs to attach it to a comment."""

    image: StoredImage
    upload_token: str


@dataclass(frozen=True, slots=True)
class MediaFile:
    """A stored file with the type we decided for it."""

    data: bytes
    media_type: str


class ImageService:
    """Uploads are untrusted: typed from their bytes, bounded, re-encoded, stored under random
    names, and attached only by the reader who holds their upload token."""

    def __init__(
        self,
        storage: Storage,
        files: ImageStore,
        codec: ImageCodec,
        clock: Clock,
        keyring: Keyring,
        limiter: RateLimiter,
        limits: ImageLimits,
        *,
        public_url: str | None = None,
    ) -> None:
        self._storage = storage
        # A public bucket or CDN holding the same files (ROSTRA_MEDIA_PUBLIC_URL).
        self._public_url = public_url.rstrip("/") if public_url else None
        self._files = files
        self._codec = codec
        self._clock = clock
        self._keyring = keyring
        self._limiter = limiter
        self.limits = limits

    async def upload_image(self, data: bytes, caller: Caller) -> UploadedImage:
        """Check, re-encode and store one upload; it waits a day for a comment to claim it."""
        await self._check_rate(caller)
        if len(data) > self.limits.max_bytes:
            raise ImageTooLargeError(
                f"The file is {len(data):,} bytes; the limit is {self.limits.max_bytes:,}.",
                field="file",
            )
        kind = sniff(data[:16])
        if kind is None:
            raise UnsupportedImageError(
                "Only JPEG, PNG, WebP and GIF images are accepted.", field="file"
            )
        processed = await self._codec.process(data, kind, self.limits)
        image_id = self._keyring.new_id()
        token = self._keyring.new_token()
        image = StoredImage(
            id=image_id,
            kind=processed.kind,
            width=processed.width,
            height=processed.height,
            thumbnail_width=processed.thumbnail_width,
            thumbnail_height=processed.thumbnail_height,
            byte_size=len(processed.display),
            upload_token_hash=self._keyring.digest("upload", token),
            comment_id=None,
            alt="",
            created_at=self._clock.now(),
        )
        display_name, thumbnail_name = image.file_names
        try:
            await self._files.save(display_name, processed.display, kind.media_type)
            await self._files.save(thumbnail_name, processed.thumbnail, kind.media_type)
            async with self._storage.write() as tx:
                await tx.images.add(image)
        except BaseException:
            await self._files.delete(image.file_names)
            raise
        await self.clean_orphans(CLEAN_BATCH)
        return UploadedImage(image, token)

    async def _check_rate(self, caller: Caller) -> None:
        """Uploads and pictures share one limit per address (or voter)."""
        wait = await self._limiter.hit(
            "image", self._keyring.digest("limit", f"image:{caller.ip or caller.voter or 'anon'}")
        )
        if wait is not None:
            raise RateLimitedError(
                f"You are uploading faster than this site allows; try again in {wait:.0f} s.",
                retry_after=wait,
            )

    async def make_avatar(self, data: bytes, caller: Caller, max_bytes: int, size: int) -> str:
        """Check and crop a reader's picture and store it; returns its file name
        under ``/media/``. Same checks as an upload (rate, size, type from the bytes)."""
        await self._check_rate(caller)
        limit = min(max_bytes, self.limits.max_bytes)
        if len(data) > limit:
            raise ImageTooLargeError(
                f"The file is {len(data):,} bytes; a picture may have {limit:,}.", field="file"
            )
        kind = sniff(data[:16])
        if kind is None:
            raise UnsupportedImageError(
                "Only JPEG, PNG, WebP and GIF images are accepted.", field="file"
            )
        encoded = await self._codec.avatar(data, kind, self.limits, size)
        stored = ImageKind.JPEG if kind is ImageKind.JPEG else ImageKind.PNG
        name = f"avatar-{self._keyring.new_id()}.{stored.value}"
        await self._files.save(name, encoded, stored.media_type)
        return name

    async def delete_media(self, names: Sequence[str]) -> None:
        """Remove stored files by name (a reader's replaced or forgotten picture); a failure
        is logged, not raised."""
        if not names:
            return
        try:
            await self._files.delete(list(names))
        except (OSError, ValueError) as exc:
            log.warning("media_files_not_deleted", names=list(names), error=str(exc))

    async def clean_orphans(self, limit: int = CLEAN_BATCH) -> int:
        """Delete up to ``limit`` uploads no comment claimed within a day; returns how many.
        Uploads call it with a small batch, so the cleaning keeps pace with the uploading."""
        before = self._clock.now() - timedelta(hours=ORPHAN_HOURS)
        async with self._storage.write() as tx:
            gone = await tx.images.take_orphans(before, limit)
        await self.delete_files(gone)
        return len(gone)

    async def delete_files(self, gone: Sequence[StoredImage]) -> None:
        """Remove the files of images whose records are gone; a failure is logged, not raised
        (the record is already deleted, and a leftover file is unreachable by id)."""
        names = [name for image in gone for name in image.file_names]
        if not names:
            return
        try:
            await self._files.delete(names)
        except OSError as exc:
            log.warning("image_files_not_deleted", names=names, error=str(exc))

    def public_address(self, name: str) -> str | None:
        """Where a public bucket or CDN serves the file ``name``, when one is configured and
        the name is one we could have given; None: serve the bytes ourselves."""
        if self._public_url is None or media_kind(name) is None or not _plain_name(name):
            return None
        return f"{self._public_url}/{name}"

    async def open_media(self, name: str) -> MediaFile | None:
        """A stored file by its public name, typed by our own extension; None when unknown."""
        kind = media_kind(name)
        if kind is None:
            return None
        data = await self._files.load(name)
        return MediaFile(data, kind.media_type) if data is not None else None


def _plain_name(name: str) -> bool:
    """Letters, digits, ``-``, ``_`` and one ``.``: nothing a URL would read as a path."""
    return (
        name.count(".") == 1 and name.replace("-", "").replace("_", "").replace(".", "").isalnum()
    )


@dataclass(frozen=True, slots=True)
class MediaCopy:
    """What ``copy_media`` did: files copied, files the target already had."""

    copied: int
    present: int


async def copy_media(
    source: ImageStore,
    target: ImageStore,
    *,
    on_start: Callable[[int], None] = lambda total: None,
    on_file: Callable[[str], None] = lambda name: None,
    concurrency: int = 8,
) -> MediaCopy:
    """Copy every file of ``source`` that ``target`` lacks (moving to another media store).
    Each file is written whole or not at all, so an interrupted copy run again carries on
    where it stopped, and a finished one run again copies nothing. ``on_start`` is told how
    many files are to be copied, ``on_file`` each one done. The source is left as it was."""
    present = set(await target.names())
    listed = await source.names()
    wanted = [name for name in listed if name not in present]
    on_start(len(wanted))
    copied = 0
    queue = iter(wanted)  # shared by the copiers: each takes the next name

    async def copier() -> None:
        nonlocal copied
        for name in queue:
            data = await source.load(name)
            if data is not None:  # deleted since it was listed: nothing to copy
                kind = media_kind(name)
                media_type = kind.media_type if kind else "application/octet-stream"
                await target.save(name, data, media_type)
                copied += 1
            on_file(name)

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(copier())
    except ExceptionGroup as failed:
        raise failed.exceptions[0] from None  # the first failure, as a plain error to report
    return MediaCopy(copied=copied, present=len(listed) - len(wanted))


async def attach_images(
    tx: Transaction, keyring: Keyring, comment_id: str, wanted: Sequence[ImageAttachment]
) -> list[ImageRef]:
    """Claim the uploads a new comment lists, inside the comment's transaction. Each must exist
    and be unclaimed. An upload's id is 96 random bits that only its uploader has seen until a
    comment shows it, so the id alone (the contract's ``"images": ["id"]``) proves the claim; an
    upload token, when the client sends one, must match as well."""
    if not wanted:
        return []
    if len(wanted) > MAX_IMAGES:
        raise ValidationError(f"A comment can show at most {MAX_IMAGES} images.", field="images")
    ids = [item.id for item in wanted]
    if len(set(ids)) != len(ids):
        raise ValidationError("The same image is listed twice.", field="images")
    found = {image.id: image for image in await tx.images.get_many(ids)}
    refs: list[ImageRef] = []
    for position, item in enumerate(wanted):
        image = found.get(item.id)
        if image is None or image.comment_id is not None:
            raise ValidationError(f"There is no uploaded image {item.id!r}.", field="images")
        if item.upload_token is not None and not keyring.matches(
            "upload", item.upload_token, image.upload_token_hash
        ):
            raise ValidationError(
                f"The upload token does not belong to image {item.id!r}.", field="images"
            )
        alt = validate_alt(item.alt)
        if not await tx.images.attach(image.id, comment_id, position, alt):
            raise ValidationError(f"There is no uploaded image {item.id!r}.", field="images")
        refs.append(replace(image.as_ref(), alt=alt))
    return refs


async def with_images(tx: Transaction, comments: list[Comment]) -> list[Comment]:
    """The comments with their attached images filled in (one query for all of them)."""
    if not comments:
        return comments
    found = await tx.images.for_comments([comment.id for comment in comments])
    if not found:
        return comments
    return [
        replace(comment, images=tuple(image.as_ref() for image in found[comment.id]))
        if comment.id in found
        else comment
        for comment in comments
    ]
