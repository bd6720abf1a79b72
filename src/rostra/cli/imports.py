"""``rostra import``: bring comments over from Disqus, WordPress (wpDiscuz), Isso, or Rostra."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from rostra.cli.common import (
    CONFIG_OPTION,
    DATABASE_OPTION,
    fail,
    reported_errors,
    settings_from,
    with_services,
)
from rostra.importers import disqus, isso, rostra, wordpress
from rostra.services.imports import (
    ImportReport,
    ImportSource,
    SourceSite,
    SourceThread,
    ThreadOutcome,
)
from rostra.services.registry import Services

app = typer.Typer(
    help="Import comments from another system. Importing the same file again adds nothing "
    "new; `--dry-run` shows what would happen.\n\n"
    "Example: `rostra import disqus disqus-export.xml --site dailynews`",
    no_args_is_help=True,
)

FILE_ARGUMENT = typer.Argument(..., help="The export file.", show_default=False)
SITE_OPTION = typer.Option(..., "--site", help="The Rostra site to import into.")
DRY_RUN_OPTION = typer.Option(
    False, "--dry-run", help="Read everything and report what would be imported; write nothing."
)


class Reader(Protocol):
    comment_count: int
    warnings: list[str]

    def threads(self) -> Iterable[SourceThread | SourceSite]: ...

    def close(self) -> None: ...


def _progress(console: Console, *columns: Any) -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), *columns, TimeElapsedColumn(),
        console=console,
    )  # fmt: skip


def _import(
    source: ImportSource,
    file: Path,
    site: str,
    dry_run: bool,
    database: str | None,
    config: Path | None,
    open_reader: Callable[[Path, Callable[[int], None]], Reader],
) -> None:
    settings = settings_from(config, database_url=database)
    console = Console(stderr=True)
    if not file.exists():
        raise fail(f"{file} does not exist.")
    size = file.stat().st_size
    with reported_errors(), _progress(console, DownloadColumn()) as bar:
        task = bar.add_task(f"Reading {file.name}", total=size)
        reader = open_reader(file, lambda n: bar.advance(task, n))
        bar.update(task, completed=size)
    try:
        report = with_services(
            settings, lambda services: _run(services, source, site, dry_run, reader, console)
        )
    finally:
        reader.close()
    report.warn(reader.warnings)
    _summary(report, file)
    if report.failed_threads:
        raise typer.Exit(1)


async def _run(
    services: Services,
    source: ImportSource,
    site: str,
    dry_run: bool,
    reader: Reader,
    console: Console,
) -> ImportReport:
    assert services.imports is not None  # noqa: S101 - wired by bootstrap
    if isinstance(reader, rostra.RostraExport) and not dry_run:
        await services.imports.prepare_site(site, reader.site)
    with _progress(console, MofNCompleteColumn(), TextColumn("comments")) as bar:
        task = bar.add_task("Importing" if not dry_run else "Checking", total=reader.comment_count)

        def advance(outcome: ThreadOutcome) -> None:
            bar.advance(
                task,
                outcome.added + outcome.existing + outcome.rejected + outcome.duplicates,
            )

        return await services.imports.import_comments(
            site, source, reader.threads(), dry_run=dry_run, on_thread=advance
        )


def _summary(report: ImportReport, file: Path) -> None:
    verb = "would be imported" if report.dry_run else "imported"
    typer.echo(f"{file.name} -> site {report.site!r} ({report.source.value}"
               f"{', dry run: nothing was written' if report.dry_run else ''})")  # fmt: skip
    lines = [
        ("threads", report.threads),
        (f"comments {verb}", report.added),
        ("comments already imported before", report.existing),
        ("replies whose parent is missing (now top-level)", report.orphans),
        ("bodies over 10,000 characters (shortened, with a marker)", report.truncated),
        ("records skipped (broken)", report.rejected),
        ("duplicate ids skipped", report.duplicates),
        (f"votes {verb} as totals on comments (up + down)", report.vote_totals),
        (f"individual votes {verb}", report.votes),
        (f"subscriptions {verb}", report.subscriptions),
        ("threads that failed (nothing of them imported)", report.failed_threads),
    ]
    for label, value in lines:
        typer.echo(f"  {value:>10,}  {label}")
    if report.warning_count:
        typer.echo(f"{report.warning_count:,} warning(s):", err=True)
        for warning in report.warnings:
            typer.echo(f"  - {warning}", err=True)
        if report.warning_count > len(report.warnings):
            typer.echo(f"  … and {report.warning_count - len(report.warnings):,} more", err=True)
    for error in report.errors:
        typer.secho(f"Error: {error}", fg=typer.colors.RED, err=True)


def _isso(path: Path, on_read: Callable[[int], None]) -> Reader:
    on_read(path.stat().st_size)
    return isso.IssoDatabase(path)


@app.command("disqus")
def import_disqus(
    file: Path = FILE_ARGUMENT,
    site: str = SITE_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Import a Disqus XML export (Admin → Moderation → Export).

    Threads map to pages by the path of their URL (or the Disqus identifier when there is no
    URL); deleted posts become placeholders, spam becomes rejected. Disqus exports no votes.
    """
    _import(ImportSource.DISQUS, file, site, dry_run, database, config, disqus.read)


@app.command("wordpress")
def import_wordpress(
    file: Path = FILE_ARGUMENT,
    site: str = SITE_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Import a WordPress export (WXR, Tools → Export), with wpDiscuz votes when present.

    Each post's comments become the thread of the post's URL path; pingbacks and trackbacks
    are left out; held comments stay pending, spam is rejected, trash is deleted.
    """
    _import(ImportSource.WORDPRESS, file, site, dry_run, database, config, wordpress.read)


@app.command("isso")
def import_isso(
    file: Path = FILE_ARGUMENT,
    site: str = SITE_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Import an Isso SQLite database (the file named by Isso's `dbpath`), read-only.

    Threads keep their URI as the page; likes and dislikes become vote totals.
    """
    _import(ImportSource.ISSO, file, site, dry_run, database, config, _isso)


@app.command("rostra")
def import_rostra(
    file: Path = FILE_ARGUMENT,
    site: str = SITE_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Restore a `rostra export` file: every thread, comment, vote and subscription.

    The site is created from the file when it does not exist. Comment ids are kept, so restore
    into an empty database (or the same site again, which adds nothing).
    """
    _import(ImportSource.ROSTRA, file, site, dry_run, database, config, rostra.RostraExport)
