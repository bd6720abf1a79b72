"""Security headers on every answer; a strict Content-Security-Policy on the pages we serve."""

from __future__ import annotations

from typing import Any

from rostra.web.middleware.cors import ASGIApp, Receive, Scope, Send

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'self'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"
COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]


class SecurityHeaders:
    """Pure ASGI middleware adding the headers unless a handler set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        path: str = scope["path"]
        csp = API_CSP if path.startswith("/api/") else PAGE_CSP

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [*COMMON, (b"content-security-policy", csp.encode())]
                if not path.startswith(("/api/", "/widget")):
                    extra.append((b"x-frame-options", b"SAMEORIGIN"))
                headers.extend(pair for pair in extra if pair[0] not in present)
                message = {**message, "headers": headers}  # never change a kept message
            await send(message)

        await self._app(scope, receive, send_with_headers)
