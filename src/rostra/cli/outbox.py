"""``rostra outbox``: what the notification outbox holds, and what failed for good."""

from __future__ import annotations

from pathlib import Path

import typer

from rostra.cli.common import CONFIG_OPTION, DATABASE_OPTION, settings_from, with_services
from rostra.domain.subscriptions import OutboxSummary
from rostra.services.registry import Services

app = typer.Typer(help="Inspect the notification outbox.", no_args_is_help=True)


@app.command("status")
def status(
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Messages by state (pending, sent, failed, cancelled), how many are being retried, and
    the latest permanent failures with the mail server's answer."""
    settings = settings_from(config, database_url=database)

    async def read(services: Services) -> OutboxSummary:
        assert services.notifications is not None  # noqa: S101 - always wired
        return await services.notifications.outbox_summary()

    summary = with_services(settings, read)
    counts = ", ".join(f"{name} {count}" for name, count in summary.counts.items())
    typer.echo(f"Outbox: {counts}; retrying {summary.retrying}")
    if not summary.failures:
        typer.echo("No permanent failures.")
        return
    typer.echo("Latest permanent failures:")
    for job in summary.failures:
        when = job.created_at.strftime("%Y-%m-%d %H:%M")
        typer.echo(
            f"  #{job.id} {job.kind} to {job.recipient} ({when}, {job.attempts} tries): {job.error}"
        )
