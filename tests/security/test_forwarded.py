"""Forwarded headers are believed only from the proxies the operator names.

uvicorn believes ``X-Forwarded-For`` from 127.0.0.1 by default; rotating it went round the
per-address sign-in limit. ``rostra serve`` now turns proxy headers off unless
``ROSTRA_FORWARDED_ALLOW_IPS`` (``--forwarded-allow-ips``) names the proxies. These tests load
uvicorn's own configuration from ``server_options`` and ask it who the client is.
"""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn

from rostra.cli.serve import server_options
from rostra.config import Settings, load_settings


async def _client_seen(settings: Settings, peer: str, forwarded: str) -> Any:
    seen: list[Any] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope["client"])

    config = uvicorn.Config(app, **server_options(settings, host="127.0.0.1", port=0))
    config.load()
    scope = {
        "type": "http",
        "scheme": "http",
        "client": (peer, 5000),
        "headers": [(b"x-forwarded-for", forwarded.encode())],
    }
    await config.loaded_app(scope, None, None)
    return seen[0][0]


@pytest.mark.parametrize("peer", ["127.0.0.1", "10.0.0.5"])
async def test_by_default_no_forwarded_header_is_believed(peer: str) -> None:
    settings = Settings(database_url="sqlite:///unused.db")
    assert await _client_seen(settings, peer, "203.0.113.7") == peer


async def test_the_named_proxies_are_believed_and_no_others() -> None:
    settings = load_settings({"ROSTRA_FORWARDED_ALLOW_IPS": "10.0.0.5"})
    assert await _client_seen(settings, "10.0.0.5", "203.0.113.7") == "203.0.113.7"
    assert await _client_seen(settings, "127.0.0.1", "203.0.113.7") == "127.0.0.1"
