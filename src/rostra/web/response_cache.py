"""What a cached answer may keep: its body and the headers that describe it.

An answer replayed to another caller must not carry the first caller's CORS headers, cookies
or request id. The middlewares no longer change a response message once sent (a cache may
hold it), and, in case one does or a handler sets a per-request header, both caches keep only
the headers named here: Litestar's ``cache=`` answers through ``ContentOnlyStore`` and the
settled answers of ``web/middleware/settled.py`` through ``content_headers``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import msgspec
from litestar.stores.memory import MemoryStore

CONTENT_HEADERS = frozenset(
    {
        b"content-type",
        b"content-length",
        b"content-encoding",
        b"content-language",
        b"content-disposition",
        b"cache-control",
        b"etag",
        b"last-modified",
    }
)


def content_headers(headers: Any) -> list[tuple[bytes, bytes]]:
    """The pairs of ``headers`` that describe the body, in their order."""
    return [
        (bytes(name), bytes(value))
        for name, value in headers
        if bytes(name).lower() in CONTENT_HEADERS
    ]


class ContentOnlyStore(MemoryStore):
    """Litestar's in-memory store for cached responses, keeping each response's start message
    with its content headers only."""

    async def set(
        self, key: str, value: str | bytes, expires_in: int | timedelta | None = None
    ) -> None:
        """Keep ``value`` (Litestar's msgpack list of ASGI messages) without per-request
        headers."""
        raw = value.encode() if isinstance(value, str) else value
        messages = msgspec.msgpack.decode(raw)
        for message in messages:
            if message.get("type") == "http.response.start":
                message["headers"] = content_headers(message.get("headers", ()))
        await super().set(key, msgspec.msgpack.encode(messages), expires_in)
