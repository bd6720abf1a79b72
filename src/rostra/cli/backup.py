"""``rostra backup`` and ``rostra restore``; docs/operations.md has the procedure."""

from __future__ import annotations

from pathlib import Path

import typer

from rostra.bootstrap import media_folder
from rostra.cli.common import CONFIG_OPTION, DATABASE_OPTION, fail, migrate_database, settings_from
from rostra.storage.backup import (
    BackupError,
    backup_database,
    copy_media,
    has_data,
    restore_database,
)

MEDIA_OPTION = typer.Option(
    True, "--media/--no-media", help="Also copy the uploaded images (FILE.media/)."
)


# ROSTRA_MEDIA_URL=database: the images are in the backup already; s3://: the bucket keeps them.
_NOT_A_FOLDER = (
    "Images are not in a folder (ROSTRA_MEDIA_URL): in the database they are part of this "
    "backup; a bucket is backed up by its own versioning or replication."
)


def media_copy_of(file: Path) -> Path:
    """Where the images of the backup ``file`` go: the folder ``FILE.media`` next to it."""
    return file.with_name(file.name + ".media")


def backup(
    file: Path = typer.Argument(
        ..., help="Write the backup here (replaced if it exists).", dir_okay=False
    ),
    media: bool = MEDIA_OPTION,
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Write a consistent copy of the database, and the uploaded images, while the server runs.

    SQLite is copied with its online backup API (a snapshot of one moment; writers keep
    going); PostgreSQL with `pg_dump --format=custom`, which must be installed. Images go to
    the folder FILE.media next to FILE.

    Example: `rostra backup /var/backups/rostra/2026-11-25.db`
    """
    settings = settings_from(config, database_url=database)
    try:
        backup_database(settings.database_url, file)
        # After the database: every image it names was uploaded before the snapshot.
        folder = media_folder(settings) if media else None
        copied = copy_media(folder, media_copy_of(file)) if folder else 0
    except (BackupError, OSError) as exc:
        raise fail(str(exc)) from exc
    typer.echo(
        f"Backed up {settings.database_url} to {file}"
        + (f" and {copied} new image files to {media_copy_of(file)}" if folder else "")
    )
    if media and folder is None:
        typer.echo(_NOT_A_FOLDER)


def restore(
    file: Path = typer.Argument(
        ..., help="A file `rostra backup` wrote.", exists=True, dir_okay=False
    ),
    force: bool = typer.Option(False, "--force", help="Replace a database that already has data."),
    media: bool = MEDIA_OPTION,
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Put a backup back: the database, then the images. Stop the server first.

    The target is the configured database (for PostgreSQL, create it empty first with
    `createdb`); one that already holds data is replaced only with --force. The schema is
    migrated afterwards, so a backup of an older version can be restored into a newer one.

    Example: `rostra restore /var/backups/rostra/2026-11-25.db --database sqlite:///rostra.db`
    """
    settings = settings_from(config, database_url=database)
    try:
        if has_data(settings.database_url) and not force:
            raise fail(f"{settings.database_url} already has data; pass --force to replace it.")
        restore_database(file, settings.database_url)
        folder = media_folder(settings) if media else None
        copied = copy_media(media_copy_of(file), folder) if folder else 0
    except (BackupError, OSError) as exc:
        raise fail(str(exc)) from exc
    migrate_database(settings.database_url)
    typer.echo(
        f"Restored {file} into {settings.database_url}"
        + (f" and {copied} image files" if folder else "")
    )
    if media and folder is None:
        typer.echo(_NOT_A_FOLDER)
