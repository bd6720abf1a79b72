"""Stored image files, served with our own type and headers that keep them inert."""

from __future__ import annotations

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from rostra.domain.images import MEDIA_CACHE_CONTROL
from rostra.services.registry import Services
from rostra.web.errors import ERROR_RESPONSES

MEDIA_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Opened directly, an image is still a document: no scripts, no plugins, no same-origin.
    "Content-Security-Policy": "default-src 'none'; sandbox",
    # Names are random and never reused: a file never changes.
    "Cache-Control": MEDIA_CACHE_CONTROL,
    # Publishers' pages show them.
    "Cross-Origin-Resource-Policy": "cross-origin",
}

# How long a browser may reuse a redirect to the public copy without asking again.
REDIRECT_CACHE = "public, max-age=86400"


# GET /media/{name}
@get(
    "/media/{name:str}",
    summary="An uploaded image",
    tags=["images"],
    include_in_schema=True,
    responses={400: ERROR_RESPONSES[400], 404: ERROR_RESPONSES[404]},
)
async def media_file(
    name: FromPath[str], services: NamedDependency[Services]
) -> Response[bytes] | Redirect:
    """The display-size file (``{id}.{ext}``) or the thumbnail (``{id}-t.{ext}``); with
    ``ROSTRA_MEDIA_PUBLIC_URL`` set, a redirect to the same file there."""
    public = services.images.public_address(name) if services.images else None
    if public is not None:
        # Temporary: a browser asks again later, so the public address can still change.
        return Redirect(public, status_code=302, headers={"Cache-Control": REDIRECT_CACHE})
    found = await services.images.open_media(name) if services.images else None
    if found is None:
        raise NotFoundException(f"No image {name!r}.")
    return Response(found.data, media_type=found.media_type, headers=MEDIA_HEADERS)
