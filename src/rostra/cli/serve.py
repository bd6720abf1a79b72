"""``rostra serve``."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any

import typer
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from rostra.bootstrap import build_app
from rostra.cli.common import (
    CONFIG_OPTION,
    DATABASE_OPTION,
    configure_logging,
    migrate_database,
    settings_from,
)
from rostra.config import Settings
from rostra.services.demo import DemoKit
from rostra.web.draining import DRAIN

FACTORY = "rostra.bootstrap:asgi_app_from_environment"


# The side that closes an idle connection first must be the client. When the server
# closes it as the client sends the next request on it, that request fails with a reset the
# client cannot safely retry. uvicorn's 5 s default equals httpx's pool expiry and is below
# the usual proxies' 60 s; 75 s is nginx's own default.
KEEP_ALIVE_SECONDS = 75


class NoDelayHttpProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol on httptools' C parser (cheaper per request than the
    pure-Python h11, docs/dependencies.md) with Nagle's algorithm off on every connection.

    With ``--workers`` uvicorn binds the socket itself without naming TCP, so asyncio does not
    set TCP_NODELAY, and each keep-alive response waits ~40 ms for a delayed ACK
    (bench/compare_isso.py measured 46 ms vs 2.9 ms per sequential request).
    """

    def connection_made(self, transport: Any) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(CoalescingTransport(transport, asyncio.get_running_loop()))

    def shutdown(self) -> None:
        # uvicorn calls this on every open connection as a graceful shutdown begins (after it
        # stopped accepting): live-event streams then end themselves with a ``retry:`` instead
        # of holding the shutdown until its timeout cuts them off.
        DRAIN.begin()
        super().shutdown()


class CoalescingTransport:
    """A transport whose writes of one event-loop step leave in one ``send``.

    uvicorn writes a response's head and its body separately; with Nagle's algorithm off that
    is two system calls and two packets per answer, about a fifth of a cached answer's time
    (py-spy, docs/performance.md). Held bytes go out at the end of the step, or before a close.
    Everything else is the wrapped transport's."""

    def __init__(self, transport: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._held:
            self._loop.call_soon(self._flush)
        self._held.append(bytes(data))

    def writelines(self, chunks: Any) -> None:
        for chunk in chunks:
            self.write(chunk)

    def get_write_buffer_size(self) -> int:
        return int(self._transport.get_write_buffer_size()) + sum(map(len, self._held))

    def write_eof(self) -> None:
        self._flush()
        self._transport.write_eof()

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def _flush(self) -> None:
        if not self._held:
            return
        data = b"".join(self._held)
        self._held.clear()
        if not self._transport.is_closing():
            self._transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0 for all)."),
    port: int = typer.Option(8080, min=1, max=65535, help="TCP port."),
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
    workers: int = typer.Option(
        1, min=1, max=64, help="Worker processes; each is stateless and shares the database."
    ),
    keep_alive: int = typer.Option(
        KEEP_ALIVE_SECONDS,
        min=1,
        max=3600,
        help="Seconds an idle connection stays open. Keep it longer than the idle timeout of "
        "whatever connects (load balancer, proxy, client pool).",
    ),
    forwarded_allow_ips: str | None = typer.Option(
        None,
        help="Proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (comma-separated "
        "addresses or networks, e.g. 127.0.0.1). Unset: none, the client address is the "
        "connection's (ROSTRA_FORWARDED_ALLOW_IPS).",
    ),
) -> None:
    """Run the server: the API, the widget, and the pages.

    The database is created and migrated on first start. Put a TLS-terminating proxy in front
    and set ROSTRA_PUBLIC_URL to the address readers use.
    """
    settings = settings_from(config, database_url=database, forwarded_allow_ips=forwarded_allow_ips)
    run_server(settings, host=host, port=port, workers=workers, keep_alive=keep_alive)


def run_server(
    settings: Settings,
    *,
    host: str,
    port: int,
    workers: int = 1,
    keep_alive: int = KEEP_ALIVE_SECONDS,
    demo: DemoKit | None = None,
) -> None:
    """Migrate, then serve ``settings`` until interrupted (``demo``: one process only)."""
    configure_logging(settings.log_format)
    migrate_database(settings.database_url)
    options = server_options(settings, host=host, port=port, keep_alive=keep_alive)
    if workers == 1:
        uvicorn.run(build_app(settings, demo), **options)  # type: ignore[arg-type]
        return
    with metrics_folder():
        _run_workers(settings, workers, options)


def server_options(
    settings: Settings, *, host: str, port: int, keep_alive: int = KEEP_ALIVE_SECONDS
) -> dict[str, Any]:
    """uvicorn's configuration for ``settings``."""
    return {
        "host": host,
        "port": port,
        # Uvicorn believes X-Forwarded-For from 127.0.0.1 by default, so a client on
        # this machine (or behind a proxy that passes the header on) chose its own address and
        # went round the per-address limits. Only the proxies the operator names are believed.
        "proxy_headers": settings.forwarded_allow_ips is not None,
        "forwarded_allow_ips": settings.forwarded_allow_ips or "",
        "log_level": "info",
        "timeout_graceful_shutdown": 5,
        "timeout_keep_alive": keep_alive,
        # A worker that has not answered for this long is replaced. Loading the toxicity model
        # (scikit-learn) under load can keep its health-check thread from the GIL for seconds.
        "timeout_worker_healthcheck": 30,
        "http": NoDelayHttpProtocol,
        "loop": "uvloop",
        # Rostra logs one line per request itself (request id, hashed address), and
        # keeps the logging that configure_logging set up instead of uvicorn's own.
        "access_log": False,
        "log_config": None,
    }


@contextmanager
def metrics_folder() -> Iterator[None]:
    """A fresh folder for the workers' metric files (prometheus-client's multiprocess mode),
    removed on exit; an operator's own ``PROMETHEUS_MULTIPROC_DIR`` is used as it is."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        yield
        return
    folder = tempfile.mkdtemp(prefix="rostra-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    try:
        yield
    finally:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        shutil.rmtree(folder, ignore_errors=True)


def _run_workers(settings: Settings, workers: int, options: dict[str, Any]) -> None:
    # Worker processes rebuild the app from the environment, so hand every setting down.
    for field in fields(Settings):
        value = getattr(settings, field.name)
        if value is not None:
            os.environ[f"ROSTRA_{field.name.upper()}"] = (
                ("on" if value else "off") if isinstance(value, bool) else str(value)
            )
    uvicorn.run(FACTORY, factory=True, workers=workers, **options)  # type: ignore[arg-type]
