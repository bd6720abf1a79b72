"""Expand, then contract: every migration from ``EXPAND_ONLY_SINCE`` on leaves a schema the
previous release still reads and writes (docs/deployment.md, "Migrations an older release runs
beside").

Each such revision is applied to a real database (SQLite and PostgreSQL) one step at a time and
the schema before and after is compared: it may add tables, add columns that are nullable or
have a server default, and add or replace non-unique indexes. Dropping or renaming a table or
column, changing a column's type, making it NOT NULL, or adding a unique or foreign-key rule to
an existing table is a *contract* step: it belongs in a revision of its own that sets
``contract = "<the release whose code no longer needs the old shape>"``, shipped at least one
release after the expand step it finishes. ``tests/e2e/test_previous_release.py`` runs the
previous release's code on the new schema as well, where the repository's history is at hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from rostra.storage.migrate import alembic_config, upgrade
from tests.integration.test_migrations import empty_database_url, on_connection

__all__ = ["empty_database_url"]  # fixture by name

# Revisions before this one were written before the rule, and 0016 breaks it (it moved import
# keys from sites to threads in place); the rule holds from here on.
EXPAND_ONLY_SINCE = "0017"


@dataclass(frozen=True, slots=True)
class Column:
    type: str
    nullable: bool
    has_default: bool


@dataclass(frozen=True, slots=True)
class Table:
    columns: dict[str, Column]
    unique: frozenset[tuple[str, ...]]  # unique constraints and unique indexes
    foreign_keys: frozenset[tuple[tuple[str, ...], str]]


Schema = dict[str, Table]


def snapshot(conn: sa.Connection) -> Schema:
    inspector = sa.inspect(conn)
    schema: Schema = {}
    for name in inspector.get_table_names():
        if name == "alembic_version":
            continue
        columns = {
            column["name"]: Column(
                type=str(column["type"]),
                nullable=bool(column["nullable"]),
                has_default=column.get("default") is not None,
            )
            for column in inspector.get_columns(name)
        }
        unique = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(name)}
        unique |= {tuple(i["column_names"]) for i in inspector.get_indexes(name) if i["unique"]}
        foreign = {
            (tuple(fk["constrained_columns"]), str(fk["referred_table"]))
            for fk in inspector.get_foreign_keys(name)
        }
        schema[name] = Table(columns, frozenset(unique), frozenset(foreign))  # type: ignore[arg-type]
    return schema


def contract_steps(before: Schema, after: Schema) -> list[str]:
    """What in the change from ``before`` to ``after`` an older release could trip on."""
    found: list[str] = []
    for name, old in sorted(before.items()):
        new = after.get(name)
        if new is None:
            found.append(f"table {name} dropped or renamed")
            continue
        for column, was in sorted(old.columns.items()):
            now = new.columns.get(column)
            if now is None:
                found.append(f"column {name}.{column} dropped or renamed")
            elif now.type != was.type:
                found.append(f"column {name}.{column} changed type: {was.type} -> {now.type}")
            elif was.nullable and not now.nullable:
                found.append(f"column {name}.{column} made NOT NULL")
        for column, now in sorted(new.columns.items()):
            if column not in old.columns and not (now.nullable or now.has_default):
                found.append(f"column {name}.{column} added NOT NULL without a server default")
        for columns in sorted(new.unique - old.unique):
            found.append(f"unique rule on {name}({', '.join(columns)}) added")
        for columns, target in sorted(new.foreign_keys - old.foreign_keys):
            found.append(f"foreign key {name}({', '.join(columns)}) -> {target} added")
    return found


@dataclass(frozen=True, slots=True)
class Step:
    revision: str
    down_revision: str
    contract: str | None


def steps_since(first: str) -> Iterator[Step]:
    """The revisions from ``first`` to head, oldest first."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    chain = list(reversed(list(script.walk_revisions())))
    names = [str(r.revision) for r in chain]
    for found in chain[names.index(first) :]:
        contract = getattr(found.module, "contract", None)
        yield Step(str(found.revision), str(found.down_revision), contract)


def test_every_migration_since_the_rule_only_expands_unless_it_says_it_contracts(
    empty_database_url: str,
) -> None:
    steps = list(steps_since(EXPAND_ONLY_SINCE))
    assert steps, f"revision {EXPAND_ONLY_SINCE} is missing"
    upgrade(empty_database_url, steps[0].down_revision)
    before = on_connection(empty_database_url, snapshot)
    for step in steps:
        upgrade(empty_database_url, step.revision)
        after = on_connection(empty_database_url, snapshot)
        found = contract_steps(before, after)
        if step.contract is None:
            assert found == [], (
                f"revision {step.revision} would break the release before it: {found}. "
                "Expand now and contract a release later, in a revision that sets "
                "contract = '<release>'."
            )
        else:
            assert step.contract.strip(), f"revision {step.revision}: name the release"
        before = after


# The rule itself, on made-up schemas: it must catch each kind of contract step.

TEXT = Column("TEXT", nullable=True, has_default=False)
REQUIRED = Column("TEXT", nullable=False, has_default=False)
WITH_DEFAULT = Column("INTEGER", nullable=False, has_default=True)


def table(unique: frozenset[tuple[str, ...]] = frozenset(), **columns: Column) -> Table:
    return Table(dict(columns), unique, frozenset())


BEFORE: Schema = {"comments": table(id=REQUIRED, body=TEXT)}


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        ({"other": table(id=REQUIRED)}, "table comments dropped or renamed"),
        ({"comments": table(id=REQUIRED)}, "column comments.body dropped or renamed"),
        (
            {"comments": table(id=REQUIRED, text=TEXT)},
            "column comments.body dropped or renamed",  # a rename is a drop for old code
        ),
        (
            {"comments": table(id=REQUIRED, body=Column("INTEGER", True, False))},
            "column comments.body changed type: TEXT -> INTEGER",
        ),
        ({"comments": table(id=REQUIRED, body=REQUIRED)}, "column comments.body made NOT NULL"),
        (
            {"comments": table(id=REQUIRED, body=TEXT, lang=REQUIRED)},
            "column comments.lang added NOT NULL without a server default",
        ),
        (
            {"comments": table(frozenset({("body",)}), id=REQUIRED, body=TEXT)},
            "unique rule on comments(body) added",
        ),
    ],
)
def test_the_rule_names_each_contract_step(after: Schema, expected: str) -> None:
    assert expected in contract_steps(BEFORE, after)


def test_the_rule_lets_expansions_pass() -> None:
    after: Schema = {
        "comments": table(id=REQUIRED, body=TEXT, lang=TEXT, score=WITH_DEFAULT),
        "media_blobs": table(frozenset({("name",)}), name=REQUIRED),  # a new table's own rules
    }
    assert contract_steps(BEFORE, after) == []
