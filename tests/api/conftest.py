"""Fixtures of the API tests: a second reader, a second worker, a second site, and a real HTTP
server for SSE."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import uvicorn

from rostra.bootstrap import build_services
from rostra.config import Settings
from rostra.services.registry import Services
from rostra.web.app import create_app
from tests.api.helpers import ORIGIN

SERVER_START_SECONDS = 10.0
SERVER_STOP_SECONDS = 10.0


@pytest.fixture
async def second_client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """Another reader of the same server: its own cookie jar, the same services and database."""
    transport = httpx.ASGITransport(app=create_app(services))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@asynccontextmanager
async def worker_client(
    settings: Settings, *, add_site: bool = False
) -> AsyncIterator[httpx.AsyncClient]:
    """Another worker process's view of ``settings``: its own services, caches and connections,
    the same database (with the site "news" added first when ``add_site``)."""
    services = build_services(settings)
    try:
        if add_site:
            await services.sites.add_site("news", [ORIGIN], "The Example News")
        transport = httpx.ASGITransport(app=create_app(services))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
    finally:
        for hook in services.on_shutdown:
            await hook()


@pytest.fixture
async def other_worker(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A second worker on the same database as ``client``."""
    async with worker_client(settings) as client:
        yield client


@pytest.fixture
async def other_site(services: Services) -> str:
    """A second registered site, "other", with its own origin."""
    await services.sites.add_site("other", ["https://other.example"], "The Other Paper")
    return "other"


@pytest.fixture
async def live_server(services: Services) -> AsyncIterator[str]:
    """The production app served by uvicorn on a free 127.0.0.1 port, inside this test's event
    loop (the database engine belongs to it). Yields the base URL.

    httpx's ASGITransport collects the whole response before returning it, so an endless
    Server-Sent Events stream can only be read through a real socket.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(services),
        interface="asgi3",
        lifespan="off",  # the services fixture closes the database
        http="h11",
        ws="none",
        log_config=None,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(SERVER_START_SECONDS):
            while not server.started:
                if task.done():
                    task.result()  # raises the reason uvicorn stopped
                    pytest.fail("uvicorn stopped before it started serving")
                await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        async with asyncio.timeout(SERVER_STOP_SECONDS):
            await task
        sock.close()
