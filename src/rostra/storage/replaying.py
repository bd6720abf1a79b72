"""PostgreSQL: the statements marked ``prebuilt`` run on asyncpg without SQLAlchemy's
execution around them.

Through SQLAlchemy's asyncio engine a small statement costs a worker about 140 µs of CPU, the
same prepared statement on asyncpg about 55 (``bench/postgresql_statement_cost.py``), and a post
runs ten. ``ReplayingConnection`` wraps the ``AsyncConnection`` the repositories use: marked
statements run through ``Replay.run_on_asyncpg`` on the same pooled connection and in the same
transaction; everything else goes to SQLAlchemy. That uses the adapted connection's transaction
start, statement cache and error translation, which are not public API:
tests/integration/test_prebuilt.py runs every marked statement both ways on PostgreSQL too.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from rostra.storage.prebuilt import Replays


class ReplayingConnection:
    """An ``AsyncConnection`` whose marked statements skip SQLAlchemy's execution."""

    def __init__(self, conn: AsyncConnection, replays: Replays) -> None:
        self._conn = conn
        self._replays = replays
        self.dialect = conn.dialect
        self._adapted: Any = None  # SQLAlchemy's adapted asyncpg connection, looked up once

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        replay = self._replays.find(statement, parameters)
        if replay is None:
            return await self._conn.execute(statement, parameters)
        if self._adapted is None:
            self._adapted = (await self._conn.get_raw_connection()).dbapi_connection
        try:
            return await replay.run_on_asyncpg(self._adapted, parameters or {})
        except sa.exc.DBAPIError as error:
            if self.dialect.is_disconnect(error.orig, self._adapted, None):  # type: ignore[arg-type]
                await self._conn.invalidate(error)
            raise

    async def scalar(self, statement: Any, parameters: Any = None) -> Any:
        return (await self.execute(statement, parameters)).scalar()

    async def scalars(self, statement: Any, parameters: Any = None) -> Any:
        return (await self.execute(statement, parameters)).scalars()
