"""Refuse request paths that are not written the one way their route is.

Litestar's router skips empty segments, so ``/api/v1//moderation/queue`` and ``//admin`` run
the staff routes, while a check made on the raw path (``startswith("/api/v1/moderation/")``)
does not recognise them. Such paths, dot segments and encoded dots, slashes and backslashes are
refused here, before routing and before any other decision is made on the path, with
``400 path_not_canonical``. A trailing slash is allowed: the router strips it, and it leaves the
path's prefix unchanged.
"""

from __future__ import annotations

import re

import msgspec

from rostra.web.middleware.cors import ASGIApp, Receive, Scope, Send

# Encoded ".", "/" and "\": a path decoded once more by a proxy or the router would change.
ENCODED = re.compile(rb"%(?:2e|2f|5c)", re.IGNORECASE)
# Percent-encoded percent: a second decoding (by a proxy in front) would make the above.
DOUBLE = re.compile(r"%(?:25|2e|2f|5c)", re.IGNORECASE)
FORBIDDEN_CHARS = re.compile(r"[\\\x00-\x1f\x7f]")


def canonical_path_problem(path: str, raw_path: bytes | None = None) -> str | None:
    """Why ``path`` (as decoded by the server; ``raw_path`` as sent) is not canonical, or
    ``None`` when it is."""
    if not path.startswith("/"):
        return "The path must start with '/'."
    if "//" in path:
        return "The path has an empty segment ('//')."
    segments = path.split("/")
    if "." in segments or ".." in segments:
        return "The path has a '.' or '..' segment."
    if FORBIDDEN_CHARS.search(path):
        return "The path has a backslash or a control character."
    # Some servers (and httpx's ASGI transport) leave the query string on ``raw_path``.
    raw = raw_path.partition(b"?")[0] if raw_path is not None else b""
    if DOUBLE.search(path) or ENCODED.search(raw):
        return "The path has an encoded '.', '/', '\\' or '%'."
    return None


class CanonicalPaths:
    """Pure ASGI middleware answering ``400 path_not_canonical`` for any HTTP request whose
    path is not canonical, before anything else looks at it."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = canonical_path_problem(scope.get("path", ""), scope.get("raw_path"))
            if problem is not None:
                await _refuse(send, problem)
                return
        await self._app(scope, receive, send)


async def _refuse(send: Send, problem: str) -> None:
    body = msgspec.json.encode(
        {"error": {"code": "path_not_canonical", "message": problem, "field": None}}
    )
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": body})
