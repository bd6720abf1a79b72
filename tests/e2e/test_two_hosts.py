"""Two hosts, one site: two `rostra serve` processes in separate working folders that share
only PostgreSQL, Redis and the media store (the database, or an S3 bucket on moto's server).

An image uploaded through one is served by the other; a host that stops sends its live readers
to reconnect (``retry:``), and they miss nothing on the other host."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.conftest import ORIGIN
from tests.e2e.serving import Server, add_news_site, server_env, start_server
from tests.e2e.test_scale_out import shared_database, shared_redis
from tests.s3_standin import S3Bucket, s3_bucket, s3_endpoint

__all__ = ["s3_bucket", "s3_endpoint", "shared_database", "shared_redis"]  # fixtures by name

pytestmark = [pytest.mark.postgresql, pytest.mark.redis]
PAGE = "/2026/12/two-hosts"
STREAM_SECONDS = 20.0


@pytest.fixture(params=["database", "s3"])
def hosts(
    request: pytest.FixtureRequest, shared_database: str, shared_redis: str, tmp_path: Path
) -> Iterator[tuple[Server, Server]]:
    media_url = "database"
    if request.param == "s3":
        bucket: S3Bucket = request.getfixturevalue("s3_bucket")  # sets AWS_* for the servers
        media_url = f"s3://{bucket.name}/rostra"
    env = server_env(shared_database, ROSTRA_REDIS_URL=shared_redis, ROSTRA_MEDIA_URL=media_url)
    add_news_site(env)
    servers: list[Server] = []
    try:
        for name in ("a", "b"):
            folder = tmp_path / f"host-{name}"
            folder.mkdir()
            servers.append(start_server(env, tmp_path / f"{name}.log", cwd=folder))
        yield servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()
    for name in ("a", "b"):  # neither host kept a file of its own
        assert list((tmp_path / f"host-{name}").iterdir()) == []


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), (20, 120, 200)).save(out, "JPEG")
    return out.getvalue()


async def test_an_image_uploaded_through_one_host_is_served_by_the_other(
    hosts: tuple[Server, Server],
) -> None:
    first, second = hosts
    async with httpx.AsyncClient(timeout=10, headers={"Origin": ORIGIN}) as client:
        uploaded = await client.post(
            f"{first.url}/api/v1/images", files={"file": ("p.jpg", photo(), "image/jpeg")}
        )
        assert uploaded.status_code == 201, uploaded.text
        image = uploaded.json()
        served = await client.get(f"{second.url}{image['url']}")
        assert served.status_code == 200, second.output()
        assert served.headers["content-type"] == "image/jpeg"
        assert Image.open(io.BytesIO(served.content)).size == (120, 80)
        thumbnail = await client.get(f"{second.url}{image['thumbnail_url']}")
        assert thumbnail.status_code == 200
        # Attached through the other host, shown in the thread by the first.
        posted = await client.post(
            f"{second.url}/api/v1/comments",
            json={
                "site": "news",
                "page": PAGE,
                "author_name": "Ann",
                "body": "A picture from the harbour.",
                "images": [{"id": image["id"], "upload_token": image["upload_token"]}],
            },
        )
        assert posted.status_code == 201, posted.text
        thread = await client.get(
            f"{first.url}/api/v1/comments", params={"site": "news", "page": PAGE}
        )
    [comment] = thread.json()["comments"]
    assert [shown["url"] for shown in comment["images"]] == [image["url"]]


async def read_until_stopped(url: str, connected: asyncio.Event) -> list[str]:
    """Follow the thread on ``url`` and return the lines the server sent until it ended the
    stream."""
    lines: list[str] = []
    params = {"site": "news", "page": PAGE}
    async with (
        httpx.AsyncClient(timeout=httpx.Timeout(STREAM_SECONDS)) as client,
        client.stream("GET", f"{url}/api/v1/events", params=params) as response,
    ):
        assert response.status_code == 200
        async for line in response.aiter_lines():
            lines.append(line)
            if line == ": connected":
                connected.set()
    return lines


@pytest.mark.parametrize("hosts", ["database"], indirect=True)
async def test_a_stopping_host_sends_its_readers_to_the_other_and_they_miss_nothing(
    hosts: tuple[Server, Server],
) -> None:
    first, second = hosts
    async with httpx.AsyncClient(timeout=10) as client:
        before = await client.post(
            f"{first.url}/api/v1/comments",
            json={"site": "news", "page": PAGE, "author_name": "Ann", "body": "Before the stop."},
        )
        assert before.status_code == 201, before.text
    connected = asyncio.Event()
    reader = asyncio.create_task(read_until_stopped(second.url, connected))
    await asyncio.wait_for(connected.wait(), STREAM_SECONDS)
    await asyncio.to_thread(second.stop)  # SIGTERM, as an orchestrator stops a host
    lines = await asyncio.wait_for(reader, STREAM_SECONDS)
    # uvicorn ends by re-raising the signal once its shutdown is complete.
    assert second.process.returncode == -15, second.output()
    assert "Application shutdown complete." in second.output()
    assert ": server stopping" in lines, lines
    [retry] = [int(line.removeprefix("retry: ")) for line in lines if line.startswith("retry: ")][
        -1:
    ]
    assert 1000 <= retry <= 5000
    assert "timeout graceful shutdown exceeded" not in second.output()
    # Meanwhile a comment arrives through the host that stays; the reader reconnects there
    # from the last event id it had (none yet: the thread's start) and receives it.
    async with httpx.AsyncClient(timeout=10) as client:
        during = await client.post(
            f"{first.url}/api/v1/comments",
            json={"site": "news", "page": PAGE, "author_name": "Bo", "body": "While it stopped."},
        )
        assert during.status_code == 201, during.text
        async with client.stream(
            "GET",
            f"{first.url}/api/v1/events",
            params={"site": "news", "page": PAGE},
            headers={"Last-Event-ID": "0"},
        ) as resumed:
            async for line in resumed.aiter_lines():
                if line.startswith("data: ") and during.json()["id"] in line:
                    break
            else:
                pytest.fail("the stream ended without the comment")
