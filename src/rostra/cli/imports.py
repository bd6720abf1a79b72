"""``rostra import``: bring comments over from Disqus, WordPress (wpDiscuz), Isso, or Rostra."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Protocol, TextIO

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
from rostra.domain.errors import DomainError
from rostra.importers import disqus, isso, rostra, wordpress
from rostra.services.imports import (
    ImportReport,
    ImportSource,
    SkippedRecord,
    SourceSite,
    SourceThread,
    ThreadOutcome,
)
from rostra.services.registry import Services

app = typer.Typer(
    help="Import comments from another system. Importing the same file again adds nothing "
    "new; `--dry-run` shows what would happen.\n\n"
    "A record that cannot be read (an impossible date, say) is skipped and listed with its line "
    "and reason, and XML that is not well-formed is repaired where it can be, each repair "
    "listed; everything else is imported. `--report FILE` keeps the full list; `--strict` "
    "refuses the whole file instead.\n\n"
    "Example: `rostra import disqus disqus-export.xml --site dailynews`",
    no_args_is_help=True,
)

FILE_ARGUMENT = typer.Argument(..., help="The export file.", show_default=False)
SITE_OPTION = typer.Option(..., "--site", help="The Rostra site to import into.")
DRY_RUN_OPTION = typer.Option(
    False, "--dry-run", help="Read everything and report what would be imported; write nothing."
)
STRICT_OPTION = typer.Option(
    False,
    "--strict",
    help="Refuse the whole file at the first record that cannot be read, or XML that is not "
    "well-formed, instead of skipping or repairing it.",
)
REPORT_OPTION = typer.Option(
    None,
    "--report",
    help="Also write the summary, every skipped record (with its line and reason), every "
    "repair and the warnings to this file.",
    dir_okay=False,
    show_default=False,
)
SHOWN = 200  # skipped records, repairs and warnings shown on the terminal; --report has all


class Reader(Protocol):
    comment_count: int
    left_out: int
    lost: int
    repair_count: int
    repairs: list[str]
    warnings: list[str]

    @property
    def record_count(self) -> int: ...

    def threads(self) -> Iterable[SourceThread | SourceSite]: ...

    def skipped(self) -> Iterable[SkippedRecord]: ...

    def close(self) -> None: ...


OpenReader = Callable[[Path, Callable[[int], None], bool], Reader]


def _progress(console: Console, *columns: Any) -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), *columns, TimeElapsedColumn(),
        console=console,
    )  # fmt: skip


def _import(
    source: ImportSource,
    file: Path,
    site: str,
    options: tuple[bool, bool, Path | None],
    database: str | None,
    config: Path | None,
    open_reader: OpenReader,
) -> None:
    dry_run, strict, report_path = options
    settings = settings_from(config, database_url=database)
    console = Console(stderr=True)
    if not file.exists():
        raise fail(f"{file} does not exist.")
    size = file.stat().st_size
    with ExitStack() as stack:
        skipped_out = _report_file(stack, report_path)
        if skipped_out is not None:
            mode = " (dry run)" if dry_run else ""
            skipped_out.write(f"rostra import {source.value} {file} --site {site}{mode}\n")
        with reported_errors(), _progress(console, DownloadColumn()) as bar:
            task = bar.add_task(f"Reading {file.name}", total=size)
            try:
                reader = open_reader(file, lambda n: bar.advance(task, n), strict)
            except DomainError as exc:
                if skipped_out is not None:
                    skipped_out.write(f"error: {exc.message}\n")
                raise
            bar.update(task, completed=size)
        stack.callback(reader.close)

        def write_skipped(record: SkippedRecord) -> None:
            if skipped_out is not None:
                skipped_out.write(f"skipped: {record}\n")

        report = with_services(
            settings,
            lambda services: _run(services, source, site, dry_run, reader, console, write_skipped),
        )
        summary = _summary(report, file)
        if skipped_out is not None:
            _write_rest(skipped_out, report, summary)
    if report.failed_threads:
        raise typer.Exit(1)


def _report_file(stack: ExitStack, path: Path | None) -> TextIO | None:
    if path is None:
        return None
    try:
        return stack.enter_context(path.open("w", encoding="utf-8"))
    except OSError as exc:
        raise fail(f"Cannot write the report to {path}: {exc.strerror}.") from exc


async def _run(
    services: Services,
    source: ImportSource,
    site: str,
    dry_run: bool,
    reader: Reader,
    console: Console,
    on_skip: Callable[[SkippedRecord], None],
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
            site,
            source,
            reader.threads(),
            dry_run=dry_run,
            on_thread=advance,
            reader=reader,
            on_skip=on_skip,
        )


def _summary(report: ImportReport, file: Path) -> list[str]:
    """Print the summary; returns its lines (for the report file)."""
    verb = "would be imported" if report.dry_run else "imported"
    head = (
        f"{file.name} -> site {report.site!r} ({report.source.value}"
        f"{', dry run: nothing was written' if report.dry_run else ''})"
    )
    lines = [
        ("comment records in the file, which are:", report.records),
        (f"comments {verb}", report.added),
        ("comments already imported before", report.existing),
        ("records skipped (they cannot be read or shown; listed below)", report.rejected),
        ("duplicate ids skipped (the first was kept)", report.duplicates),
        ("pingbacks and trackbacks left out", report.left_out),
        ("records lost to XML the parser could not repair", report.lost),
        ("comments of threads that failed", report.in_failed_threads),
        ("", -1),
        ("threads", report.threads),
        ("replies whose parent is missing (now top-level)", report.orphans),
        ("bodies over 10,000 characters (shortened, with a marker)", report.truncated),
        (f"votes {verb} as totals on comments (up + down)", report.vote_totals),
        (f"individual votes {verb}", report.votes),
        (f"subscriptions {verb}", report.subscriptions),
        (f"moderator notes and legal notices {verb}", report.staff_records),
        ("threads that failed (nothing of them imported)", report.failed_threads),
        ("repairs to read the file (listed below)", report.repair_count),
    ]
    text = [head] + [f"  {value:>10,}  {label}" if label else "" for label, value in lines]
    for line in text:
        typer.echo(line)
    skipped = report.rejected + report.duplicates
    every = " (--report FILE lists every one)"
    _listed("record(s) skipped", skipped, [str(r) for r in report.skipped], every)
    _listed("repair(s) to read the file", report.repair_count, report.repairs)
    _listed("warning(s)", report.warning_count, report.warnings)
    for error in report.errors:
        typer.secho(f"Error: {error}", fg=typer.colors.RED, err=True)
    return text


def _listed(title: str, count: int, items: list[str], where_all: str = "") -> None:
    if not count:
        return
    typer.echo(f"{count:,} {title}:", err=True)
    for item in items[:SHOWN]:
        typer.echo(f"  - {item}", err=True)
    if count > min(len(items), SHOWN):
        more = count - min(len(items), SHOWN)
        typer.echo(f"  … and {more:,} more{where_all}", err=True)


def _write_rest(out: TextIO, report: ImportReport, summary: list[str]) -> None:
    """After the skipped records (written as they were found): repairs, warnings, errors, and
    the summary."""
    for repair in report.repairs:
        out.write(f"repaired: {repair}\n")
    if report.repair_count > len(report.repairs):
        out.write(f"repaired: … and {report.repair_count - len(report.repairs):,} more\n")
    for warning in report.warnings:
        out.write(f"warning: {warning}\n")
    if report.warning_count > len(report.warnings):
        out.write(f"warning: … and {report.warning_count - len(report.warnings):,} more\n")
    for error in report.errors:
        out.write(f"error: {error}\n")
    out.write("\n".join(summary) + "\n")


def _isso(path: Path, on_read: Callable[[int], None], strict: bool) -> Reader:
    on_read(path.stat().st_size)
    return isso.IssoDatabase(path, strict=strict)


def _disqus(path: Path, on_read: Callable[[int], None], strict: bool) -> Reader:
    return disqus.read(path, on_read, strict=strict)


def _wordpress(path: Path, on_read: Callable[[int], None], strict: bool) -> Reader:
    return wordpress.read(path, on_read, strict=strict)


def _rostra(path: Path, on_read: Callable[[int], None], strict: bool) -> Reader:
    return rostra.RostraExport(path, on_read, strict=strict)


@app.command("disqus")
def import_disqus(
    file: Path = FILE_ARGUMENT,
    site: str = SITE_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
    strict: bool = STRICT_OPTION,
    report: Path | None = REPORT_OPTION,
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Import a Disqus XML export (Admin → Moderation → Export).

    Threads map to pages by the path of their URL (or the Disqus identifier when there is no
    URL); deleted posts become placeholders, spam becomes rejected. Disqus exports no votes.
    """
    _import(ImportSource.DISQUS, file, site, (dry_run, strict, report), database, config, _disqus)


