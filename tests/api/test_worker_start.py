"""What a worker's app sets up when it starts (the ASGI lifespan, as uvicorn runs it): what is
loaded by then is kept out of the cyclic collector's passes, and full passes, which stop the
event loop for as long as they walk every tracked object, come seldom; from then on, how long
the loop is held up is measured."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from rostra.services.registry import Services
from rostra.web.app import create_app
from rostra.web.loop_lag import MIDDLE_PASSES_PER_FULL_PASS
from tests.api.test_metrics import scrape, value


@pytest.fixture
def collector_restored() -> Iterator[None]:
    """The test process's own collector settings, put back afterwards."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@contextlib.asynccontextmanager
async def started(app: Any) -> AsyncIterator[None]:
    """The app's lifespan, as uvicorn drives it: started on entry, shut down on exit."""
    incoming: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    answers: list[str] = []

    async def send(message: dict[str, str]) -> None:
        answers.append(message["type"])

    scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
    running = asyncio.ensure_future(app(scope, incoming.get, send))
    incoming.put_nowait({"type": "lifespan.startup"})
    try:
        for _ in range(3000):  # bounded: start-up takes well under 30 s
            if answers or running.done():
                break
            await asyncio.sleep(0.01)
        assert answers == ["lifespan.startup.complete"]
        yield
    finally:
        incoming.put_nowait({"type": "lifespan.shutdown"})
        await asyncio.wait_for(running, 30)
    assert answers == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


@pytest.mark.usefixtures("collector_restored")
async def test_a_started_worker_freezes_what_it_loaded_and_spaces_full_collections(
    services: Services,
) -> None:
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)  # Python's defaults
    async with started(create_app(services)):
        pass
    assert gc.get_freeze_count() > 1000  # the libraries and models loaded by then
    assert gc.get_threshold() == (700, 10, MIDDLE_PASSES_PER_FULL_PASS)


@pytest.mark.usefixtures("collector_restored")
async def test_a_started_worker_reports_how_long_its_event_loop_was_held_up(
    services: Services, client: httpx.AsyncClient
) -> None:
    """The loop-lag watcher starts with the worker; holding the loop (a blocking call, as a
    long page build would) shows in the histogram the next scrape reads."""
    async with started(create_app(services)):
        before = lag_above(await scrape(client), 0.05)
        time.sleep(0.15)  # noqa: ASYNC251 - the point: the loop is held for 150 ms
        await asyncio.sleep(0.35)  # the quarter second it fell in is reported
        assert lag_above(await scrape(client), 0.05) > before  # more on a slow machine


def lag_above(text: str, seconds: float) -> float:
    """How many quarter seconds' worst loop delay exceeded ``seconds`` (a bucket bound)."""
    lag = "rostra_event_loop_lag_seconds"
    return value(text, f"{lag}_count") - value(text, f"{lag}_bucket", le=str(seconds))
