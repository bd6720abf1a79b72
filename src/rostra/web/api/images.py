"""Images: the upload endpoint."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Request, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_201_CREATED

from rostra.domain.errors import NotFoundError, ValidationError
from rostra.domain.images import ORPHAN_HOURS, ImageRef, ImageTooLargeError
from rostra.services.registry import Services
from rostra.web.errors import IMAGE_ERROR_RESPONSES
from rostra.web.identity import caller_from
from rostra.web.schemas import ImageOut, UploadedImageOut

# Room for the multipart envelope around the file.
FORM_OVERHEAD = 64 * 1024
# The route's own body limit (the app-wide one is for JSON); ROSTRA_IMAGE_MAX_BYTES is checked
# from Content-Length before the body is read, this bounds bodies sent without one.
UPLOAD_BODY_CEILING = 64 * 1024 * 1024


def media_url(name: str) -> str:
    """Where a stored file is served, relative to the Rostra server."""
    return f"/media/{name}"


def image_out(ref: ImageRef) -> ImageOut:
    """An attached image in the shape of the comment object's ``images`` list."""
    return ImageOut(
        id=ref.id,
        url=media_url(ref.file_name),
        thumbnail_url=media_url(ref.thumbnail_name),
        width=ref.width,
        height=ref.height,
        thumbnail_width=ref.thumbnail_width,
        thumbnail_height=ref.thumbnail_height,
        alt=ref.alt,
    )


# POST /api/v1/images
@post(
    "/api/v1/images",
    status_code=HTTP_201_CREATED,
    summary="Upload an image to attach to a comment",
    tags=["images"],
    responses=IMAGE_ERROR_RESPONSES,
    request_max_body_size=UPLOAD_BODY_CEILING,
)
async def upload_image(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> UploadedImageOut:
    """A multipart form with the image in field ``file``. The type comes from the bytes (JPEG,
    PNG, WebP or GIF); the image is re-encoded without metadata. Keep ``upload_token``: a comment
    attaches the image with ``{"id", "upload_token", "alt"}`` within a day."""
    images = services.images
    if images is None:
        raise NotFoundError("Image uploads are not enabled on this server.", field=None)
    data = await read_upload(
        request,
        images.limits.max_bytes,
        noun="image",
    )
    uploaded = await images.upload_image(data, caller_from(request))
    ref = uploaded.image.as_ref()
    expires = uploaded.image.created_at + timedelta(hours=ORPHAN_HOURS)
    return UploadedImageOut(
        id=ref.id,
        url=media_url(ref.file_name),
        thumbnail_url=media_url(ref.thumbnail_name),
        width=ref.width,
        height=ref.height,
        upload_token=uploaded.upload_token,
        expires_at=expires.isoformat().replace("+00:00", "Z"),
    )


async def read_upload(request: Request[Any, Any, Any], max_bytes: int, *, noun: str) -> bytes:
    """The bytes of the multipart field ``file`` (at most ``max_bytes`` + 1, so the service
    sees an oversized file as such); refused before reading when the declared body is larger
    than the file allowed plus the form's own overhead."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes + FORM_OVERHEAD:
        raise ImageTooLargeError(
            f"The upload is {int(declared):,} bytes; the limit is {max_bytes:,} bytes.",
            field="file",
        )
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ValidationError(
            f"Send the {noun} as multipart/form-data in field 'file'.", field="file"
        )
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise ValidationError("The form has no file in field 'file'.", field="file")
    data = await upload.read(max_bytes + 1)
    await upload.close()
    return data
