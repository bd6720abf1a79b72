"""Consistent copies of the database while the server runs, and putting one back.

SQLite: the SQLite online backup API copies every page in one step under a read transaction,
so the copy is the database as of one moment even while writers continue (WAL mode keeps them
going). PostgreSQL: ``pg_dump --format=custom`` (a snapshot of one transaction) and
``pg_restore``, which must be installed (Debian: ``postgresql-client``).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from rostra.storage.urls import backend_of, sqlite_file

PG_TIMEOUT_SECONDS = 3600


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Copied:
    """What a backup or restore wrote."""

    database: Path
    media_files: int


def _sqlite_path(url: str) -> Path | None:
    if backend_of(url) != "sqlite":
        return None
    path = sqlite_file(url)
    if path is None:
        raise BackupError("An in-memory SQLite database has nothing to back up.")
    return path


def _libpq_url(url: str) -> str:
    if backend_of(url) != "postgresql":
        raise BackupError(f"Unsupported database {url!r}: use sqlite:///path or postgresql://…")
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed; install the PostgreSQL client tools.")
    return found


def _run(command: list[str]) -> None:
    done = subprocess.run(  # noqa: S603 - fixed tool, arguments are not shell-parsed
        command, capture_output=True, text=True, timeout=PG_TIMEOUT_SECONDS, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()}")


def backup_database(url: str, destination: Path) -> None:
    """Write a consistent copy of the database at ``url`` to ``destination`` (replaced)."""
    source = _sqlite_path(url)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    if source is not None:
        if not source.exists():
            raise BackupError(f"There is no database at {source}.")
        with (
            sqlite3.connect(source) as src,
            sqlite3.connect(partial) as dst,
        ):
            src.backup(dst)  # one step: a snapshot of one moment
        src.close()
        dst.close()
    else:
        _run([_tool("pg_dump"), "--format=custom", "--file", str(partial), _libpq_url(url)])
    partial.replace(destination)  # a finished backup or none, never half a file


def restore_database(source: Path, url: str) -> None:
    """Replace the database at ``url`` with the backup ``source``. Stop the server first."""
    if not source.is_file():
        raise BackupError(f"There is no backup at {source}.")
    target = _sqlite_path(url)
    if target is not None:
        with sqlite3.connect(source) as src:
            try:
                intact = src.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            except sqlite3.DatabaseError:
                intact = False
            if not intact:
                raise BackupError(f"{source} is not an intact SQLite database.")
            target.parent.mkdir(parents=True, exist_ok=True)
            with sqlite3.connect(target) as dst:
                src.backup(dst)  # page by page into the live file, under its write lock
            dst.close()
        src.close()
        return
    _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
            _libpq_url(url),
            str(source),
        ]
    )


def has_data(url: str) -> bool:
    """The database at ``url`` exists and has been migrated (a restore would replace it)."""
    target = _sqlite_path(url)
    if target is not None:
        if not target.exists():
            return False
        with sqlite3.connect(target) as conn:
            found = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            ).fetchone()
        conn.close()
        return found is not None
    done = subprocess.run(  # noqa: S603
        [
            _tool("psql"),
            "--no-psqlrc",
            "--tuples-only",
            "--command",
            "SELECT to_regclass('public.alembic_version') IS NOT NULL",
            _libpq_url(url),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"Cannot reach {make_url(url).render_as_string()}: {done.stderr.strip()}")
    return done.stdout.strip() == "t"


def copy_media(source: Path, destination: Path) -> int:
    """Copy the files of ``source`` (an image folder) into ``destination``; returns how many.

    Image files are written once under unique names, so files already present are skipped."""
    if not source.is_dir():
        return 0
    copied = 0
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        target = destination / path.relative_to(source)
        if target.exists() and target.stat().st_size == path.stat().st_size:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        copied += 1
    return copied
