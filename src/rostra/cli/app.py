"""The ``rostra`` command and its groups; each command lives in its own module."""

from __future__ import annotations

import typer

from rostra import __version__
from rostra.cli import (
    backup,
    campaigns,
    demo,
    dsa,
    export,
    imports,
    media,
    migrate,
    outbox,
    serve,
    sites,
    threads,
    users,
    webhooks,
    worker,
)

app = typer.Typer(
    name="rostra",
    help=(
        "Rostra: comments, inline feedback and reader support for news sites.\n\n"
        "Start with `rostra demo` to see an article page with comments, or "
        "`rostra site add NAME --origin https://your.site` and `rostra serve` to host your own."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
)
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.command("migrate")(migrate.migrate)
app.add_typer(sites.app, name="site")
app.add_typer(users.app, name="user")
app.command("worker")(worker.worker)
app.add_typer(outbox.app, name="outbox")
app.add_typer(imports.app, name="import")
app.command("export")(export.export)
app.add_typer(campaigns.app, name="campaign")  # reader support
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)
app.add_typer(media.app, name="media")
app.add_typer(threads.app, name="thread")  # per-article settings
app.add_typer(dsa.app, name="dsa")  # EU Digital Services Act records
app.add_typer(webhooks.app, name="webhook")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rostra {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Rostra's command line."""


def main() -> None:
    """Entry point of the ``rostra`` script."""
    app()
