"""Two hosts, one site: two `rostra serve` processes in separate working folders that share
only PostgreSQL, Redis and the media store (the database, or an S3 bucket on moto's server).

An image uploaded through one is served by the other; a host that stops sends its live readers
to reconnect (``retry:``), and they miss nothing on the other host; a host stopped while writers
post through both loses no write it acknowledged. Each outbox mail leaves once, staff digests
once per period, and a stopping host hands the mail it claimed to the other at once."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from PIL import Image
from sqlalchemy.ext.asyncio import create_async_engine

from rostra.bootstrap import build_services, run_blocking
from rostra.config import Settings
from rostra.domain.comments import CommentStatus
from rostra.domain.moderation import ModerationMode, ModerationSettings
from rostra.domain.staff_digests import digest_period
from rostra.domain.times import from_us
from rostra.services.callers import Caller
from rostra.services.comments import CommentDraft
from rostra.storage.database import async_url
from tests.api.staff_helpers import add_staff
from tests.conftest import ORIGIN, SECRET_KEY
from tests.e2e.serving import Server, add_news_site, launch_server, server_env, wait_until_serving
from tests.e2e.test_scale_out import shared_database, shared_redis
from tests.notify.smtp import MAIL_FROM, PUBLIC_URL, SmtpServer, link
from tests.s3_standin import S3Bucket, s3_bucket, s3_endpoint

__all__ = ["s3_bucket", "s3_endpoint", "shared_database", "shared_redis"]  # fixtures by name

pytestmark = [pytest.mark.postgresql, pytest.mark.redis]
PAGE = "/2026/12/two-hosts"
STREAM_SECONDS = 20.0
WRITERS = 4
POSTS_EACH = 12
LOAD_SECONDS = 180.0


@contextmanager
def two_hosts(env: dict[str, str], tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    """Two `rostra serve` processes on ``env``, each in a working folder of its own."""
    servers: list[Server] = []
    try:
        for name in ("a", "b"):  # side by side, as an orchestrator starts them
            folder = tmp_path / f"host-{name}"
            folder.mkdir()
            servers.append(launch_server(env, tmp_path / f"{name}.log", cwd=folder))
        for server in servers:
            wait_until_serving(server)
        yield servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()
    for name in ("a", "b"):  # neither host kept a file of its own
        assert list((tmp_path / f"host-{name}").iterdir()) == []


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
    with two_hosts(env, tmp_path) as servers:
        yield servers


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


@pytest.mark.parametrize("hosts", ["database"], indirect=True)
async def test_stopping_a_host_under_load_loses_no_acknowledged_write(
    hosts: tuple[Server, Server], shared_database: str
) -> None:
    first, second = hosts
    acknowledged: dict[str, str] = {}  # comment id -> which host answered, and when
    load = asyncio.Event()  # enough writes through both hosts: stop one now
    stopping = asyncio.Event()

    async def writer(n: int) -> None:
        async with httpx.AsyncClient(timeout=STREAM_SECONDS) as client:
            for k in range(POSTS_EACH):
                comment = {
                    "site": "news",
                    "page": PAGE,
                    "author_name": f"Writer {n}",
                    "body": f"Writer {n} writes comment {k} of the load.",
                }
                # Through both hosts in turn; a host that fails gets the same comment retried
                # on the other, as a load balancer would.
                order = (first, second) if (n + k) % 2 else (second, first)
                for host in order:
                    try:
                        answer = await client.post(f"{host.url}/api/v1/comments", json=comment)
                    except httpx.TransportError:
                        continue
                    if answer.status_code in (201, 202):
                        when = "after" if stopping.is_set() else "before"
                        acknowledged[answer.json()["id"]] = f"{host.url} {when}"
                        break
                    assert answer.status_code >= 500, answer.text  # never refused as bad
                else:
                    pytest.fail(f"neither host took writer {n}'s comment {k}")
                if len(acknowledged) >= WRITERS * POSTS_EACH // 3:
                    load.set()

    writers = [asyncio.create_task(writer(n)) for n in range(WRITERS)]
    async with asyncio.timeout(LOAD_SECONDS):
        loaded = asyncio.create_task(load.wait())
        await asyncio.wait({loaded, *writers}, return_when=asyncio.FIRST_COMPLETED)
        assert load.is_set(), "the writers ended before the load"
        stopping.set()
        await asyncio.to_thread(second.stop)  # SIGTERM while writes are in flight on both
        await asyncio.gather(*writers)
    assert second.process.returncode == -15, second.output()
    stored = {row.id for row in await table_rows(shared_database, "SELECT id FROM comments")}
    assert set(acknowledged) <= stored, sorted(set(acknowledged) - stored)
    answered = set(acknowledged.values())
    # The stopped host had taken writes, and the one that stayed took the rest.
    assert f"{second.url} before" in answered
    assert f"{first.url} after" in answered
    assert len(acknowledged) >= WRITERS * POSTS_EACH


# Mail across the hosts: a real SMTP server (aiosmtpd) receives what both hosts' outbox workers
# send. Both look at the outbox every second and queue staff digests every minute.

FOLLOWERS = [f"follower{n}@mail.example" for n in range(3)]
STAFF = ["editor@news.example", "desk@news.example"]
# Far below the outbox lease (five minutes): a mail left to a lease running out would miss it.
MAIL_SECONDS = 60.0
DIGEST_SECONDS = 240.0  # up to two one-minute digest periods, on a busy machine
DIGEST_PERIOD = timedelta(minutes=1)


@dataclass
class MailHosts:
    first: Server
    second: Server
    smtp: SmtpServer
    database_url: str

    @property
    def both(self) -> tuple[Server, Server]:
        return self.first, self.second


async def prepare_desk(database_url: str, *, held: bool) -> None:
    """A second site, ``desk``, that holds every comment for a moderator; two staff accounts;
    with ``held``, a comment already waiting there."""
    settings = Settings(database_url=database_url, secret_key=SECRET_KEY, toxicity_model="none")
    services = build_services(settings)
    try:
        await services.sites.update_moderation("desk", ModerationSettings(mode=ModerationMode.PRE))
        for address in STAFF:
            await add_staff(services, address, "moderator")
        if held:
            draft = CommentDraft("desk", PAGE, "Waiting since before the start.", "Cy")
            posted = await services.comments.post_comment(draft, Caller(origin=ORIGIN))
            assert posted.comment.status is CommentStatus.PENDING
    finally:
        for hook in services.on_shutdown:
            await hook()


@contextmanager
def running_mail_hosts(
    database_url: str, redis_url: str, tmp_path: Path, *, held: bool
) -> Iterator[MailHosts]:
    smtp = SmtpServer()
    smtp.start()
    env = server_env(
        database_url,
        ROSTRA_REDIS_URL=redis_url,
        ROSTRA_MEDIA_URL="database",
        ROSTRA_SMTP_URL=smtp.url,
        ROSTRA_PUBLIC_URL=PUBLIC_URL,
        ROSTRA_MAIL_FROM=MAIL_FROM,
        ROSTRA_NOTIFY_POLL_SECONDS="1",
        ROSTRA_STAFF_DIGEST_MINUTES=str(DIGEST_PERIOD.seconds // 60),
    )
    add_news_site(env)
    add_news_site(env, "desk")
    run_blocking(prepare_desk(database_url, held=held))
    try:
        with two_hosts(env, tmp_path) as (first, second):
            yield MailHosts(first, second, smtp, database_url)
    finally:
        smtp.stop()


@pytest.fixture
def mail_hosts(shared_database: str, shared_redis: str, tmp_path: Path) -> Iterator[MailHosts]:
    """The two hosts with mail, and nothing waiting for a moderator (no staff digest)."""
    with running_mail_hosts(shared_database, shared_redis, tmp_path, held=False) as mail:
        yield mail


@pytest.fixture
def digest_hosts(shared_database: str, shared_redis: str, tmp_path: Path) -> Iterator[MailHosts]:
    """The two hosts with mail, started while a comment already waits for a moderator: their
    first look, at start, finds it, so the period they start in has its digest and the next
    one comes at the next period's start (not a whole period after the first look)."""
    with running_mail_hosts(shared_database, shared_redis, tmp_path, held=True) as mail:
        yield mail


