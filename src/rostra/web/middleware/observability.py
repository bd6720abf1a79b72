"""One log line and one metrics sample per request, under a request id.

Pure ASGI, so Server-Sent Events stream through untouched: messages are passed on as they come,
never buffered. The request id is the client's ``X-Request-ID`` when it is short and plain,
otherwise a fresh one; it is echoed in the response and bound to every log line written while
the request runs. Logs carry the route template and the path without its query (links carry
signed tokens there), and a keyed hash of the client address, never the address.

A client that went away before its request was read (a load balancer's timeout, a closed tab,
the end of a load test) leaves the app without a body; the framework then answers 500 to
nobody. Such requests are logged and counted as 499, nginx's "client closed request", so that
5xx stays a count of the server's own failures.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

import structlog

from rostra.services.metrics_ports import Metrics
from rostra.web.middleware.cors import ASGIApp, Receive, Scope, Send

SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
UNMATCHED = "<unmatched>"  # the route label of requests no route answered (404s)
CLIENT_GONE = 499

log = structlog.get_logger("rostra.http")


class _RequestIds:
    """Ids unique across processes without a system call each: a random half per process
    (drawn again in a forked child) and a counter. ``uuid4`` read the kernel's random source
    for every request, a few percent of a cached read's CPU."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._prefix = secrets.token_hex(8)
        self._counter = itertools.count()

    def __call__(self) -> str:
        return f"{self._prefix}{next(self._counter) & 0xFFFFFFFFFFFFFFFF:016x}"


_new_request_id = _RequestIds()


def request_id_from(headers: list[tuple[bytes, bytes]]) -> str:
    """The client's ``X-Request-ID`` if it is sane, else a new id."""
    for name, value in headers:
        if name.lower() == b"x-request-id":
            text = value.decode("latin-1")
            if SANE_REQUEST_ID.fullmatch(text):
                return text
            break
    return _new_request_id()


class RequestObserver:
    """Request id, access log line and request metrics around the whole app."""

    def __init__(self, app: ASGIApp, metrics: Metrics, hash_address: Callable[[str], str]) -> None:
        self._app = app
        self._metrics = metrics
        self._hash = hash_address

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = request_id_from(scope.get("headers", []))
        state: dict[str, Any] = {"status": 500, "stream": False, "headers_at": None}
        header = (b"x-request-id", request_id.encode())
        gone = False

        async def observed_receive() -> dict[str, Any]:
            nonlocal gone
            message = await receive()
            gone = gone or message["type"] == "http.disconnect"
            return message

        async def observed_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status = int(message["status"])
                state["status"] = CLIENT_GONE if gone and status >= 500 else status
                state["headers_at"] = time.perf_counter()
                headers = list(message.get("headers", []))
                state["stream"] = any(
                    name.lower() == b"content-type" and value.startswith(b"text/event-stream")
                    for name, value in headers
                )
                # A new message: the one given may be kept by a cache.
                message = {**message, "headers": [*headers, header]}
                if state["stream"]:
                    self._metrics.stream_opened()
            await send(message)

        client = scope.get("client")
        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self._app(scope, observed_receive, observed_send)
            except Exception:
                log.exception("request_failed", **self._fields(scope, client, 500, started))
                raise
            finally:
                if state["stream"]:
                    self._metrics.stream_closed()
                route = scope.get("path_template") or UNMATCHED
                # For an event stream, the latency is the time until it started streaming.
                ended = state["headers_at"] if state["stream"] else time.perf_counter()
                self._metrics.request_observed(
                    scope.get("method", "GET"), route, state["status"], ended - started
                )
            fields = self._fields(scope, client, state["status"], started)
            if state["status"] >= 500:
                log.error("request", **fields)
            else:
                log.info("request", **fields)

    def _fields(self, scope: Scope, client: Any, status: int, started: float) -> dict[str, object]:
        return {
            "method": scope.get("method"),
            "route": scope.get("path_template") or UNMATCHED,
            "path": scope.get("path"),
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "client": self._hash(client[0]) if client else None,
        }
