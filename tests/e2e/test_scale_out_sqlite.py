"""Two `rostra serve` processes on one SQLite file and no Redis: a comment posted to one reaches
the live readers of the other, relayed through the event log in the database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from tests.conftest import ORIGIN
from tests.e2e.serving import (
    add_news_site,
    first_event,
    launch_server,
    rostra_here,
    server_env,
    wait_until_serving,
)

PAGE = "/2026/12/two-processes"


async def test_comment_posted_to_one_process_reaches_readers_of_the_other(tmp_path: Path) -> None:
    env = server_env(f"sqlite:///{tmp_path / 'shared.db'}")
    rostra_here(env, "migrate")
    add_news_site(env)
    first = launch_server(env, tmp_path / "first.log")
    second = launch_server(env, tmp_path / "second.log")
    try:
        for server in (first, second):  # started side by side
            wait_until_serving(server)
        ready = asyncio.Event()
        listener = asyncio.create_task(first_event(second.url, PAGE, ready, "comment.created"))
        await asyncio.wait_for(ready.wait(), 10)
        async with httpx.AsyncClient() as client:
            posted = await client.post(
                f"{first.url}/api/v1/comments",
                json={"site": "news", "page": PAGE, "author_name": "Ann", "body": "Across"},
                headers={"Origin": ORIGIN},
            )
        assert posted.status_code == 201, posted.text
        event = await asyncio.wait_for(listener, 10)
        assert event["id"] == posted.json()["id"]
    finally:
        first.stop()
        second.stop()
