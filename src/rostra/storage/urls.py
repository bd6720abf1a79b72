"""Which database a URL names: decided here only (settings checks, engines, backups)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

POSTGRESQL_SCHEMES = ("postgresql", "postgres")


def backend_of(url: str) -> Literal["sqlite", "postgresql"] | None:
    """``sqlite`` or ``postgresql`` for the URLs Rostra accepts (any driver suffix, such as
    ``postgresql+asyncpg``), None for anything else, a URL that does not parse included."""
    try:
        name = make_url(url).get_backend_name()
    except ArgumentError:
        return None
    if name == "sqlite":
        return "sqlite"
    return "postgresql" if name in POSTGRESQL_SCHEMES else None


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for other databases and for in-memory SQLite."""
    if backend_of(url) != "sqlite":
        return None
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None
