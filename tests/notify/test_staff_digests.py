"""Scheduled staff digests of the moderation queue, against a real SMTP server (aiosmtpd) and a
real database: the count and the link, once per period and site however many workers run, nothing
when nothing waits, and off when ``ROSTRA_STAFF_DIGEST_MINUTES`` is 0."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import httpx
import pytest
from typer.testing import CliRunner

from rostra.bootstrap import build_services
from rostra.cli.app import app as cli
from rostra.config import Settings, SettingsError, load_settings
from rostra.domain.moderation import ModerationMode, ModerationSettings
from rostra.domain.staff_digests import digest_period, period_start
from rostra.notify.worker import OutboxWorker
from rostra.services.moderation import Decision
from rostra.services.registry import Services
from rostra.services.staff_digests import StaffDigestService
from rostra.web.app import create_app
from tests.api.helpers import post_comment
from tests.api.staff_helpers import ADMIN, MODERATOR, add_staff
from tests.conftest import ORIGIN, SECRET_KEY, MovableClock
from tests.notify.smtp import (
    PUBLIC_URL,
    SmtpServer,
    deliver,
    html_of,
    mail_settings,
    text_of,
    wait_for_messages,
)

HOUR = timedelta(minutes=60)
# A minute into an hour: the tests know which digest period (on the hour, UTC) they are in.
START = datetime(2026, 11, 25, 10, 1, tzinfo=UTC)
QUEUE_LINK = f"{PUBLIC_URL}/admin?site=news"


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


def digests(services: Services) -> StaffDigestService:
    assert services.staff_digests is not None
    return services.staff_digests


async def hold_comments(client: httpx.AsyncClient, count: int, site: str = "news") -> list[str]:
    """Post ``count`` comments that wait for a moderator; returns their ids."""
    ids = []
    for n in range(count):
        response = await post_comment(client, site=site, body=f"Held comment number {n}.")
        assert response.status_code == 202, response.text
        ids.append(response.json()["id"])
    return ids


async def pre_moderated(services: Services, *sites: str) -> None:
    for site in sites or ("news",):
        await services.sites.update_moderation(site, ModerationSettings(mode=ModerationMode.PRE))


def recipients(messages: list[EmailMessage]) -> list[str]:
    return sorted(str(m["To"]) for m in messages)


async def test_digest_tells_each_staff_member_how_many_wait_with_a_link_to_the_queue(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await pre_moderated(services)
    await add_staff(services, MODERATOR, "moderator")
    await add_staff(services, ADMIN, "admin")
    await hold_comments(client, 2)

    assert await digests(services).send_due() == 2
    assert await deliver(services) == 2
    messages = smtp_server.messages
    assert recipients(messages) == [ADMIN, MODERATOR]
    for message in messages:
        assert message["Subject"] == "2 comments waiting for moderation on The Example News"
        assert "2 comments on The Example News wait for a moderator." in text_of(message)
        assert f"Open the queue: {QUEUE_LINK}" in text_of(message)
        assert f'href="{QUEUE_LINK}"' in html_of(message)
        assert message["List-Unsubscribe"] is None  # staff mail, not a subscription


async def test_one_held_comment_reads_in_the_singular(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await pre_moderated(services)
    await add_staff(services, MODERATOR, "moderator")
    await hold_comments(client, 1)
    assert await digests(services).send_due() == 1
    await deliver(services)
    [message] = smtp_server.messages
    assert message["Subject"] == "1 comment waiting for moderation on The Example News"
    assert "1 comment on The Example News waits for a moderator." in text_of(message)


async def test_digest_leaves_once_per_period_and_again_after_the_interval(
    client: httpx.AsyncClient,
    services: Services,
    smtp_server: SmtpServer,
    clock: MovableClock,
    settings: Settings,
) -> None:
    await pre_moderated(services)
    await add_staff(services, MODERATOR, "moderator")
    await hold_comments(client, 1)
    assert await digests(services).send_due() == 1

    # More arrive within the period: they wait for the next digest, also across a restart
    # (a new process forgets what it did, the database does not).
    await hold_comments(client, 2)
    clock.advance(minutes=58)
    assert await digests(services).send_due() == 0
    restarted = build_services(settings, clock=clock)  # another process, same database
    try:
        assert await digests(restarted).send_due() == 0
    finally:
        for hook in restarted.on_shutdown:
            await hook()
    await deliver(services)
    [first] = smtp_server.messages
    assert first["Subject"].startswith("1 comment ")

    clock.advance(minutes=2)  # 11:01, the next period
    assert await digests(services).send_due() == 1
    await deliver(services)
    [_, second] = smtp_server.messages
    assert second["Subject"] == "3 comments waiting for moderation on The Example News"
    assert digest_period(clock.now(), HOUR) == digest_period(START, HOUR) + 1


async def test_nothing_is_sent_when_nothing_waits(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer, clock: MovableClock
) -> None:
    await add_staff(services, MODERATOR, "moderator")
    published = await post_comment(client, body="Published at once.")
    assert published.status_code == 201
    assert await digests(services).send_due() == 0

    # A held comment, decided before the next period: that period has nothing to tell.
    await pre_moderated(services)
    [held] = await hold_comments(client, 1)
    assert services.moderation is not None and services.staff is not None
    [moderator] = await services.staff.list_users()
    await services.moderation.decide(moderator, held, Decision.REJECT)
    clock.advance(hours=1)
    assert await digests(services).send_due() == 0
    clock.advance(hours=1)
    assert await digests(services).send_due() == 0
    assert await deliver(services) == 0
    assert smtp_server.messages == []


async def test_each_site_gets_its_own_digest_and_disabled_staff_get_none(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await services.sites.add_site("sport", [ORIGIN], "Sport Today")
    await services.sites.add_site("quiet", [ORIGIN], "Quiet Pages")
    await pre_moderated(services, "news", "sport", "quiet")
    await add_staff(services, MODERATOR, "moderator")
    await add_staff(services, ADMIN, "admin")
    assert services.staff is not None
    await services.staff.set_disabled(ADMIN, True)
    await hold_comments(client, 2, site="news")
    await hold_comments(client, 1, site="sport")

    assert await digests(services).send_due() == 2
    await deliver(services)
    subjects = sorted(str(m["Subject"]) for m in smtp_server.messages)
    assert subjects == [
        "1 comment waiting for moderation on Sport Today",
        "2 comments waiting for moderation on The Example News",
    ]
    assert recipients(smtp_server.messages) == [MODERATOR, MODERATOR]
    sport = next(m for m in smtp_server.messages if "Sport" in str(m["Subject"]))
    assert f"{PUBLIC_URL}/admin?site=sport" in text_of(sport)


async def test_no_staff_accounts_no_digest_and_the_period_stays_open(
    client: httpx.AsyncClient, services: Services, smtp_server: SmtpServer
) -> None:
    await pre_moderated(services)
    await hold_comments(client, 1)
    assert await digests(services).queue_digests(digest_period(START, HOUR)) == 0
    # The first account created within the period hears of the queue in that period.
    await add_staff(services, MODERATOR, "moderator")
    assert await digests(services).queue_digests(digest_period(START, HOUR)) == 1


async def test_concurrent_workers_queue_each_digest_once(
    database_url: str, smtp_server: SmtpServer, clock: MovableClock
) -> None:
    """Two processes' services on one database (PostgreSQL: row locks; SQLite: one writer),
    each racing several claims of the same period, then their worker loops in the next one."""
    settings = mail_settings(database_url, smtp_server)
    first, second = build_services(settings, clock=clock), build_services(settings, clock=clock)
    try:
        await first.sites.add_site("news", [ORIGIN], "The Example News")
        await pre_moderated(first)
        await add_staff(first, MODERATOR, "moderator")
        await add_staff(first, ADMIN, "admin")
        transport = httpx.ASGITransport(app=create_app(first))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await hold_comments(client, 3)

        period = digest_period(clock.now(), HOUR)
        # The first period inserts the site's ledger row, the second updates it: race both.
        for racing in (period, period + 1):
            queued = await asyncio.gather(
                *(digests(services).queue_digests(racing) for services in (first, second) * 5)
            )
            assert sorted(queued) == [0] * 9 + [2], racing
            assert await deliver(first) == 2

        clock.advance(hours=2)
        workers = [
            OutboxWorker(s.notifications, digests=s.staff_digests)  # type: ignore[arg-type]
            for s in (first, second)
        ]
        handled = await asyncio.gather(*(worker.run_once() for worker in workers))
        handled_later = await asyncio.gather(*(worker.run_once() for worker in workers))
        assert sum(handled) + sum(handled_later) == 2
        assert recipients(smtp_server.messages) == [ADMIN] * 3 + [MODERATOR] * 3
    finally:
        for services in (first, second):
            for hook in services.on_shutdown:
                await hook()


async def test_the_apps_background_worker_sends_the_digest(
    database_url: str, smtp_server: SmtpServer, clock: MovableClock
) -> None:
    services = build_services(
        mail_settings(database_url, smtp_server, notify_worker=True, notify_poll_seconds=1),
        clock=clock,
    )
    try:
        await services.sites.add_site("news", [ORIGIN], "The Example News")
        await pre_moderated(services)
        await add_staff(services, MODERATOR, "moderator")
        transport = httpx.ASGITransport(app=create_app(services))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await hold_comments(client, 2)
        for hook in services.on_startup:
            await hook()
        [message] = await wait_for_messages(smtp_server, 1)
        assert message["To"] == MODERATOR
        assert message["Subject"].startswith("2 comments ")
    finally:
        for hook in services.on_shutdown:
            await hook()


@pytest.mark.parametrize(("minutes", "expected"), [(None, 1), ("0", 0)])
async def test_rostra_worker_queues_the_digest_unless_the_setting_is_zero(
    client: httpx.AsyncClient,
    services: Services,
    smtp_server: SmtpServer,
    database_url: str,
    minutes: str | None,
    expected: int,
) -> None:
    await pre_moderated(services)
    await add_staff(services, MODERATOR, "moderator")
    await hold_comments(client, 1)
    env = {
        "ROSTRA_SMTP_URL": smtp_server.url,
        "ROSTRA_PUBLIC_URL": PUBLIC_URL,
        "ROSTRA_SECRET_KEY": SECRET_KEY,
    }
    if minutes is not None:
        env["ROSTRA_STAFF_DIGEST_MINUTES"] = minutes
    result = CliRunner().invoke(cli, ["worker", "--once", "--database", database_url], env=env)
    assert result.exit_code == 0, result.output
    assert f"Handled {expected} outbox job(s)." in result.output
    assert [m["To"] for m in smtp_server.messages] == [MODERATOR] * expected


async def test_setting_zero_leaves_the_digest_out(
    database_url: str, smtp_server: SmtpServer
) -> None:
    off = build_services(mail_settings(database_url, smtp_server, staff_digest_minutes=0))
    no_mail = build_services(mail_settings(database_url, smtp_server, smtp_url=None))
    try:
        assert off.staff_digests is None
        assert no_mail.staff_digests is None  # no mail server: nothing to schedule
    finally:
        for services in (off, no_mail):
            for hook in services.on_shutdown:
                await hook()


@pytest.mark.parametrize(("raw", "expected"), [("0", 0), ("1440", 1440), (" 15 ", 15)])
def test_staff_digest_minutes_setting(raw: str, expected: int) -> None:
    settings = load_settings({"ROSTRA_STAFF_DIGEST_MINUTES": raw})
    assert settings.staff_digest_minutes == expected
    assert load_settings({}).staff_digest_minutes == 60


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("-5", "must be positive"),
        ("hourly", "must be a whole number"),
        ("1.5", "must be a whole number"),
    ],
)
def test_staff_digest_minutes_rejects_bad_values(raw: str, message: str) -> None:
    with pytest.raises(SettingsError, match=f"ROSTRA_STAFF_DIGEST_MINUTES {message}"):
        load_settings({"ROSTRA_STAFF_DIGEST_MINUTES": raw})


def test_zero_stays_refused_for_other_whole_number_settings() -> None:
    with pytest.raises(SettingsError, match="ROSTRA_NOTIFY_BATCH_MINUTES must be positive"):
        load_settings({"ROSTRA_NOTIFY_BATCH_MINUTES": "0"})


def test_periods_start_on_the_interval_since_the_epoch() -> None:
    assert period_start(digest_period(START, HOUR), HOUR) == datetime(
        2026, 11, 25, 10, 0, tzinfo=UTC
    )
    day = timedelta(days=1)
    assert period_start(digest_period(START, day), day) == datetime(2026, 11, 25, tzinfo=UTC)
    end_of_hour = datetime(2026, 11, 25, 10, 59, 59, 999999, tzinfo=UTC)
    assert digest_period(end_of_hour, HOUR) == digest_period(START, HOUR)
    assert digest_period(end_of_hour + timedelta(microseconds=1), HOUR) == (
        digest_period(START, HOUR) + 1
    )
    with pytest.raises(ValueError, match="positive"):
        digest_period(START, timedelta(0))
