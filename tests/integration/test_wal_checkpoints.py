"""SQLite's WAL is copied back into the database file by a thread, not by the writers
(storage/wal_checkpoints.py)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import sqlalchemy as sa

from rostra.storage.inline import InlineSqlite

PAGE = 4096
ROWS = 400  # ~1,600 pages of WAL: over SQLite's default autocheckpoint of 1,000


def size(path: Path) -> int:
    return path.stat().st_size  # a stat of a local file: too short to leave the loop for


def checkpoint_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "rostra-wal-checkpoint"]


async def write_rows(inline: InlineSqlite, first: int) -> None:
    for n in range(first, first + ROWS):
        async with inline.transaction() as conn:
            await conn.execute(
                sa.text("INSERT INTO blobs (id, data) VALUES (:id, randomblob(:size))"),
                {"id": n, "size": 3 * PAGE},
            )


def new_database(tmp_path: Path) -> tuple[str, Path]:
    path = tmp_path / "wal.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)")
    return f"sqlite:///{path}", path


async def test_writers_leave_the_checkpoint_to_the_thread(tmp_path: Path) -> None:
    url, path = new_database(tmp_path)
    inline = InlineSqlite(url, checkpoint_interval=3600)  # the thread never gets to it
    before = size(path)
    try:
        await write_rows(inline, 0)
        # With SQLite's default, the commit that passed 1,000 pages would have copied the
        # WAL into the file (and every writer of every process would have waited for it).
        assert size(path) == before
        assert size(Path(f"{path}-wal")) > ROWS * 3 * PAGE
    finally:
        inline.close()


async def test_the_thread_checkpoints_after_commits_and_stops_on_close(tmp_path: Path) -> None:
    url, path = new_database(tmp_path)
    inline = InlineSqlite(url, checkpoint_interval=0.05)
    before = size(path)
    try:
        assert checkpoint_threads() == []  # started by the first commit, not before
        await write_rows(inline, 0)
        assert len(checkpoint_threads()) == 1
        for _ in range(200):  # bounded: 10 s at most
            if size(path) >= before + ROWS * 3 * PAGE:
                break
            await asyncio.sleep(0.05)
        assert size(path) >= before + ROWS * 3 * PAGE
        with sqlite3.connect(path) as conn:
            assert conn.execute("SELECT count(*) FROM blobs").fetchone() == (ROWS,)
    finally:
        inline.close()
    assert checkpoint_threads() == []
    # Used again after close (as InlineSqlite's connections are): a new thread takes over.
    try:
        await write_rows(inline, ROWS)
        assert len(checkpoint_threads()) == 1
    finally:
        inline.close()
    assert checkpoint_threads() == []
