"""Server-Sent Events: a thread's changes, live."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import ServerSentEvent, ServerSentEventMessage

from rostra.domain.events import ThreadEvent
from rostra.domain.threads import validate_page
from rostra.services.registry import Services

HEARTBEAT_SECONDS = 15.0


def _payload(event: ThreadEvent) -> dict[str, Any]:
    data = dataclasses.asdict(event)
    data["id"] = data.pop("comment_id")
    return data


# GET /api/v1/events
@get(
    "/api/v1/events",
    summary="Live changes of one thread (Server-Sent Events)",
    tags=["comments"],
    cache=False,
)
async def thread_events(
    services: NamedDependency[Services], site: FromQuery[str], page: FromQuery[str]
) -> ServerSentEvent:
    """``comment.created``, ``comment.updated``, ``comment.deleted`` and ``vote.changed``,
    each with a JSON ``data`` holding at least ``id``; a comment line every 15 s keeps
    proxies from closing an idle connection."""
    page = validate_page(page)
    await services.sites.get_site(site)

    async def stream() -> AsyncIterator[ServerSentEventMessage]:
        async with services.events.subscribe(site, page) as events:
            yield ServerSentEventMessage(comment="connected", retry_duration=3000)
            pending = asyncio.ensure_future(anext(events))
            try:
                while True:
                    done, _ = await asyncio.wait({pending}, timeout=HEARTBEAT_SECONDS)
                    if not done:
                        yield ServerSentEventMessage(comment="heartbeat")
                        continue
                    event = pending.result()
                    pending = asyncio.ensure_future(anext(events))
                    yield ServerSentEventMessage(
                        data=msgspec.json.encode(_payload(event)).decode(), event=event.name
                    )
            finally:
                pending.cancel()

    return ServerSentEvent(stream(), headers={"X-Accel-Buffering": "no"})
