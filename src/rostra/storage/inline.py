"""SQLite statements on the caller's thread: writes, and the hottest small reads.

aiosqlite runs every statement on a thread of its own. For the short statements of a comment
section (a row by index, an insert, a counter update) the hand-off costs several times the
statement itself, and SQLite runs one writer at a time anyway, so a write transaction made of
fifteen hand-offs caps the whole server's posting rate (bench/compare_isso.py's profile,
docs/performance.md). ``InlineConnection`` offers the part of SQLAlchemy's ``AsyncConnection``
the repositories use, over a synchronous connection used from the event loop's thread.

Nothing here waits for another process inside SQLite: ``BEGIN IMMEDIATE`` is tried without a
busy timeout and retried with ``asyncio.sleep``, so while another process (a second worker, a
CLI import) writes, this event loop keeps serving.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import threading
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from rostra.storage.prebuilt import Replays
from rostra.storage.wal_checkpoints import (
    INTERVAL_SECONDS,
    WRITER_AUTOCHECKPOINT_PAGES,
    WalCheckpointer,
)

PRAGMAS = (
    # NORMAL in WAL mode survives a crashed process; only a power cut can lose the last commits.
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
)
# Reads never wait for writers in WAL mode; writers wait for each other in ``begin`` below.
READER_PRAGMAS = (*PRAGMAS, "PRAGMA query_only=ON", "PRAGMA busy_timeout=1000")
WRITER_PRAGMAS = (
    *PRAGMAS,
    "PRAGMA busy_timeout=0",
    # Checkpoints run on WalCheckpointer's thread, out of the writers' turn.
    f"PRAGMA wal_autocheckpoint={WRITER_AUTOCHECKPOINT_PAGES}",
)
BUSY_SECONDS = 10.0  # as long as the async engine's busy_timeout


class InlineConnection:
    """``execute``/``scalar``/``scalars``/``begin_nested`` of ``AsyncConnection``, run at once
    on a synchronous connection. The event loop waits while a statement runs: only short,
    indexed statements belong here (bulk reads stay on ``Database.read``)."""

    def __init__(self, conn: sa.Connection, replays: Replays) -> None:
        self._conn = conn
        self.dialect = conn.dialect
        self._replays = replays  # statements marked ``prebuilt`` skip SQLAlchemy's execution
        # Names this connection in change tokens; unlike id(), never reused while a token
        # holding it is alive.
        self.identity = object()

    def data_version(self) -> int:
        """SQLite's ``PRAGMA data_version``: changes when another connection, in this process
        or another, commits (this one only reads). Read through the driver: a few microseconds."""
        raw = self._conn.connection.dbapi_connection
        assert raw is not None  # noqa: S101 - an open connection has one
        return int(raw.execute("PRAGMA data_version").fetchone()[0])

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        return self._run(statement, parameters)

    async def scalar(self, statement: Any, parameters: Any = None) -> Any:
        return self._run(statement, parameters).scalar()

    async def scalars(self, statement: Any, parameters: Any = None) -> Any:
        return self._run(statement, parameters).scalars()

    def _run(self, statement: Any, parameters: Any) -> Any:
        replay = self._replays.find(statement, parameters)
        if replay is not None:
            return replay.run(self._conn.connection.dbapi_connection, parameters or {})
        result = self._conn.execute(statement, parameters)
        # Rows are fetched now, as AsyncConnection does; without rows, rowcount stays readable.
        return result.freeze()() if result.returns_rows else result

    @asynccontextmanager
    async def begin_nested(self) -> AsyncIterator[None]:
        savepoint = self._conn.begin_nested()
        try:
            yield
        except BaseException:
            savepoint.rollback()
            raise
        savepoint.commit()


class InlineSqlite:
    """A reader and a writer connection per thread that uses them, opened on first use."""

    def __init__(self, url: str, checkpoint_interval: float = INTERVAL_SECONDS) -> None:
        sync_url = make_url(url).set(drivername="sqlite+pysqlite")
        # AUTOCOMMIT: SQLAlchemy sends no BEGIN of its own; the writer sends BEGIN IMMEDIATE.
        self._engine = sa.create_engine(
            sync_url,
            isolation_level="AUTOCOMMIT",
            poolclass=sa.pool.NullPool,
            connect_args={"check_same_thread": False},
        )
        self._local = threading.local()
        self._opened: list[sa.Connection] = []
        self._guard = threading.Lock()
        self._turns = WriterTurns(f"{sync_url.database}-writer")
        self._replays = Replays(self._engine.dialect)
        self._checkpoints = WalCheckpointer(self._engine, checkpoint_interval)

    def _open(self, pragmas: Iterable[str]) -> sa.Connection:
        conn = self._engine.connect()
        # WAL is a property of the file, kept once set; setting it again would wait for writers.
        if conn.exec_driver_sql("PRAGMA journal_mode").scalar() != "wal":
            conn.exec_driver_sql("PRAGMA busy_timeout=10000")
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        for pragma in pragmas:
            conn.exec_driver_sql(pragma)
        with self._guard:
            self._opened.append(conn)
        return conn

    def connection(self) -> InlineConnection:
        """This thread's read-only connection: each statement sees the latest commit."""
        reader: InlineConnection | None = getattr(self._local, "reader", None)
        if reader is None:
            reader = self._local.reader = InlineConnection(
                self._open(READER_PRAGMAS), self._replays
            )
        return reader

    def changes(self) -> tuple[object, int]:
        """A token that differs after any commit to the database since it was last taken
        (values are per connection, so the connection is part of it)."""
        reader = self.connection()
        return reader.identity, reader.data_version()

    def turn(self) -> AbstractAsyncContextManager[None]:
        """The writers' turn across processes, for a write that runs elsewhere (bulk work)."""
        return self._turns.turn()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[InlineConnection]:
        """A write transaction on this thread's writer connection, committed when the block
        ends without error and rolled back otherwise. Callers in one process take turns
        (``Database``'s write lock); other processes are waited for here, asynchronously."""
        writer: sa.Connection | None = getattr(self._local, "writer", None)
        if writer is None:
            writer = self._local.writer = self._open(WRITER_PRAGMAS)
        async with self._turns.turn():
            await _begin_immediate(writer)
            try:
                yield InlineConnection(writer, self._replays)
                writer.exec_driver_sql("COMMIT")
            except BaseException:
                if writer.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
                    writer.exec_driver_sql("ROLLBACK")
                raise
        self._checkpoints.committed()

    def close(self) -> None:
        """Close every connection this object opened, from whichever thread."""
        with self._guard:
            opened, self._opened = self._opened, []
        for conn in opened:
            conn.close()
        self._local = threading.local()
        self._checkpoints.close()
        self._turns.close()
        self._engine.dispose()


