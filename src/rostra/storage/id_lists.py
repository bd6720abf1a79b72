"""``column IN (a list bound as one parameter)``, so that a statement reading a page's replies,
images or votes can be built once (rostra.storage.prebuilt).

SQLAlchemy's ``in_`` expands a list into one placeholder per item when the statement runs, so
the SQL differs with the list's length and takes SQLAlchemy's slower path every time. Here the
list travels as one value: a JSON array that SQLite's ``json_each`` unrolls, or an array that
PostgreSQL compares with ``= ANY``; both probe the column's index once per item.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


class IdList(sa.types.TypeDecorator[Sequence[str]]):
    """A list of string keys bound as one parameter."""

    impl = sa.String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.ARRAY(sa.String))
        return dialect.type_descriptor(sa.String())

    def process_bind_param(self, value: Sequence[str] | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return list(value) if dialect.name == "postgresql" else json.dumps(list(value))


class _InList(ColumnElement[bool]):
    inherit_cache = True
    type = sa.Boolean()
    _is_implicitly_boolean = True  # a predicate already: no "= 1" where booleans are integers
    _traverse_internals: ClassVar[Any] = [
        ("column", InternalTraversal.dp_clauseelement),
        ("values", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], name: str) -> None:
        self.column = column
        self.values = sa.bindparam(name, type_=IdList())


def in_list(column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """``column`` is one of the list passed as the parameter ``name``."""
    return _InList(column, name)


@compiles(_InList, "postgresql")
def _any(element: _InList, compiler: SQLCompiler, **kw: Any) -> str:
    return (
        f"{compiler.process(element.column, **kw)} = ANY({compiler.process(element.values, **kw)})"
    )


@compiles(_InList)
def _json_each(element: _InList, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    # Both parts are compiled SQL (a column and a placeholder), never a value.
    return f"{column} IN (SELECT value FROM json_each({values}))"  # noqa: S608