@app.command("wordpress")
def import_wordpress(
    file: Path = FILE_ARGUMENT,
    site: str = SITE_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
    strict: bool = STRICT_OPTION,
    report: Path | None = REPORT_OPTION,
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Import a WordPress export (WXR, Tools → Export), with wpDiscuz votes when present.

    Each post's comments become the thread of the post's URL path; pingbacks and trackbacks
    are left out; held comments stay pending, spam is rejected, trash is deleted.
    """
    _import(
        ImportSource.WORDPRESS, file, site, (dry_run, strict, report), database, config, _wordpress
    )


@app.command("isso")
def import_isso(
    file: Path = FILE_ARGUMENT,
    site: str = SITE_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
    strict: bool = STRICT_OPTION,
    report: Path | None = REPORT_OPTION,
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Import an Isso SQLite database (the file named by Isso's `dbpath`), read-only.

    Threads keep their URI as the page; likes and dislikes become vote totals.
    """
    _import(ImportSource.ISSO, file, site, (dry_run, strict, report), database, config, _isso)


@app.command("rostra")
def import_rostra(
    file: Path = FILE_ARGUMENT,
    site: str = SITE_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
    strict: bool = STRICT_OPTION,
    report: Path | None = REPORT_OPTION,
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Restore a `rostra export` file: every thread, comment, vote and subscription.

    The site is created from the file when it does not exist. Comment ids are kept, so restore
    into an empty database (or the same site again, which adds nothing).
    """
    _import(ImportSource.ROSTRA, file, site, (dry_run, strict, report), database, config, _rostra)