class WriterTurns:
    """Writers of every process queue for SQLite's write lock on an ``flock`` of a file next to
    the database. The kernel hands that lock to the waiters in turn; SQLite's busy retry lets
    the process that just committed win again and again, starving another worker's writers
    for seconds under load (``bench/compare_isso.py``'s posting run with two workers)."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._local = threading.local()  # one open file per thread: flock excludes between them
        self._opened: list[int] = []
        self._guard = threading.Lock()

    def _file(self) -> int:
        fd: int | None = getattr(self._local, "fd", None)
        if fd is None:
            fd = self._local.fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            with self._guard:
                self._opened.append(fd)
        return fd

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold the writers' lock for the block; waits on a worker thread, not the loop."""
        fd = self._file()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waiting = asyncio.ensure_future(asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX))
            try:
                await asyncio.shield(waiting)
            except asyncio.CancelledError:
                # The thread keeps waiting; give the lock back as soon as it gets it.
                waiting.add_done_callback(lambda done: _unlock_if_taken(done, fd))
                raise
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Close the lock files of every thread."""
        with self._guard:
            opened, self._opened = self._opened, []
        for fd in opened:
            os.close(fd)
        self._local = threading.local()


def _unlock_if_taken(done: asyncio.Future[None], fd: int) -> None:
    if not done.cancelled() and done.exception() is None:
        fcntl.flock(fd, fcntl.LOCK_UN)


async def _begin_immediate(conn: sa.Connection) -> None:
    delay = 0.001
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except sa.exc.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.05)
