"""CORS for the API, answering only the origins registered for some site.

The origin list lives in the database (``rostra site add``), so it is re-read every few seconds
instead of being fixed at start-up like Litestar's static CORS configuration.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
# (method, path) -> the path template of the route that would run, or None.
RouteOf = Callable[[str, str], str | None]

ALLOW_METHODS = "GET, POST, PATCH, DELETE, OPTIONS"
ALLOW_HEADERS = "Content-Type, Accept-Language, X-Edit-Token, X-CSRF-Token, Last-Event-ID"
EXPOSE_HEADERS = "Retry-After"
REFRESH_SECONDS = 5.0
# Writes from a page that is neither ours nor a registered site's are refused here,
# for every route (the services refine it per site). The staff API and the dashboard are
# first-party only: no CORS answers, and writes only from our own pages.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# ``/dsa/`` is the plain notice page: its form posts from that page only.
FIRST_PARTY_PREFIXES = ("/api/v1/moderation/", "/admin", "/demo/", "/dsa/")
# Server-to-server calls, verified by their signature, not by a browser's Origin.
UNGUARDED_PREFIXES = ("/api/v1/payments/webhook/",)


class SiteOriginCors:
    """Pure ASGI middleware: credentials-capable CORS for registered origins under ``/api/``
    (never for the staff API), and the refusal of writes from foreign pages."""

    def __init__(
        self,
        app: ASGIApp,
        origins: Callable[[], Awaitable[frozenset[str]]],
        route: RouteOf | None = None,
    ) -> None:
        self._app = app
        self._route = route
        self._load = origins
        self._origins: frozenset[str] = frozenset()
        self._loaded_at = float("-inf")
        self._loading: asyncio.Future[None] | None = None

    async def _allowed(self, origin: str) -> bool:
        now = time.monotonic()
        known = origin in self._origins
        if now - self._loaded_at > REFRESH_SECONDS or (not known and now - self._loaded_at > 0.5):
            # One load at a time: under load, every request that arrived while it ran used to
            # start its own (a stampede of database reads each refresh). A known origin goes on
            # with the list it has; only an unknown one waits for the new list.
            if self._loading is None:
                self._loading = asyncio.ensure_future(self._refresh())
                self._loading.add_done_callback(_retrieve)
            if not known:
                await asyncio.shield(self._loading)
        return origin in self._origins

    def _where(self, scope: Scope, headers: dict[bytes, bytes]) -> str:
        """The path template of the route that will run (decisions made on the raw
        path missed ``/api/v1//moderation/...``, which the router runs as the staff route);
        the path itself when no route matches, as then nothing runs."""
        if self._route is None:
            return str(scope["path"])
        method = str(scope["method"])
        if method == "OPTIONS" and b"access-control-request-method" in headers:
            method = headers[b"access-control-request-method"].decode("latin-1").upper()
        return self._route(method, scope["path"]) or str(scope["path"])

    async def _refresh(self) -> None:
        try:
            self._origins = await self._load()
            self._loaded_at = time.monotonic()
        finally:
            self._loading = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        origin = headers.get(b"origin", b"").decode("latin-1")
        if not origin:
            await self._app(scope, receive, send)
            return
        path = self._where(scope, headers)
        first_party = path.startswith(FIRST_PARTY_PREFIXES)
        if not (path.startswith("/api/") or first_party):
            await self._app(scope, receive, send)
            return
        own = _same_host(origin, headers.get(b"host", b"").decode("latin-1"))
        allowed = not first_party and await self._allowed(origin)
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            await self._preflight(send, origin, allowed)
            return
        if (
            scope["method"] not in SAFE_METHODS
            and not (own or allowed)
            and not path.startswith(UNGUARDED_PREFIXES)
        ):
            await self._refuse(send, origin)
            return
        if not allowed:
            await self._app(scope, receive, send)
            return

        async def send_with_cors(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                # A new message: the one given may be kept by a cache.
                message = {
                    **message,
                    "headers": [
                        *message.get("headers", []),
                        (b"access-control-allow-origin", origin.encode("latin-1")),
                        (b"access-control-allow-credentials", b"true"),
                        (b"access-control-expose-headers", EXPOSE_HEADERS.encode()),
                        (b"vary", b"Origin"),
                    ],
                }
            await send(message)

        await self._app(scope, receive, send_with_cors)

    async def _refuse(self, send: Send, origin: str) -> None:
        body = msgspec.json.encode(
            {
                "error": {
                    "code": "origin_not_allowed",
                    "message": f"{origin} is not an origin of any site on this server.",
                    "field": None,
                }
            }
        )
        headers = [(b"content-type", b"application/json"), (b"vary", b"Origin")]
        await send({"type": "http.response.start", "status": 403, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _preflight(self, send: Send, origin: str, allowed: bool) -> None:
        if not allowed:
            await self._refuse(send, origin)
            return
        headers = [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"access-control-allow-credentials", b"true"),
            (b"access-control-allow-methods", ALLOW_METHODS.encode()),
            (b"access-control-allow-headers", ALLOW_HEADERS.encode()),
            (b"access-control-max-age", b"600"),
            (b"vary", b"Origin"),
        ]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


def _retrieve(done: asyncio.Future[None]) -> None:
    # A failed refresh is raised to the requests waiting for it; one nobody waited for (a
    # known origin went on) is not reported as "never retrieved", and is tried again.
    if not done.cancelled():
        done.exception()


def _same_host(origin: str, host: str) -> bool:
    """The page is one of ours: its origin names our ``Host`` (the scheme is left out, as a
    TLS-terminating proxy may hand us plain http)."""
    _, _, netloc = origin.partition("://")
    return bool(host) and netloc.lower() == host.lower()
