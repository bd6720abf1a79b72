"""``rostra export``: a site's threads, comments, votes and subscriptions as JSON Lines."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from rostra.cli.common import CONFIG_OPTION, DATABASE_OPTION, fail, settings_from, with_services
from rostra.services.registry import Services


def export(
    site: str = typer.Option(..., "--site", help="The site to export."),
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
    """Write every thread, comment, vote and subscription of a site as JSON Lines.

    One object per line, each with a `type`; `rostra import rostra FILE --site NAME` restores it.

    Example: `rostra export --site dailynews --output dailynews.jsonl`
    """
    settings = settings_from(config, database_url=database)
    partial = output.with_name(output.name + ".partial") if output else None
    try:
        stream = partial.open("w", encoding="utf-8") if partial else sys.stdout
    except OSError as exc:
        raise fail(f"Cannot write {output}: {exc.strerror}.") from exc
    try:
        counts = with_services(settings, lambda services: _write(services, site, stream))
    except BaseException:
        if partial:
            stream.close()
            partial.unlink(missing_ok=True)
        raise
    if partial and output:
        stream.close()
        partial.replace(output)  # a finished file appears only when the export is complete
    summary = ", ".join(f"{n:,} {kind}{'s' if n != 1 else ''}" for kind, n in counts.items())
    typer.echo(f"Exported site {site!r}: {summary}", err=True)


async def _write(services: Services, site: str, stream: IO[str]) -> dict[str, int]:
    assert services.exports is not None  # noqa: S101 - wired by bootstrap
    counts = {"thread": 0, "comment": 0, "vote": 0, "subscription": 0}
    console = Console(stderr=True)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console) as bar:
        task = bar.add_task("Exporting", total=None)
        async for line in services.exports.export_site(site):
            stream.write(
                json.dumps(line, ensure_ascii=False, separators=(",", ":"), default=_plain)
            )
            stream.write("\n")
            kind = line["type"]
            if kind in counts:
                counts[kind] += 1
                if kind in ("thread", "comment"):
                    bar.update(
                        task,
                        description=f"Exporting: {counts['thread']:,} threads, "
                        f"{counts['comment']:,} comments",
                    )
    stream.flush()
    return counts


def _plain(value: Any) -> Any:
    return str(value)