async def table_rows(database_url: str, sql: str) -> list[Any]:
    engine = create_async_engine(async_url(database_url))
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(sa.text(sql))).all())
    finally:
        await engine.dispose()


async def outbox_rows(database_url: str, kind: str) -> list[Any]:
    rows = await table_rows(
        database_url,
        "SELECT id, kind, recipient, status, attempts, leased_by, created_us FROM outbox "
        "ORDER BY id",
    )
    return [row for row in rows if row.kind == kind]


async def mail_arrives(
    mail: MailHosts, addresses: list[str], count: int, seconds: float = MAIL_SECONDS
) -> None:
    """Wait (bounded) until each of ``addresses`` has ``count`` messages or more."""
    try:
        async with asyncio.timeout(seconds):
            # The SMTP server runs in a thread of its own.
            while any(len(mail.smtp.to(a)) < count for a in addresses):  # noqa: ASYNC110
                await asyncio.sleep(0.1)
    except TimeoutError:
        got = {address: len(mail.smtp.to(address)) for address in addresses}
        pytest.fail(f"expected {count} each, got {got}:\n{mail.first.output()}")


async def confirmed_followers(client: httpx.AsyncClient, mail: MailHosts) -> None:
    """The followers of the news page subscribe through one host and confirm through the
    other; each receives one confirmation."""
    for n, address in enumerate(FOLLOWERS):
        host = mail.both[n % 2]
        subscribed = await client.post(
            f"{host.url}/api/v1/subscriptions",
            json={"site": "news", "page": PAGE, "email": address, "kind": "all"},
        )
        assert subscribed.status_code == 202, subscribed.text
    await mail_arrives(mail, FOLLOWERS, 1)
    for n, address in enumerate(FOLLOWERS):
        [message] = mail.smtp.to(address)
        confirmed = await client.post(f"{mail.both[1 - n % 2].url}{link(message, 'confirm')}")
        assert confirmed.status_code == 200, confirmed.text


