"""``HttpWebhookSender``: posts webhook deliveries with httpx, to checked addresses only.

The host is resolved here, every address it resolves to is checked, and the connection goes to
one of those very addresses (the URL's host name still names the server: the ``Host`` header and
TLS's SNI and certificate check use it). A name that resolved to a public address when it was
registered and to a private one now (DNS rebinding) is refused before anything is sent.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

import httpx

from rostra.domain.webhooks import DeliveryResult, UnsafeDestinationError, check_addresses

TIMEOUT = httpx.Timeout(10.0)
# Only the status matters; a receiver's body is read no further than this.
MAX_RESPONSE_BYTES = 64 * 1024


async def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (an address literal resolves to itself)."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class HttpWebhookSender:
    """``WebhookSender`` over one httpx client (redirects are not followed)."""

    def __init__(self, *, allow_private: bool) -> None:
        self._allow_private = allow_private
        self._client = httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False, trust_env=False)

    async def check(self, url: str) -> None:
        await self._address(url)

    async def _address(self, url: str) -> str:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = await resolve(host, port)
        check_addresses(host, addresses, allow_private=self._allow_private)
        return addresses[0]

    async def post(
        self, url: str, body: bytes, headers: Mapping[str, str], *, method: str = "POST"
    ) -> DeliveryResult:
        address = await self._address(url)
        parts = urlsplit(url)
        host = parts.hostname or ""
        literal = f"[{address}]" if ":" in address else address
        netloc = f"{literal}:{parts.port}" if parts.port else literal
        pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        sent_headers = dict(headers)
        sent_headers["Host"] = parts.netloc.rsplit("@", 1)[-1]
        try:
            async with self._client.stream(
                method,
                pinned,
                content=body,
                headers=sent_headers,
                extensions={"sni_hostname": host},
            ) as response:
                read = 0
                async for chunk in response.aiter_raw():
                    read += len(chunk)
                    if read >= MAX_RESPONSE_BYTES:
                        break
                return DeliveryResult(response.status_code)
        except UnsafeDestinationError:
            raise
        except httpx.HTTPError as exc:
            return DeliveryResult(None, f"no answer: {type(exc).__name__}: {exc}"[:300])

    async def close(self) -> None:
        await self._client.aclose()
