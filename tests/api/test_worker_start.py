"""What a worker's app sets up when it starts (the ASGI lifespan, as uvicorn runs it): what is
loaded by then is kept out of the cyclic collector's passes, and full passes, which stop the
event loop for as long as they walk every tracked object, come seldom."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from typing import Any

import pytest

from rostra.services.registry import Services
from rostra.web.app import MIDDLE_PASSES_PER_FULL_PASS, create_app


@pytest.fixture
def collector_restored() -> Iterator[None]:
    """The test process's own collector settings, put back afterwards."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


async def lifespan(app: Any, *events: str) -> list[str]:
    """Send ``events`` (e.g. "startup") through the app's lifespan; the answers' types."""
    incoming: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    answers: list[str] = []
    for event in events:
        incoming.put_nowait({"type": f"lifespan.{event}"})

    async def send(message: dict[str, str]) -> None:
        answers.append(message["type"])

    await asyncio.wait_for(
        app({"type": "lifespan", "asgi": {"version": "3.0"}}, incoming.get, send), 30
    )
    return answers


@pytest.mark.usefixtures("collector_restored")
async def test_a_started_worker_freezes_what_it_loaded_and_spaces_full_collections(
    services: Services,
) -> None:
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)  # Python's defaults
    answers = await lifespan(create_app(services), "startup", "shutdown")
    assert answers == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert gc.get_freeze_count() > 1000  # the libraries and models loaded by then
    assert gc.get_threshold() == (700, 10, MIDDLE_PASSES_PER_FULL_PASS)
