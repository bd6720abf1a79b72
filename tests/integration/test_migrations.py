"""The Alembic chain on SQLite and PostgreSQL, from an empty database: up, again, down, up,
and the result equals ``rostra.storage.tables``."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import create_async_engine

from rostra.storage.database import async_url
from rostra.storage.migrate import (
    alembic_config,
    comparison_options,
    current_revision,
    head_revision,
    upgrade,
)
from rostra.storage.tables import metadata
from tests.conftest import POSTGRESQL_URL, postgresql_admin, postgresql_url_of, service_missing

T = TypeVar("T")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"rostra_migr_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(postgresql_admin(f'CREATE DATABASE "{name}"'))
    except OSError:  # refused or unreachable: the server is not running here
        service_missing("PostgreSQL", POSTGRESQL_URL)
    try:
        yield postgresql_url_of(name)
    finally:
        asyncio.run(postgresql_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def on_connection(url: str, work: Callable[[sa.Connection], T]) -> T:
    """Run ``work`` on a sync connection to ``url`` (through the async engine Rostra uses)."""

    async def run() -> T:
        engine = create_async_engine(async_url(url))
        try:
            async with engine.begin() as conn:
                return await conn.run_sync(work)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def revision(url: str) -> str | None:
    return asyncio.run(current_revision(url))


def table_names(url: str) -> set[str]:
    return on_connection(url, lambda conn: set(sa.inspect(conn).get_table_names()))


def schema(url: str) -> dict[str, Any]:
    """Every table's columns, keys and indexes, as reflected."""

    def reflect(conn: sa.Connection) -> dict[str, Any]:
        inspector = sa.inspect(conn)
        return {
            table: {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"], c.get("default"))
                    for c in inspector.get_columns(table)
                ],
                "pk": inspector.get_pk_constraint(table)["constrained_columns"],
                "fks": sorted(
                    (fk["name"] or "", tuple(fk["constrained_columns"]), fk["referred_table"])
                    for fk in inspector.get_foreign_keys(table)
                ),
                "indexes": sorted(
                    (ix["name"] or "", tuple(ix["column_names"]), bool(ix["unique"]))
                    for ix in inspector.get_indexes(table)
                ),
            }
            for table in sorted(inspector.get_table_names())
        }

    return on_connection(url, reflect)


def index_conditions(url: str) -> dict[str, str | None]:
    """Each index's condition (partial indexes), as reflected; Alembic's comparison skips it."""

    def reflect(conn: sa.Connection) -> dict[str, str | None]:
        inspector = sa.inspect(conn)
        key = f"{conn.dialect.name}_where"
        return {
            ix["name"] or "": _condition(ix.get("dialect_options", {}).get(key))
            for table in inspector.get_table_names()
            for ix in inspector.get_indexes(table)
        }

    return on_connection(url, reflect)


def _condition(clause: Any) -> str | None:
    """``(x IS NOT NULL)`` and ``x IS NOT NULL`` alike: PostgreSQL adds the parentheses."""
    return None if clause is None else str(clause).strip("()").lower()


def schema_diff(url: str) -> list[Any]:
    """What Alembic's autogenerate would still change, compared as ``migrations/env.py`` does."""

    def compare(conn: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(conn, opts=comparison_options(conn.dialect.name))
        return list(compare_metadata(context, metadata))

    return on_connection(url, compare)


def downgrade(url: str, target: str) -> None:
    command.downgrade(alembic_config(url), target)


def revisions_oldest_first() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def test_upgrade_from_empty_creates_every_table_at_head(empty_database_url: str) -> None:
    assert revision(empty_database_url) is None
    upgrade(empty_database_url)
    assert revision(empty_database_url) == head_revision()
    assert table_names(empty_database_url) == set(metadata.tables) | {"alembic_version"}


def test_migrated_schema_matches_the_tables_module(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    assert schema_diff(empty_database_url) == []


def test_migrated_partial_indexes_match_the_tables_module(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    dialect = "sqlite" if empty_database_url.startswith("sqlite") else "postgresql"
    declared = {
        ix.name: _condition(ix.dialect_options[dialect]["where"])
        for table in metadata.tables.values()
        for ix in table.indexes
    }
    assert "ix_comments_parent_id" in declared
    assert declared["ix_comments_parent_id"] == "parent_id is not null"
    found = index_conditions(empty_database_url)
    assert {name: found.get(name, "missing") for name in declared} == declared


def test_upgrading_twice_changes_nothing_and_keeps_data(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    before = schema(empty_database_url)
    on_connection(
        empty_database_url,
        lambda conn: conn.execute(
            sa.text(
                "INSERT INTO sites (name, title, origins, created_us) "
                "VALUES ('news', 'News', '[\"https://news.example\"]', 1)"
            )
        ),
    )
    upgrade(empty_database_url)
    assert revision(empty_database_url) == head_revision()
    assert schema(empty_database_url) == before
    names = on_connection(
        empty_database_url, lambda conn: conn.execute(sa.text("SELECT name FROM sites")).all()
    )
    assert [row.name for row in names] == ["news"]


def test_downgrade_to_base_then_upgrade_again_rebuilds_the_schema(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    migrated = schema(empty_database_url)
    downgrade(empty_database_url, "base")
    assert revision(empty_database_url) is None
    assert table_names(empty_database_url) <= {"alembic_version"}
    upgrade(empty_database_url)
    assert revision(empty_database_url) == head_revision()
    assert schema(empty_database_url) == migrated
    assert schema_diff(empty_database_url) == []


def test_each_revision_applies_and_reverts_from_the_one_before(empty_database_url: str) -> None:
    chain = revisions_oldest_first()
    assert chain[-1] == head_revision()
    for rev in chain:
        upgrade(empty_database_url, rev)
        assert revision(empty_database_url) == rev
    for previous in [*reversed(chain[:-1]), None]:
        downgrade(empty_database_url, previous or "base")
        assert revision(empty_database_url) == previous
    assert table_names(empty_database_url) <= {"alembic_version"}
