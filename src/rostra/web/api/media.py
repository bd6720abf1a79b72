"""Stored image files, served with our own type and headers that keep them inert."""

from __future__ import annotations

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from rostra.services.registry import Services
from rostra.web.errors import ERROR_RESPONSES

MEDIA_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Opened directly, an image is still a document: no scripts, no plugins, no same-origin.
    "Content-Security-Policy": "default-src 'none'; sandbox",
    # Names are random and never reused: a file never changes.
    "Cache-Control": "public, max-age=31536000, immutable",
    # Publishers' pages show them.
    "Cross-Origin-Resource-Policy": "cross-origin",
}


# GET /media/{name}
@get(
    "/media/{name:str}",
    summary="An uploaded image",
    tags=["images"],
    include_in_schema=True,
    responses={400: ERROR_RESPONSES[400], 404: ERROR_RESPONSES[404]},  # 400: issue 23
)
async def media_file(name: FromPath[str], services: NamedDependency[Services]) -> Response[bytes]:
    """The display-size file (``{id}.{ext}``) or the thumbnail (``{id}-t.{ext}``)."""
    found = await services.images.open_media(name) if services.images else None
    if found is None:
        raise NotFoundException(f"No image {name!r}.")
    return Response(found.data, media_type=found.media_type, headers=MEDIA_HEADERS)
