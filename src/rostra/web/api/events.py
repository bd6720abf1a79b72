"""Server-Sent Events: a thread's changes, live, resumable with ``Last-Event-ID``."""

from __future__ import annotations

import asyncio
import contextlib
from asyncio import FIRST_COMPLETED
from collections.abc import AsyncIterator
from typing import Annotated

import msgspec
from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromQuery, HeaderParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

from rostra.domain.errors import ValidationError
from rostra.domain.events import ThreadEvent
from rostra.services.live import StreamReset
from rostra.services.registry import Services
from rostra.web.draining import DRAIN, stopping_message
from rostra.web.errors import ERROR_RESPONSES

HEARTBEAT_SECONDS = 15.0
RETRY_MILLISECONDS = 3000


def _message(event: ThreadEvent) -> ServerSentEventMessage:
    return ServerSentEventMessage(
        data=msgspec.json.encode(event.payload()).decode(),
        event=event.name,
        id=str(event.sequence) if event.sequence is not None else None,
    )


async def _with_heartbeats(
    events: AsyncIterator[ThreadEvent],
) -> AsyncIterator[ServerSentEventMessage]:
    """The events as SSE messages, with a comment line whenever the thread is quiet."""
    yield ServerSentEventMessage(data=None, comment="connected", retry=RETRY_MILLISECONDS)
    pending: asyncio.Future[ThreadEvent] = asyncio.ensure_future(anext(events))
    draining = asyncio.ensure_future(DRAIN.wait())
    try:
        while True:
            done, _ = await asyncio.wait(
                {pending, draining}, timeout=HEARTBEAT_SECONDS, return_when=FIRST_COMPLETED
            )
            if not done:
                yield ServerSentEventMessage(data=None, comment="heartbeat")
                continue
            if pending not in done:  # the server is stopping: come back (to another host)
                yield stopping_message()
                return
            try:
                event = pending.result()
            except StreamReset:
                yield ServerSentEventMessage(data="{}", event="stream.reset")
                return
            yield _message(event)
            pending = asyncio.ensure_future(anext(events))
    finally:
        pending.cancel()
        draining.cancel()
        with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration, StreamReset):
            await pending
        await events.aclose()  # type: ignore[attr-defined]


def _sequence(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise ValidationError(
            "Last-Event-ID must be an id this stream sent.", field="Last-Event-ID"
        )
    return int(raw)


# GET /api/v1/events
@get(
    "/api/v1/events",
    summary="Live changes of one thread (Server-Sent Events)",
    tags=["comments"],
    cache=False,
    media_type="text/event-stream",
    response_description="An endless stream of `event:`, `id:` and `data:` lines",
    responses=ERROR_RESPONSES,
)
async def thread_events(
    services: NamedDependency[Services],
    site: FromQuery[str],
    page: FromQuery[str],
    last_event_id: Annotated[
        str | None,
        HeaderParameter(
            name="Last-Event-ID", description="resume after this event", required=False
        ),
    ] = None,
) -> ServerSentEvent:
    """``comment.created``, ``comment.updated``, ``comment.deleted``, ``vote.changed`` and
    ``reaction.changed``, each with an ``id:`` (its sequence) and JSON ``data`` holding at least
    the comment's ``id``. Reconnecting with ``Last-Event-ID`` replays what was missed;
    ``stream.reset`` means the reader was away too long and should reload the thread. A comment
    line every 15 s keeps proxies from closing an idle connection."""
    events = await services.live.follow_thread(site, page, _sequence(last_event_id))
    return ServerSentEvent(_with_heartbeats(events), headers={"X-Accel-Buffering": "no"})
