"""Engines, transactions and the one-writer rule for SQLite."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Hashable, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import structlog
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from rostra.services.ports import ReplicaUnavailableError
from rostra.storage import tables
from rostra.storage.accounts import SqlAccountRepository
from rostra.storage.campaigns import SqlCampaignRepository
from rostra.storage.chat_alerts import SqlChatAlertRepository
from rostra.storage.comments import SqlCommentRepository
from rostra.storage.events import SqlEventLog
from rostra.storage.feeds import SqlFeedRepository
from rostra.storage.images import SqlImageRepository
from rostra.storage.imports import SqlImportRepository
from rostra.storage.inline import PRAGMAS, InlineSqlite
from rostra.storage.notices import SqlNoticeRecords
from rostra.storage.outbox import SqlOutbox
from rostra.storage.prebuilt import Replays
from rostra.storage.reactions import SqlReactionRepository
from rostra.storage.reader_records import SqlReaderRecords
from rostra.storage.replaying import ReplayingConnection
from rostra.storage.screening import SqlScreeningRepository
from rostra.storage.sites import SqlSiteRepository
from rostra.storage.staff_digests import SqlStaffDigestLedger
from rostra.storage.staff_records import SqlStaffRecords
from rostra.storage.statements import SqlStatementRecords
from rostra.storage.subscriptions import SqlSubscriptionRepository
from rostra.storage.thread_turns import HeldThreads, ThreadTurns
from rostra.storage.threads import SqlThreadRepository
from rostra.storage.urls import backend_of
from rostra.storage.users import SqlUserRepository
from rostra.storage.votes import SqlVoteRepository
from rostra.storage.webhooks import SqlWebhookRepository

if TYPE_CHECKING:
    from rostra.storage.shared_answers import RedisAnswerShelf

POOL_SIZE = 20
POOL_OVERFLOW = 20
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", *PRAGMAS, "PRAGMA busy_timeout=10000")
REPLICA_CONNECT_SECONDS = 2.0  # a replica slower than this to answer is treated as down
REPLICA_STATEMENT_SECONDS = 2.0  # a page's statements take milliseconds; longer is a stuck replica
REPLICA_REST_SECONDS = 5.0  # a replica that failed is left alone this long before a retry
ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
log = structlog.get_logger("rostra.storage")


def async_url(url: str) -> str:
    """Turn the URLs people write (``sqlite:///x.db``, ``postgresql://…``) into async URLs."""
    backend = backend_of(url)
    if backend is None:
        raise ValueError(f"Unsupported database {url!r}: use sqlite:///path or postgresql://…")
    driver = ASYNC_DRIVERS[backend]
    return make_url(url).set(drivername=driver).render_as_string(hide_password=False)


class SqlTransaction:
    """The repositories of one open transaction (see ``rostra.services.ports.Transaction``)."""

    def __init__(self, conn: AsyncConnection, turns: ThreadTurns | None = None) -> None:
        self.connection = conn
        self.held = HeldThreads(turns)
        self.sites = SqlSiteRepository(conn)
        self.threads = SqlThreadRepository(conn, self.held)
        self.comments = SqlCommentRepository(conn)
        self.votes = SqlVoteRepository(conn)
        self.reactions = SqlReactionRepository(conn)
        self.events = SqlEventLog(conn, self.held)
        self.images = SqlImageRepository(conn)
        self.imports = SqlImportRepository(conn)
        self.subscriptions = SqlSubscriptionRepository(conn)
        self.outbox = SqlOutbox(conn)
        self.users = SqlUserRepository(conn)
        self.staff_records = SqlStaffRecords(conn)
        self.screening = SqlScreeningRepository(conn)
        self.campaigns = SqlCampaignRepository(conn)  # reader support
        self.accounts = SqlAccountRepository(conn)  # reader accounts
        self.staff_digests = SqlStaffDigestLedger(conn)  # staff digests
        self.reader_records = SqlReaderRecords(conn)  # reader history and staff notes
        self.notices = SqlNoticeRecords(conn)  # EU DSA notices
        self.statements = SqlStatementRecords(conn)  # EU DSA statements of reasons, appeals
        self.webhooks = SqlWebhookRepository(conn)
        self.feeds = SqlFeedRepository(conn)  # RSS and Atom of the latest comments
        self.chat_alerts = SqlChatAlertRepository(conn)  # staff alerts to Slack or Matrix


class _Replica:
    """One read replica's engine, and until when it rests after a failure."""

    def __init__(self, url: str) -> None:
        self.engine = create_async_engine(
            async_url(url),
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
            connect_args={
                "timeout": REPLICA_CONNECT_SECONDS,
                "command_timeout": REPLICA_STATEMENT_SECONDS,
            },
        )
        self.resting_until = 0.0
        self.name = make_url(url).render_as_string(hide_password=True)

    def rest(self, error: BaseException) -> None:
        """Leave this replica alone for a while; say so, since a mistyped URL shows nowhere else."""
        self.resting_until = time.monotonic() + REPLICA_REST_SECONDS
        log.warning(
            "replica_resting", replica=self.name, error=repr(error), seconds=REPLICA_REST_SECONDS
        )


class Database:
    """The storage port over one SQLAlchemy engine (and one per read replica)."""

    def __init__(
        self,
        url: str,
        *,
        replicas: Sequence[str] = (),
        redis_url: str | None = None,
        echo: bool = False,
    ) -> None:
        self.url = url
        # A worker serves dozens of requests at once; a pool smaller than that opens and closes
        # overflow connections all the time (measured by bench/compare_isso.py's profile).
        self.engine: AsyncEngine = create_async_engine(
            async_url(url), echo=echo, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW
        )
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        # SQLite allows one writer at a time; queueing writers here instead of in SQLite's busy
        # loop keeps write latency fair and lets BEGIN IMMEDIATE never wait inside one process.
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        # SQLite writes and glances run on the event loop's thread (rostra.storage.inline).
        self._inline = InlineSqlite(url) if self.is_sqlite else None
        # PostgreSQL glances run on pooled connections without BEGIN/COMMIT round trips.
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        if replicas and self.is_sqlite:
            raise ValueError("SQLite has no read replicas; they need a PostgreSQL primary.")
        self._replicas = [_Replica(replica) for replica in replicas]
        self._turn = 0  # round robin over the replicas
        # PostgreSQL: posts to one thread queue in the process before they queue on its row.
        self._thread_turns = None if self.is_sqlite else ThreadTurns()
        # SQLite replays on the inline connection; bulk work there keeps SQLAlchemy's path.
        self._replays = None if self.is_sqlite else Replays(self.engine.dialect)
        # PostgreSQL has no commit counter of its own; SQLite's data_version needs none.
        self._change_clock = None
        # Workers share the answers made under that counter's token instead of each making them.
        self.answer_shelf: RedisAnswerShelf | None = None
        if redis_url and not self.is_sqlite:
            from rostra.storage.change_clock import RedisChangeClock  # only where configured
            from rostra.storage.shared_answers import RedisAnswerShelf

            self._change_clock = RedisChangeClock(redis_url)
            self.answer_shelf = RedisAnswerShelf(redis_url)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[SqlTransaction]:
        """A read transaction (a consistent snapshot on SQLite WAL and PostgreSQL)."""
        async with self.engine.connect() as conn, conn.begin():
            yield SqlTransaction(self._replaying(conn))

    @asynccontextmanager
    async def replica_read(self) -> AsyncIterator[SqlTransaction | None]:
        """A read transaction on the next read replica that answers (round robin); None when
        none is configured. A replica that fails, connecting or in a statement (restarted,
        promoted, a conflict with recovery, stuck for seconds), rests for a few seconds and
        the failure is ``ReplicaUnavailableError``: the caller reads the primary instead."""
        if not self._replicas:
            yield None
            return
        replica, conn = await self._replica_connection()
        try:
            async with conn.begin():
                yield SqlTransaction(self._replaying(conn))
        except (OSError, TimeoutError, DBAPIError) as exc:
            replica.rest(exc)
            raise ReplicaUnavailableError("The read replica failed.") from exc
        finally:
            await conn.close()

    def has_replicas(self) -> bool:
        return bool(self._replicas)

    async def _replica_connection(self) -> tuple[_Replica, AsyncConnection]:
        for _ in range(len(self._replicas)):
            replica = self._replicas[self._turn % len(self._replicas)]
            self._turn += 1
            if replica.resting_until > time.monotonic():
                continue
            try:
                return replica, await replica.engine.connect()
            except (OSError, TimeoutError, DBAPIError) as exc:
                replica.rest(exc)
        raise ReplicaUnavailableError("No read replica answers.")

    @asynccontextmanager
    async def glance(self) -> AsyncIterator[SqlTransaction]:
        """Reads of a few rows by index, each statement on its own without a transaction, so
        each sees the latest commit. On SQLite they run on the caller's thread (see
        ``rostra.storage.inline``): only the hot, tiny lookups belong here."""
        if self._inline is not None:
            yield SqlTransaction(self._inline.connection())  # type: ignore[arg-type]
            return
        async with self._autocommit.connect() as conn:
            yield SqlTransaction(self._replaying(conn))

    def _replaying(self, conn: AsyncConnection) -> AsyncConnection:
        """PostgreSQL: marked statements run on asyncpg directly (rostra.storage.replaying)."""
        if self._replays is None:
            return conn
        return ReplayingConnection(conn, self._replays)  # type: ignore[return-value]

    def changes(self) -> Hashable | None:
        """A token that changes whenever anything is committed, by any process; None on
        PostgreSQL, which has no such cheap counter (see ``Storage.changes``)."""
        return self._inline.changes() if self._inline is not None else None

    async def answer_token(self) -> Hashable | None:
        """``changes()``, or on PostgreSQL with Redis the commit counter kept there
        (rostra.storage.change_clock): whole answers made under one token may be replayed while
        it stays the same. None: replay nothing."""
        if self._change_clock is not None:
            return await self._change_clock.token()
        return self.changes()

    @asynccontextmanager
    async def write(self, *, bulk: bool = False) -> AsyncIterator[SqlTransaction]:
        """A write transaction, committed on success and rolled back on any exception. On
        SQLite it runs on the event loop's thread (rostra.storage.inline), or with ``bulk`` on
        aiosqlite's, so that a long statement does not hold up other requests."""
        if self._write_lock is None or self._inline is None:
            async with self.engine.connect() as conn:
                tx = SqlTransaction(self._replaying(conn), self._thread_turns)
                try:
                    async with conn.begin():
                        yield tx
                finally:
                    tx.held.end()  # after the commit (or the rollback)
            if self._change_clock is not None:
                await self._change_clock.tick()  # before the writer's answer: read-your-writes
            return
        if not bulk:
            async with self._write_lock, self._inline.transaction() as inline:
                yield SqlTransaction(inline)  # type: ignore[arg-type]
            return
        async with self._write_lock, self._inline.turn(), self.engine.connect() as conn:
            conn = await conn.execution_options(rostra_write=True)
            async with conn.begin():
                yield SqlTransaction(conn)

    async def ping(self) -> None:
        """Raise unless the database answers."""
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def secret_key(self) -> str:
        """The instance's secret key, made once and shared by every worker through the database."""
        async with self.write() as tx:
            conn = tx.connection
            insert = _insert(conn)(tables.instance).values(
                key="secret_key", value=secrets.token_urlsafe(48)
            )
            await conn.execute(insert.on_conflict_do_nothing(index_elements=["key"]))
            value = await conn.scalar(
                sa.select(tables.instance.c.value).where(tables.instance.c.key == "secret_key")
            )
        return str(value)

    async def close(self) -> None:
        """Close every pooled connection."""
        if self._inline is not None:
            self._inline.close()
        await self.engine.dispose()
        for replica in self._replicas:
            await replica.engine.dispose()
        if self._change_clock is not None:
            await self._change_clock.close()
        if self.answer_shelf is not None:
            await self.answer_shelf.close()


def _insert(conn: AsyncConnection) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so that BEGIN is ours to choose below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(conn: sa.Connection) -> None:
        # The driver's own transaction handling is off (above), so BEGIN is ours to choose:
        # bulk writers take the write lock at BEGIN and never fail half-way with "database is
        # locked" (other writes go through rostra.storage.inline, which does the same).
        write = conn.get_execution_options().get("rostra_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
