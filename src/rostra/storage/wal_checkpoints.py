"""SQLite's write-ahead log copied back into the database file on a thread of its own.

By default the commit that leaves the WAL over 1,000 pages copies it back (a checkpoint: reads,
writes and two fsyncs) before it returns, on the event loop and while it holds the writers'
turn, so every writer of every process waits for it: about every 60 posts under load
(docs/performance.md, seventh pass). Here the writers leave that to a thread that checkpoints
in PASSIVE mode (it never waits for readers or writers, and writers never wait for it) every
``INTERVAL_SECONDS`` after its process has committed. A writer still checkpoints by itself once the
WAL passes ``WRITER_AUTOCHECKPOINT_PAGES``, should this thread fall behind or stop.
"""

from __future__ import annotations

import threading

import sqlalchemy as sa
import structlog

log = structlog.get_logger("rostra.storage")

# 4 KiB pages: the WAL file grows to at most ~80 MB before a writer checkpoints by itself.
WRITER_AUTOCHECKPOINT_PAGES = 20_000
INTERVAL_SECONDS = 0.5


class WalCheckpointer:
    """One thread per database and process, started by the first commit it is told of."""

    def __init__(self, engine: sa.Engine, interval: float = INTERVAL_SECONDS) -> None:
        self._engine = engine
        self._interval = interval
        self._committed = threading.Event()  # set by commits, cleared by each checkpoint
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()

    def committed(self) -> None:
        """Note a commit of this process; the next round checkpoints."""
        self._committed.set()
        if self._thread is None:
            with self._guard:
                if self._thread is None and not self._stopping.is_set():
                    self._thread = threading.Thread(
                        target=self._run, name="rostra-wal-checkpoint", daemon=True
                    )
                    self._thread.start()

    def _run(self) -> None:
        with self._engine.connect() as conn:
            while not self._stopping.wait(self._interval):
                if not self._committed.is_set():
                    continue  # nothing written since the last round
                self._committed.clear()
                try:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sa.exc.DBAPIError:
                    # A full disk, a removed file: the writers' own checkpoint still applies.
                    log.exception("The background WAL checkpoint failed.")

    def close(self) -> None:
        """Stop the thread (after the checkpoint it may be running)."""
        self._stopping.set()
        with self._guard:
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()
        self._stopping.clear()  # a later commit (the database reopened) starts a new thread
