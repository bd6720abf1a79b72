"""``rostra worker``: the outbox worker as a process of its own (for scale-out)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import typer

from rostra.bootstrap import build_services, run_blocking
from rostra.cli.common import (
    CONFIG_OPTION,
    DATABASE_OPTION,
    configure_logging,
    migrate_database,
    settings_from,
)
from rostra.notify.worker import OutboxWorker


def worker(
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
    once: bool = typer.Option(
        False,
        "--once",
        help="Send what is due now (and the staff digest when due), then exit "
        "(for cron or a test).",
    ),
) -> None:
    """Send notification emails, webhook deliveries and chat alerts from the outbox until
    stopped (Ctrl-C, SIGTERM).

    `rostra serve` already runs this loop in the background; run more workers (on any host
    reaching the database) when there is much mail, or set ROSTRA_NOTIFY_WORKER=off on the
    servers and run only these. Any number may run at once: each message is claimed by one.
    Workers also queue the staff digest of the moderation queue every
    ROSTRA_STAFF_DIGEST_MINUTES (one per site and period, whatever the number of workers).
    Without ROSTRA_SMTP_URL it sends webhooks and chat alerts only.
    """
    settings = settings_from(config, database_url=database).with_overrides(notify_worker=False)
    if not settings.smtp_url:
        typer.echo("ROSTRA_SMTP_URL is not set: sending webhooks and chat alerts, no mail.")
    configure_logging(settings.log_format)
    migrate_database(settings.database_url)
    services = build_services(settings)
    assert services.notifications is not None  # noqa: S101 - always wired by build_services
    runner = OutboxWorker(
        services.notifications,
        poll_seconds=settings.notify_poll_seconds,
        digests=services.staff_digests,
        webhooks=services.webhooks,
    )

    async def run() -> int:
        loop = asyncio.get_running_loop()
        try:
            if services.accounts is not None:  # IP digests, sessions past their time
                await services.accounts.purge_expired()
            if once:
                total = 0
                while claimed := await runner.run_once():
                    total += claimed
                return total
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, runner.request_stop)
            typer.echo(f"Outbox worker {runner.name} running; Ctrl-C stops it.")
            await runner.run()
            return 0
        finally:
            for hook in services.on_shutdown:
                await hook()

    handled = run_blocking(run())
    if once:
        typer.echo(f"Handled {handled} outbox job(s).")
