"""``rostra migrate --check``: a deploy pipeline's gate; it changes nothing."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rostra.cli.app import app
from rostra.storage.migrate import head_revision


def check(url: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["migrate", "--check", "--database", url])
    return result.exit_code, result.stdout + result.stderr


@pytest.fixture
def database(tmp_path: Path, sqlite_template: Path) -> Path:
    path = tmp_path / "rostra.db"
    shutil.copyfile(sqlite_template, path)
    return path


def revision_of(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])


def set_revision(path: Path, revision: str) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))


def test_a_database_at_head_passes(database: Path) -> None:
    code, output = check(f"sqlite:///{database}")
    assert code == 0, output
    assert f"at {head_revision()}" in output


def test_a_database_behind_fails_and_is_not_migrated(database: Path) -> None:
    set_revision(database, "0014")
    code, output = check(f"sqlite:///{database}")
    assert code == 1
    assert f"at 0014; this version needs {head_revision()}: run `rostra migrate`" in output
    assert revision_of(database) == "0014"


def test_a_database_of_a_newer_release_fails_naming_its_revision(database: Path) -> None:
    set_revision(database, "0099_later")
    code, output = check(f"sqlite:///{database}")
    assert code == 1
    assert "0099_later, which this version does not know" in output


def test_migrating_a_newer_releases_database_changes_nothing_and_says_so(
    database: Path,
) -> None:
    """An older release restarted during a rolling deploy (after the newer one migrated) starts
    on the newer schema instead of failing on a revision it does not know."""
    set_revision(database, "0099_later")
    result = CliRunner().invoke(app, ["migrate", "--database", f"sqlite:///{database}"])
    assert result.exit_code == 0, result.output
    assert f"at revision 0099_later, newer than this version's {head_revision()}" in result.stderr
    assert "up to date" not in result.stdout
    assert revision_of(database) == "0099_later"


def test_a_missing_database_file_fails_and_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.db"
    code, output = check(f"sqlite:///{missing}")
    assert code == 1
    assert "no database file" in output
    assert not missing.exists()


def test_an_empty_database_fails_saying_it_has_no_revision(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    code, output = check(f"sqlite:///{empty}")
    assert code == 1
    assert "at no revision" in output


def test_an_unreachable_database_exits_2(tmp_path: Path) -> None:
    code, output = check("postgresql://nobody@127.0.0.1:9/none")
    assert code == 2
    assert "Could not read the schema revision" in output
