"""``rostra migrate``."""

from __future__ import annotations

from pathlib import Path

import typer

from rostra.cli.common import CONFIG_OPTION, DATABASE_OPTION, migrate_database, settings_from


def migrate(
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Apply database migrations (Alembic) up to this version's schema.

    `rostra serve` does this on start, so you need it only to migrate ahead of a deploy.
    """
    settings = settings_from(config, database_url=database)
    migrate_database(settings.database_url)
    typer.echo(f"Database is up to date: {settings.database_url}")
