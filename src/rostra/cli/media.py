"""``rostra media``: moving the uploaded images to another store."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rostra.bootstrap import build_database, build_image_store, run_blocking
from rostra.cli.common import CONFIG_OPTION, DATABASE_OPTION, fail, migrate_database, settings_from
from rostra.config import MEDIA_URL_FORMS, MediaLocation, Settings, SettingsError, media_location
from rostra.config import parse_media_url as parse_location
from rostra.services.images import MediaCopy, copy_media

app = typer.Typer(
    help="Uploaded images: where they are stored, and moving them to another store.",
    no_args_is_help=True,
)


@app.command("migrate")
def migrate(
    to: str = typer.Option(
        ...,
        "--to",
        help=f"Where the images go: {MEDIA_URL_FORMS}.",
        show_default=False,
    ),
    database: str | None = DATABASE_OPTION,
    config: Path | None = CONFIG_OPTION,
) -> None:
    """Copy every uploaded image from the configured store (ROSTRA_MEDIA_URL, or the media
    folder) to another one, e.g. from one host's folder to the database or an S3 bucket.

    Files the target already has are skipped, so an interrupted copy run again carries on
    where it stopped, and running it twice copies nothing the second time. The source is
    left as it is. Afterwards set ROSTRA_MEDIA_URL to the new store on every host and restart
    them; run the command once more after the restart for images uploaded in between.

    S3 credentials come from the standard AWS variables (AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY, AWS_REGION; AWS_ENDPOINT_URL for MinIO, R2 and other S3-compatible
    services).

    Example: `rostra media migrate --to s3://news-media/rostra`
    """
    settings = settings_from(config, database_url=database)
    try:
        target = parse_location(to, "--to")
        source = media_location(settings)
    except SettingsError as exc:
        raise fail(str(exc), 2) from exc
    if _same(source, target, settings):
        raise fail(f"The images are already in {target}: choose another --to.", 2)
    migrate_database(settings.database_url)  # the database store needs its table
    console = Console(stderr=True)
    try:
        report = run_blocking(_copy(settings, source, target, console))
    except (OSError, SettingsError) as exc:
        raise fail(f"{exc}\nFiles copied so far stay; run the command again to carry on.") from exc
    typer.echo(
        f"Copied {report.copied} image files to {target} ({report.present} were already there). "
        f"Now set ROSTRA_MEDIA_URL={_as_url(target)} on every host and restart."
    )


def _same(source: MediaLocation, target: MediaLocation, settings: Settings) -> bool:
    if source.kind != target.kind:
        return False
    if source.kind == "file":
        from rostra.bootstrap import media_folder

        folder = media_folder(settings)
        return folder is not None and Path(target.path or "").resolve() == folder.resolve()
    return source == target


def _as_url(location: MediaLocation) -> str:
    return str(location) if location.kind != "file" else f"file://{location.path}"


async def _copy(
    settings: Settings, source: MediaLocation, target: MediaLocation, console: Console
) -> MediaCopy:
    database = build_database(settings)
    try:
        origin = build_image_store(settings, database, source)
        destination = build_image_store(settings, database, target)
        columns = (BarColumn(), MofNCompleteColumn(), TextColumn("files"), TimeElapsedColumn())
        with Progress(TextColumn("{task.description}"), *columns, console=console) as bar:
            task = bar.add_task(f"Copying to {target}", total=None)
            return await copy_media(
                origin,
                destination,
                on_start=lambda total: bar.update(task, total=total),
                on_file=lambda _: bar.advance(task),
            )
    finally:
        await database.close()
