"""A stopping server ends its live-event streams itself: a last ``retry:`` (1-5 s, random) and
the end of the stream, instead of being cut off when the shutdown's timeout runs out.
tests/e2e/test_two_hosts.py stops a real `rostra serve` with SIGTERM."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from rostra.web.draining import DRAIN

DEADLINE_SECONDS = 10.0


@pytest.fixture
def drain() -> Iterator[None]:
    yield
    DRAIN.reset()  # one process runs many test servers


async def lines_of_stream(live_server: str, *, begin_on_connect: bool) -> list[str]:
    lines: list[str] = []
    async with (
        httpx.AsyncClient(base_url=live_server, timeout=DEADLINE_SECONDS) as client,
        client.stream("GET", "/api/v1/events", params={"site": "news", "page": "/a"}) as stream,
    ):
        assert stream.status_code == 200
        async for line in stream.aiter_lines():  # ends when the server ends the stream
            lines.append(line)
            if line == ": connected" and begin_on_connect:
                DRAIN.begin()
    return lines


def retry_of(lines: list[str]) -> int:
    stopping = lines.index(": server stopping")
    [retry] = [line for line in lines[stopping:] if line.startswith("retry: ")]
    return int(retry.removeprefix("retry: "))


async def test_an_open_stream_ends_with_a_retry_when_the_server_stops(
    live_server: str, drain: None
) -> None:
    lines = await lines_of_stream(live_server, begin_on_connect=True)
    assert 1000 <= retry_of(lines) <= 5000


async def test_a_stream_opened_while_stopping_ends_at_once(live_server: str, drain: None) -> None:
    DRAIN.begin()
    lines = await lines_of_stream(live_server, begin_on_connect=False)
    assert lines[0] == ": connected"
    assert 1000 <= retry_of(lines) <= 5000
