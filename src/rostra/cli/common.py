"""What every command shares: reading settings, running async services, reporting errors."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer

from rostra.bootstrap import build_services, run_blocking
from rostra.config import Settings, SettingsError, load_settings
from rostra.domain.errors import DomainError
from rostra.services.registry import Services
from rostra.storage.migrate import head_revision, upgrade
from rostra.web.logs import configure_logging as setup_logging

T = TypeVar("T")

DATABASE_OPTION = typer.Option(
    None,
    "--database",
    help="Database URL, e.g. sqlite:///rostra.db or postgresql://user@host/db "
    "(default: $ROSTRA_DATABASE_URL, else sqlite:///./rostra.db).",
    show_default=False,
)
CONFIG_OPTION = typer.Option(
    None,
    "--config",
    help='A TOML file of settings (database_url = "…", …); ROSTRA_* variables win over it.',
    exists=True,
    dir_okay=False,
    show_default=False,
)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``message`` to stderr and return the exit to raise."""
    typer.secho(f"Error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def settings_from(config: Path | None = None, **overrides: Any) -> Settings:
    """Settings from the environment and ``--config``, with command-line flags on top."""
    try:
        return load_settings(os.environ, config).with_overrides(**overrides)
    except SettingsError as exc:
        raise fail(str(exc), 2) from exc


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn expected failures into a clear message and a non-zero exit."""
    try:
        yield
    except DomainError as exc:
        field = f" ({exc.field})" if exc.field else ""
        raise fail(f"{exc.message}{field}") from exc
    except (SettingsError, ValueError) as exc:
        raise fail(str(exc), 2) from exc


def migrate_database(url: str) -> str | None:
    """Migrate or exit with a clear message. Returns the database's revision when a newer
    release migrated it (said on stderr; nothing is changed), else None."""
    try:
        newer = upgrade(url)
    except Exception as exc:
        raise fail(f"Could not migrate {url}: {exc}") from exc
    if newer is not None:
        typer.echo(
            f"The database is at revision {newer}, newer than this version's "
            f"{head_revision()}: a newer release migrated it. Not migrating; this version "
            "runs on it until it is replaced.",
            err=True,
        )
    return newer


def with_services(settings: Settings, action: Callable[[Services], Awaitable[T]]) -> T:
    """Migrate, wire the services, run one async ``action`` with them, and close them."""
    migrate_database(settings.database_url)
    services = build_services(settings)

    async def run() -> T:
        try:
            return await action(services)
        finally:
            for hook in services.on_shutdown:
                await hook()

    with reported_errors():
        return run_blocking(run())


def configure_logging(log_format: str) -> None:
    """Console logs for people, JSON lines for log collectors (see rostra.web.logs)."""
    setup_logging(log_format)
