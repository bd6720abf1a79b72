"""A signed-in reader's uploaded picture: ``POST``/``DELETE /api/v1/me/avatar``.

Both need the reader's session and its CSRF token (``current_reader``); the file goes through
the same checks as comment images (``rostra.web.api.images``, ``ImageService``)."""

from __future__ import annotations

from typing import Any

from litestar import Request, delete, post
from litestar.di import NamedDependency

from rostra.domain.errors import NotFoundError
from rostra.services.avatars import MAX_AVATAR_BYTES, AvatarService
from rostra.services.registry import Services
from rostra.web.api.accounts import ACCOUNT_ERROR_RESPONSES, current_reader, reader_out
from rostra.web.api.images import FORM_OVERHEAD, read_upload
from rostra.web.errors import IMAGE_ERROR_RESPONSES
from rostra.web.identity import caller_from
from rostra.web.schemas import ReaderOut

AVATAR_BODY_CEILING = MAX_AVATAR_BYTES + FORM_OVERHEAD


def _service(services: Services) -> AvatarService:
    if services.avatars is None:
        raise NotFoundError("Pictures are not enabled on this server.", field=None)
    return services.avatars


# POST /api/v1/me/avatar
@post(
    "/api/v1/me/avatar",
    status_code=200,
    summary="Upload the signed-in reader's picture",
    tags=["accounts"],
    responses={**IMAGE_ERROR_RESPONSES, **ACCOUNT_ERROR_RESPONSES},
    request_max_body_size=AVATAR_BODY_CEILING,
)
async def upload_avatar(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> ReaderOut:
    """A multipart form with the picture in field ``file`` (JPEG, PNG, WebP or GIF, at most
    5 MB); it is re-encoded without metadata as a 128 px square and shown instead of the
    account's other picture. Needs the session's ``X-CSRF-Token``."""
    reader, _ = await current_reader(request, services)
    avatars = _service(services)
    data = await read_upload(
        request,
        MAX_AVATAR_BYTES,
        noun="picture",
    )
    updated = await avatars.upload_avatar(
        reader, data, caller_from(request, reader=reader), str(request.base_url)
    )
    return reader_out(updated)


# DELETE /api/v1/me/avatar
@delete(
    "/api/v1/me/avatar",
    status_code=200,
    summary="Remove the signed-in reader's picture",
    tags=["accounts"],
    responses=ACCOUNT_ERROR_RESPONSES,
)
async def remove_avatar(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> ReaderOut:
    """Back to the Gravatar-style picture of the account's address (or none). Needs the
    session's ``X-CSRF-Token``."""
    reader, _ = await current_reader(request, services)
    return reader_out(await _service(services).remove_avatar(reader))
