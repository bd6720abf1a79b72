"""``rostra dsa``: EU Digital Services Act records (notices and their decisions)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from rostra.cli.common import (
    CONFIG_OPTION,
    DATABASE_OPTION,
    fail,
    reported_errors,
    settings_from,
    with_services,
)
from rostra.domain.dsa import parse_day
from rostra.services.registry import Services

app = typer.Typer(help="EU Digital Services Act notices and decisions.", no_args_is_help=True)


@app.command("export")
def export(
    site: str | None = typer.Option(None, "--site", help="Only this site (default: all)."),
    since: str | None = typer.Option(None, "--from", help="First day, YYYY-MM-DD (UTC), included."),
    until: str | None = typer.Option(None, "--to", help="Last day, YYYY-MM-DD (UTC), excluded."),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="Write to this file (default: standard output).",
        dir_okay=False,
    ),
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Write the notices received in [--from, --to) with their decisions, and the statements
    of reasons sent with their appeals, as CSV for a transparency report (without the
    notifiers' and authors' names and addresses).

    Example: `rostra dsa export --site dailynews --from 2026-01-01 --to 2027-01-01 -o dsa.csv`
    """
    with reported_errors():
        start, end = parse_day(since, "from"), parse_day(until, "to")
    settings = settings_from(config, database_url=database)

    async def read(services: Services) -> str:
        assert services.dsa is not None  # noqa: S101 - wired by bootstrap
        return await services.dsa.export_csv(site=site, since=start, until=end)

    text = with_services(settings, read)
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail(f"Cannot write {output}: {exc.strerror}.") from exc
    rows = text.count("\n") - 1
    typer.echo(f"Wrote {rows:,} record{'s' if rows != 1 else ''} to {output}.", err=True)
