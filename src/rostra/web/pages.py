"""The widget's files and the few HTML pages Rostra serves itself."""

from __future__ import annotations

import functools
import gzip
import re
from importlib import resources
from typing import Any

import rjsmin
from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

MODULE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,40}$")
# Short enough that a fix reaches readers within minutes, long enough to spare every page view
# a round trip; a CDN in front may cache longer.
WIDGET_CACHE = "public, max-age=300"


@functools.cache
def widget_file(name: str) -> tuple[bytes, bytes]:
    """A module's bytes as served, minified (readers need neither the comments nor the
    indentation of the source) and gzipped; made once per process."""
    if not MODULE_NAME.match(name):
        raise NotFoundException(f"No widget module {name!r}.")
    resource = resources.files("rostra.widget").joinpath(f"{name}.js")
    if not resource.is_file():
        raise NotFoundException(f"No widget module {name!r}.")
    body = rjsmin.jsmin(resource.read_text(encoding="utf-8")).encode()
    return body, gzip.compress(body, 9, mtime=0)


def _javascript(request: Request[Any, Any, Any], name: str) -> Response[bytes]:
    body, zipped = widget_file(name)
    headers = {
        "Cache-Control": WIDGET_CACHE,
        "Cross-Origin-Resource-Policy": "cross-origin",
        # Publishers' pages load the modules with import(), which always uses CORS; the
        # files are public, so any page may load them.
        "Access-Control-Allow-Origin": "*",
        "Vary": "Accept-Encoding",
    }
    if "gzip" in request.headers.get("accept-encoding", ""):
        body, headers["Content-Encoding"] = zipped, "gzip"
    return Response(body, media_type="text/javascript", headers=headers)


# GET /widget.js
@get("/widget.js", include_in_schema=False)
async def widget_loader(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The loader publishers include with one script tag."""
    return _javascript(request, "widget")


# GET /widget/{name}.js
@get("/widget/{name:str}", include_in_schema=False)
async def widget_module(request: Request[Any, Any, Any], name: FromPath[str]) -> Response[bytes]:
    """A feature module the loader imports on demand."""
    return _javascript(request, name.removesuffix(".js"))


def page(name: str) -> bytes:
    """An HTML page shipped in ``rostra/web/pages``."""
    return resources.files("rostra.web").joinpath("pages", f"{name}.html").read_bytes()


def html(body: bytes) -> Response[bytes]:
    """An HTML answer (the security middleware adds the CSP)."""
    return Response(
        body, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"}
    )


# GET /
@get("/", include_in_schema=False)
async def home() -> Response[bytes]:
    """The start page: what this server is and where to go."""
    return html(page("home"))


# The demo article's own address: links in the demo's mail point there.
DEMO_ARTICLE_PATH = "/2026/11/river-bridge-reopens"


# GET / (demo)
@get(["/", DEMO_ARTICLE_PATH], include_in_schema=False, name="demo_article")
async def demo_article() -> Response[bytes]:
    """The demo article with the widget, served by ``rostra demo`` (also at its own path)."""
    return html(page("demo"))