async def post_news(client: httpx.AsyncClient, host: Server, body: str) -> None:
    posted = await client.post(
        f"{host.url}/api/v1/comments",
        json={"site": "news", "page": PAGE, "author_name": "Dee", "body": body},
    )
    assert posted.status_code == 201, posted.text


@pytest.mark.timeout(DIGEST_SECONDS + 2 * MAIL_SECONDS)  # two digest periods
async def test_each_mail_leaves_once_and_staff_digests_once_per_period_across_the_hosts(
    digest_hosts: MailHosts,
) -> None:
    mail = digest_hosts
    async with httpx.AsyncClient(timeout=10, headers={"Origin": ORIGIN}) as client:
        # Comments wait for a moderator on the desk (one from before the hosts started): each
        # period's digest tells the staff.
        held = await client.post(
            f"{mail.first.url}/api/v1/comments",
            json={"site": "desk", "page": PAGE, "author_name": "Cy", "body": "Please check."},
        )
        assert held.status_code == 202, held.text
        await confirmed_followers(client, mail)
        # One comment, three follower mails queued together: each leaves once, whichever
        # host's worker takes it.
        await post_news(client, mail.second, "A comment for the followers.")
        await mail_arrives(mail, FOLLOWERS, 2)
        # Two periods' digests: the one queued when the hosts started, and the next period's,
        # which both hosts' workers, polling every second, race to queue when it begins.
        await mail_arrives(mail, STAFF, 2, DIGEST_SECONDS)
    await asyncio.gather(*(asyncio.to_thread(host.stop) for host in mail.both))
    messages = mail.smtp.messages
    assert len({m["Message-ID"] for m in messages}) == len(messages)
    for address in FOLLOWERS:
        subjects = [str(m["Subject"]) for m in mail.smtp.to(address)]
        assert len(subjects) == 2, subjects  # the confirmation and the new comment
    for kind in ("confirm", "thread"):
        rows = await outbox_rows(mail.database_url, kind)
        assert sorted(row.recipient for row in rows) == FOLLOWERS
        assert {(row.status, row.attempts) for row in rows} == {("sent", 1)}
    digests = await outbox_rows(mail.database_url, "staff_digest")
    per_period = Counter(
        (row.recipient, digest_period(from_us(row.created_us), DIGEST_PERIOD)) for row in digests
    )
    assert set(per_period.values()) == {1}, per_period  # one per staff member and period
    assert len({period for _, period in per_period}) >= 2
    for address in STAFF:
        sent = [row for row in digests if row.recipient == address and row.status == "sent"]
        assert len(mail.smtp.to(address)) == len(sent) >= 2
        assert all(row.attempts == 1 for row in sent)


async def test_a_stopping_host_hands_the_mail_it_claimed_to_the_other_at_once(
    mail_hosts: MailHosts,
) -> None:
    mail = mail_hosts
    async with httpx.AsyncClient(timeout=10, headers={"Origin": ORIGIN}) as client:
        await confirmed_followers(client, mail)
        # The SMTP server holds the next message until the test lets it through.
        gate = mail.smtp.collector.gate = threading.Event()
        try:
            await post_news(client, mail.first, "A comment for the followers.")
            assert await asyncio.to_thread(mail.smtp.collector.arrived.wait, MAIL_SECONDS)
            # The three mails were queued together, so one worker claimed them all, and it
            # is sending the first.
            [holder] = {row.leased_by for row in await outbox_rows(mail.database_url, "thread")}
            [stopping] = [host for host in mail.both if f":{host.process.pid}:" in holder]
            os.killpg(stopping.process.pid, signal.SIGTERM)
            async with asyncio.timeout(MAIL_SECONDS):
                # Another process's log: its shutdown has begun.
                while "outbox_worker_stopping" not in stopping.output():  # noqa: ASYNC110
                    await asyncio.sleep(0.1)
        finally:
            gate.set()
        await asyncio.to_thread(stopping.process.wait, MAIL_SECONDS)
        await mail_arrives(mail, FOLLOWERS, 2)
    rows = await outbox_rows(mail.database_url, "thread")
    assert {(row.status, row.attempts) for row in rows} == {("sent", 1)}
    by_stopped = [row for row in rows if row.leased_by == holder]
    assert len(by_stopped) == 1, rows  # the one in hand when it was told to stop
    assert "outbox_released" in stopping.output()
    for address in FOLLOWERS:
        assert len(mail.smtp.to(address)) == 2
