"""A signed-in reader's own picture: uploaded, checked and cropped by the image
pipeline of comment images, served from ``/media/``, shown instead of the Gravatar-style or
publisher's picture, removable, and deleted with the account."""

from __future__ import annotations

from dataclasses import replace

from rostra.domain.accounts import Reader, gravatar_url
from rostra.domain.errors import NotFoundError
from rostra.services.accounts_ports import AccountStorage
from rostra.services.callers import Caller
from rostra.services.images import ImageService

AVATAR_SIZE = 128  # pixels, square; the widget shows 24-40 px, twice that for dense screens
MAX_AVATAR_BYTES = 5 * 1024 * 1024


class AvatarService:
    """Upload and removal of readers' pictures."""

    def __init__(
        self, storage: AccountStorage, images: ImageService, public_url: str | None = None
    ) -> None:
        self._storage = storage
        self._images = images
        self._public_url = public_url  # ROSTRA_PUBLIC_URL: pictures are shown on other sites

    async def upload_avatar(
        self, reader: Reader, data: bytes, caller: Caller, request_base: str
    ) -> Reader:
        """Store ``data`` as the reader's picture (at most 5 MB; JPEG, PNG, WebP or GIF,
        decided from the bytes; re-encoded without metadata as a 128 px square)."""
        name = await self._images.make_avatar(data, caller, MAX_AVATAR_BYTES, AVATAR_SIZE)
        url = f"{(self._public_url or request_base).rstrip('/')}/media/{name}"
        try:
            async with self._storage.write() as tx:
                if await tx.accounts.get_reader(reader.id) is None:
                    raise NotFoundError("There is no such reader account.", field="reader")
                previous = await tx.accounts.set_avatar_image(reader.id, name, url)
        except BaseException:
            await self._images.delete_media([name])
            raise
        if previous:
            await self._images.delete_media([previous])
        return replace(reader, avatar_image=name, avatar_url=url)

    async def remove_avatar(self, reader: Reader) -> Reader:
        """Drop the uploaded picture; the account falls back to the Gravatar-style picture of
        its address (the next sign-in brings the publisher's or provider's picture again)."""
        fallback = gravatar_url(reader.email)
        async with self._storage.write() as tx:
            previous = await tx.accounts.set_avatar_image(reader.id, None, fallback)
        if previous:
            await self._images.delete_media([previous])
        return replace(reader, avatar_image=None, avatar_url=fallback)
