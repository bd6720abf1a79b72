"""``rostra migrate``."""

from __future__ import annotations

from pathlib import Path

import typer

from rostra.bootstrap import run_blocking
from rostra.cli.common import CONFIG_OPTION, DATABASE_OPTION, fail, migrate_database, settings_from
from rostra.storage.database import Database
from rostra.storage.migrate import SchemaCheck
from rostra.storage.urls import sqlite_file


def migrate(
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
    check: bool = typer.Option(
        False,
        "--check",
        help="Change nothing: exit 0 when the database is at this version's revision, 1 when "
        "it needs `rostra migrate` (or is at a newer release's revision), 2 when it cannot be "
        "read.",
    ),
) -> None:
    """Apply database migrations (Alembic) up to this version's schema.

    `rostra serve` does this on start, so you need it only to migrate ahead of a deploy.
    A deploy pipeline can gate on `rostra migrate --check`, e.g.
    `rostra migrate --check || rostra migrate`.
    """
    settings = settings_from(config, database_url=database)
    if check:
        _check(settings.database_url)
        return
    if migrate_database(settings.database_url) is None:
        typer.echo(f"Database is up to date: {settings.database_url}")


def _check(url: str) -> None:
    file = sqlite_file(url)
    if file is not None and not file.exists():  # opening it would create it
        raise fail(f"There is no database file {file} yet: run `rostra migrate`.")

    async def state() -> tuple[str, str | None, str]:
        database = Database(url)
        try:
            schema = SchemaCheck(database.engine)
            found, current = await schema.state()
            return found, current, schema.head
        finally:
            await database.close()

    try:
        found, current, head = run_blocking(state())
    except Exception as exc:
        raise fail(f"Could not read the schema revision of {url}: {exc}", 2) from exc
    if found == "at_head":
        typer.echo(f"Database is at {head}, this version's revision: nothing to migrate.")
        return
    if found == "newer":
        raise fail(f"Database is at {current}, which this version does not know (a newer one?).")
    where = current or "no revision"
    raise fail(f"Database is at {where}; this version needs {head}: run `rostra migrate`.")
