"""Statements built once at import and run through the driver.

Around each statement SQLAlchemy spends tens of microseconds (cache key, execution context,
parameter and row processing) where the driver itself spends a few, and posting a comment runs
about a dozen statements (docs/performance.md). A statement marked with ``prebuilt`` is
compiled by SQLAlchemy once per set of parameter names; ``Replay`` then binds the parameters
with the same type processors and hands the compiled SQL to the driver, and SQLAlchemy's own
result object makes the rows. The inline SQLite connection (rostra.storage.inline) replays on
sqlite3, PostgreSQL's ``ReplayingConnection`` (rostra.storage.replaying) on asyncpg; unmarked
statements keep SQLAlchemy's path, and so does a statement needing more than binding
(Python-side column defaults, IN lists expanded at run time). tests/integration/test_prebuilt.py
runs every marked statement both ways on both databases and compares.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Dialect, IteratorResult
from sqlalchemy.engine.result import SimpleResultMetaData

Statement = TypeVar("Statement", bound=sa.Executable)

# asyncpg's status of a statement without rows, as SQLAlchemy's cursor reads its rowcount.
_CHANGED = re.compile(r"(?:SELECT|UPDATE|DELETE|INSERT \d+) (\d+)")

# Marked statements live as long as their modules, so their ids name them for good.
_MARKED: dict[int, sa.Executable] = {}


def prebuilt(statement: Statement) -> Statement:
    """Mark a statement built once (a module constant, parameters as ``bindparam``) as one
    the inline SQLite connection may run through the driver."""
    _MARKED[id(statement)] = statement
    return statement


def marked() -> tuple[sa.Executable, ...]:
    """Every statement marked so far (for the tests that compare both paths)."""
    return tuple(_MARKED.values())


class DriverResult:
    """What a statement without rows answers: the number of rows it changed."""

    returns_rows = False

    def __init__(self, rowcount: int) -> None:
        self.rowcount = rowcount


class Replay:
    """One compiled form of a marked statement: its SQL, where each positional parameter comes
    from and how it is bound, and the rows' keys and processors."""

    def __init__(self, compiled: Any, dialect: Dialect, names: frozenset[str]) -> None:
        self.sql: str = compiled.string
        self._dialect = dialect
        # Per "?" in order: the caller's parameter name and its bind processor, or (None, the
        # statement's own value already processed).
        self._binds: list[tuple[str | None, Any]] = []
        for name in compiled.positiontup:
            bind = compiled.binds[name]
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if name in names:
                self._binds.append((name, processor))
            else:
                value = bind.effective_value
                self._binds.append((None, processor(value) if processor else value))
        columns = getattr(compiled.statement, "exported_columns", ())  # SELECT or RETURNING
        self._row_processors: list[Any] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ]
        # PostgreSQL adds RETURNING of the key to a plain INSERT (SQLAlchemy reads it apart):
        # only a SELECT or an explicit RETURNING answers rows.
        self._answers_rows = bool(columns)
        self._rows: SimpleResultMetaData | None = None  # made from the first cursor's names

    def arguments(self, parameters: Mapping[str, Any]) -> list[Any]:
        """The positional values for sqlite3, processed as SQLAlchemy would."""
        values = []
        for name, how in self._binds:
            if name is None:
                values.append(how)
            else:
                value = parameters[name]
                values.append(how(value) if how is not None else value)
        return values

    def run(self, raw: Any, parameters: Mapping[str, Any]) -> Any:
        """Execute on the DBAPI connection ``raw``; rows come back as SQLAlchemy's rows."""
        arguments = self.arguments(parameters)
        dbapi_error = self._dialect.loaded_dbapi.Error
        try:
            cursor = raw.execute(self.sql, arguments)
            rows = cursor.fetchall() if cursor.description else None
        except dbapi_error as error:
            raise sa.exc.DBAPIError.instance(
                self.sql, arguments, error, dbapi_error, dialect=self._dialect
            ) from error
        if rows is None:
            return DriverResult(cursor.rowcount)
        return self._result([column[0] for column in cursor.description], rows)

    async def run_on_asyncpg(self, adapted: Any, parameters: Mapping[str, Any]) -> Any:
        """Execute on SQLAlchemy's adapted asyncpg connection ``adapted`` as its own cursor
        does (the transaction begun on first use, the statement prepared once per connection,
        asyncpg's errors translated), without the execution around it."""
        arguments = self.arguments(parameters)
        dbapi_error = self._dialect.loaded_dbapi.Error
        try:
            async with adapted._execute_mutex:
                if adapted._transaction is None:
                    await adapted._start_transaction()
                try:
                    prepared, attributes = await adapted._prepare(
                        self.sql,
                        self._dialect._invalidate_schema_cache_asof,  # type: ignore[attr-defined]
                    )
                    rows = await prepared.fetch(*arguments)
                except Exception as error:
                    adapted._handle_exception(error)
        except dbapi_error as error:
            raise sa.exc.DBAPIError.instance(
                self.sql, arguments, error, dbapi_error, dialect=self._dialect
            ) from error
        if not self._answers_rows:
            changed = _CHANGED.match(prepared.get_statusmsg() or "")
            return DriverResult(int(changed.group(1)) if changed else -1)
        return self._result([attribute.name for attribute in attributes], rows)

    def _result(self, keys: list[str], rows: Any) -> Any:
        if self._rows is None:
            if len(keys) != len(self._row_processors):  # the tests run every marked statement
                raise AssertionError(f"result columns {keys} differ from {self.sql}")
            processors = self._row_processors if any(self._row_processors) else None
            self._rows = SimpleResultMetaData(keys, _processors=processors)
        return IteratorResult(self._rows, iter(rows))

    @staticmethod
    def possible(compiled: Any, names: frozenset[str]) -> bool:
        """Whether binding the caller's parameters is all a run of ``compiled`` needs (else
        SQLAlchemy runs it: Python-side defaults, expanded IN lists, a missing parameter, a
        value computed at each run)."""
        return bool(
            compiled.positional
            and not compiled.insert_prefetch
            and not compiled.update_prefetch
            and not compiled.escaped_bind_names
            and "POSTCOMPILE" not in compiled.string
            and all(
                name in names
                or not (compiled.binds[name].required or compiled.binds[name].callable)
                for name in compiled.positiontup
            )
        )


class Replays:
    """The replays of one dialect, made on first use of each (statement, parameter names)."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._made: dict[tuple[int, frozenset[str]], Replay | None] = {}

    def find(self, statement: Any, parameters: Mapping[str, Any] | None) -> Replay | None:
        """The replay of ``statement`` with these parameter names; None: not marked, or
        SQLAlchemy has to run it."""
        if id(statement) not in _MARKED:  # marked ones are never freed: no other has their id
            return None
        if parameters is not None and not isinstance(parameters, dict):
            return None  # a list of parameter sets (executemany): SQLAlchemy's to run
        names = frozenset(parameters or ())
        key = (id(statement), names)
        try:
            return self._made[key]
        except KeyError:
            pass
        compiled = statement.compile(dialect=self._dialect, column_keys=sorted(names))
        possible = Replay.possible(compiled, names)
        replay = Replay(compiled, self._dialect, names) if possible else None
        self._made[key] = replay
        return replay
