"""``rostra thread``: one article's settings from the command line (docs/editorial-controls.md).

Legal holds happen at 2 a.m.: ``rostra thread close SITE ARTICLE`` closes an article's comments
in one command, audited like the dashboard's button."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer

from rostra.cli.common import CONFIG_OPTION, DATABASE_OPTION, settings_from, with_services
from rostra.domain.threads import Thread
from rostra.services.editorial import EditorialService, ThreadChanges
from rostra.services.registry import Services

app = typer.Typer(
    help="One article's comments: close or reopen them, hold them for review, turn images "
    "off, slow them down, or show a message from the newsroom above them.\n\n"
    "Example: `rostra thread close dailynews https://dailynews.example/2026/story "
    '--reason "legal hold"`',
    no_args_is_help=True,
)

SITE_ARGUMENT = typer.Argument(..., help="The site's name.")
THREAD_ARGUMENT = typer.Argument(
    ...,
    help="The article: its address, its path (/2026/story) or the thread's id.",
)
REASON_OPTION = typer.Option("", "--reason", help="Why, for the audit log.")


def _default_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in a bare container
        return "cli"


BY_OPTION = typer.Option(
    None, "--by", help="Who acts, for the audit log (default: cli:<your user name>)."
)


def _editorial(services: Services) -> EditorialService:
    if services.editorial is None:  # pragma: no cover - a wiring bug
        raise RuntimeError("EditorialService is not wired")
    return services.editorial


def _describe(thread: Thread, editorial: EditorialService) -> list[str]:
    settings = thread.settings
    until = thread.read_only_from()
    if settings.closed:
        state = "closed by staff"
    elif editorial.is_closed(thread):
        state = "closed (the site's read-only age)"
    else:
        state = "open" + (f" until {until:%Y-%m-%d %H:%M} UTC" if until else "")
    lines = [
        f"Thread {thread.id} on {thread.site}: {thread.page}",
        f"  comments: {state}; {thread.comment_count} published, {thread.featured_count} featured",
        f"  pre-moderated: {'yes' if settings.premoderated else 'no'}",
        f"  images: {'on' if settings.images else 'off'}",
        "  slow mode: "
        + (f"one comment per {settings.slow_minutes} min" if settings.slow_minutes else "off"),
    ]
    if settings.message:
        lines.append(f"  message: {settings.message}")
    return lines


def _change(
    site: str,
    thread: str,
    changes: ThreadChanges,
    reason: str,
    by: str | None,
    database: str | None,
    config: Path | None,
) -> list[str]:
    settings = settings_from(config, database_url=database)

    async def run(services: Services) -> list[str]:
        editorial = _editorial(services)
        found = await editorial.find_thread(site, thread, create=True)
        changed = await editorial.update_thread(
            by or _default_actor(), found.id, changes, reason or None
        )
        return _describe(changed, editorial)

    return with_services(settings, run)


@app.command("show")
def show(
    site: str = SITE_ARGUMENT,
    thread: str = THREAD_ARGUMENT,
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Show an article's settings.

    Example: `rostra thread show dailynews /2026/story`
    """
    settings = settings_from(config, database_url=database)

    async def run(services: Services) -> list[str]:
        editorial = _editorial(services)
        return _describe(await editorial.find_thread(site, thread), editorial)

    for line in with_services(settings, run):
        typer.echo(line)


@app.command("close")
def close(
    site: str = SITE_ARGUMENT,
    thread: str = THREAD_ARGUMENT,
    reason: str = REASON_OPTION,
    by: str | None = BY_OPTION,
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Close an article's comments: what is there stays readable, nothing new is taken
    (an article without comments yet is closed before its first).

    Example: `rostra thread close dailynews /2026/story --reason "legal hold"`
    """
    lines = _change(site, thread, ThreadChanges(closed=True), reason, by, database, config)
    typer.echo(f"Closed comments on {lines[0].split(': ', 1)[1]}.")


@app.command("open")
def reopen(
    site: str = SITE_ARGUMENT,
    thread: str = THREAD_ARGUMENT,
    reason: str = REASON_OPTION,
    by: str | None = BY_OPTION,
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Take comments on an article again (the site's read-only age still applies).

    Example: `rostra thread open dailynews /2026/story`
    """
    lines = _change(site, thread, ThreadChanges(closed=False), reason, by, database, config)
    typer.echo(f"Opened comments on {lines[0].split(': ', 1)[1]}.")


@app.command("set")
def set_settings(
    site: str = SITE_ARGUMENT,
    thread: str = THREAD_ARGUMENT,
    premoderate: bool | None = typer.Option(
        None, "--premoderate/--no-premoderate", help="Hold every new comment for review."
    ),
    images: bool | None = typer.Option(
        None, "--images/--no-images", help="Let readers attach images."
    ),
    slow_minutes: int | None = typer.Option(
        None, "--slow-minutes", help="One comment per reader per N minutes; 0 turns it off."
    ),
    message: str | None = typer.Option(
        None,
        "--message",
        help='The newsroom\'s message above the thread (Markdown); "" removes it.',
    ),
    reason: str = REASON_OPTION,
    by: str | None = BY_OPTION,
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Change an article's settings; what is not given stays as it is.

    Example: `rostra thread set dailynews /2026/story --premoderate --slow-minutes 10
    --message "Please keep it civil: this story concerns a death."`
    """
    changes = ThreadChanges(
        premoderated=premoderate, images=images, slow_minutes=slow_minutes, message=message
    )
    for line in _change(site, thread, changes, reason, by, database, config):
        typer.echo(line)
