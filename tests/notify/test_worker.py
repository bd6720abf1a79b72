"""The outbox worker: the background task the app starts, leases that outlive a dead worker,
two workers on PostgreSQL, and the ``rostra outbox status`` command."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from rostra.bootstrap import build_services
from rostra.cli.app import app as cli
from rostra.domain.subscriptions import MAIL_KINDS, MailKind
from rostra.notify.worker import OutboxWorker
from rostra.services.registry import Services
from rostra.storage.database import Database
from tests.api.helpers import PAGE
from tests.conftest import ORIGIN, SECRET_KEY, MovableClock
from tests.notify.smtp import SmtpServer, deliver, mail_settings, wait_for_messages


async def test_the_apps_background_worker_sends_without_being_asked(
    database_url: str, smtp_server: SmtpServer, clock: MovableClock
) -> None:
    services = build_services(
        mail_settings(database_url, smtp_server, notify_worker=True, notify_poll_seconds=1),
        clock=clock,
    )
    await services.sites.add_site("news", [ORIGIN], "The Example News")
    try:
        for hook in services.on_startup:
            await hook()
        from rostra.web.app import create_app

        transport = httpx.ASGITransport(app=create_app(services))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.post(
                "/api/v1/subscriptions",
                json={"site": "news", "page": PAGE, "email": "a@mail.example", "kind": "all"},
            )
            assert response.status_code == 202
            [message] = await wait_for_messages(smtp_server, 1)
            assert message["To"] == "a@mail.example"
    finally:
        for hook in services.on_shutdown:
            await hook()


async def staff_jobs(services: Services, count: int) -> None:
    assert services.notifications is not None
    await services.notifications.send_staff_digest(
        [f"staff{n}@mail.example" for n in range(count)], "news", 3
    )


async def test_a_job_held_by_a_dead_worker_is_sent_once_its_lease_runs_out(
    services: Services, smtp_server: SmtpServer, clock: MovableClock, database_url: str
) -> None:
    await staff_jobs(services, 1)
    # Another process claims the job and dies before sending: its lease stays behind.
    other_process = Database(database_url)
    try:
        async with other_process.write() as tx:
            now = clock.now()
            [job] = await tx.outbox.claim(
                now, now + timedelta(minutes=5), "dead-worker", 10, MAIL_KINDS
            )
    finally:
        await other_process.close()
    assert job.kind is MailKind.STAFF_DIGEST
    assert await deliver(services, "live-worker") == 0  # leased: nobody else takes it
    clock.advance(minutes=5, seconds=1)
    assert await deliver(services, "live-worker") == 1
    assert await deliver(services, "live-worker") == 0
    [message] = smtp_server.messages
    assert message["Subject"] == "3 comments waiting for moderation on The Example News"
    assert "https://comments.example/admin" in message.get_body(("plain",)).get_content()


async def test_a_stopping_worker_releases_the_jobs_it_claimed_but_did_not_send(
    services: Services, smtp_server: SmtpServer
) -> None:
    assert services.notifications is not None
    await staff_jobs(services, 4)
    gate = smtp_server.collector.gate = threading.Event()
    worker = OutboxWorker(services.notifications, poll_seconds=1)
    await worker.start()
    try:
        # The worker claimed all four and is in the middle of sending the first.
        assert await asyncio.to_thread(smtp_server.collector.arrived.wait, 10)
        worker.request_stop()
    finally:
        gate.set()
        await worker.stop()
    [first] = smtp_server.messages
    # At the same instant, long before their lease would run out, another worker takes the
    # three the stopped one gave back; it does not wait for their lease.
    assert await deliver(services, "other-worker") == 3
    assert sorted(m["To"] for m in smtp_server.messages) == [
        f"staff{n}@mail.example" for n in range(4)
    ]
    summary = await services.notifications.outbox_summary()
    assert summary.counts["sent"] == 4
    assert summary.retrying == 0
    assert first["To"] == "staff0@mail.example"


async def test_staff_digest_needs_something_waiting(
    services: Services, smtp_server: SmtpServer
) -> None:
    assert services.notifications is not None
    await services.notifications.send_staff_digest(["s@mail.example"], "news", 0)
    assert await deliver(services) == 0


@pytest.mark.postgresql
async def test_two_workers_on_postgresql_send_each_message_once(
    postgresql_database: str, smtp_server: SmtpServer, clock: MovableClock
) -> None:
    from tests.conftest import _truncate

    await _truncate(postgresql_database)
    settings = mail_settings(postgresql_database, smtp_server)
    first, second = build_services(settings, clock=clock), build_services(settings, clock=clock)
    try:
        await first.sites.add_site("news", [ORIGIN], "The Example News")
        assert first.notifications is not None
        await first.notifications.send_staff_digest(
            [f"staff{n}@mail.example" for n in range(40)], "news", 2
        )

        async def drain(services: Services, name: str) -> int:
            assert services.notifications is not None
            total = 0
            while claimed := await services.notifications.deliver_due(name):
                total += claimed
            return total

        handled = await asyncio.gather(drain(first, "w1"), drain(second, "w2"))
        assert sum(handled) == 40
        recipients = sorted(m["To"] for m in smtp_server.messages)
        assert recipients == sorted(f"staff{n}@mail.example" for n in range(40))
    finally:
        for services in (first, second):
            for hook in services.on_shutdown:
                await hook()
        await _truncate(postgresql_database)


async def test_outbox_status_shows_counts_and_permanent_failures(
    services: Services, smtp_server: SmtpServer, database_url: str
) -> None:
    assert services.notifications is not None
    smtp_server.collector.refuse["gone@mail.example"] = "550 5.1.1 No such user"
    await services.notifications.send_staff_digest(
        ["gone@mail.example", "here@mail.example"], "news", 1
    )
    await deliver(services)
    result = CliRunner().invoke(cli, ["outbox", "status", "--database", database_url])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    assert "failed 1" in result.output
    assert "staff_digest to gone@mail.example" in result.output
    assert "550 5.1.1 No such user" in result.output


async def test_rostra_worker_once_sends_what_is_due(
    services: Services, smtp_server: SmtpServer, database_url: str
) -> None:
    assert services.notifications is not None
    await services.notifications.send_staff_digest(["s@mail.example"], "news", 2)
    env = {
        "ROSTRA_SMTP_URL": smtp_server.url,
        "ROSTRA_PUBLIC_URL": "https://comments.example",
        "ROSTRA_SECRET_KEY": SECRET_KEY,
    }
    result = CliRunner().invoke(cli, ["worker", "--once", "--database", database_url], env=env)
    assert result.exit_code == 0, result.output
    assert "Handled 1 outbox job(s)." in result.output
    [message] = smtp_server.messages
    assert message["To"] == "s@mail.example"


def test_rostra_worker_without_a_mail_server_sends_the_rest(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["worker", "--once", "--database", f"sqlite:///{tmp_path}/w.db"],
        env={"ROSTRA_SMTP_URL": ""},
    )
    assert result.exit_code == 0, result.output
    assert "ROSTRA_SMTP_URL is not set: sending webhooks and chat alerts, no mail." in result.output
    assert "Handled 0 outbox job(s)." in result.output
