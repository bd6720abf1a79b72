"""The SQL storage under the services, on SQLite and PostgreSQL: connection settings,
integrity, and many writers at once."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import AsyncIterator, Awaitable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from rostra.bootstrap import build_database, build_services
from rostra.config import Settings
from rostra.domain.comments import CommentStatus
from rostra.domain.errors import ValidationError
from rostra.domain.events import CommentCreated
from rostra.domain.threads import Thread, ThreadSettings
from rostra.services.callers import Caller
from rostra.services.comments import CommentDraft, PostedComment
from rostra.services.ports import NewComment
from rostra.services.registry import Services
from rostra.services.thread_reads import ThreadQuery
from rostra.storage.database import Database, async_url
from rostra.storage.tables import threads
from rostra.storage.thread_turns import PATIENCE_SECONDS
from tests.conftest import ORIGIN, SECRET_KEY, _truncate

WRITERS = 20
T = TypeVar("T")


def reader(n: int) -> Caller:
    """The n-th of many readers, each from an address of its own (as rate limits expect)."""
    return Caller(voter=f"v:reader{n}", ip=f"192.0.2.{n}", origin=ORIGIN)


async def post(
    services: Services, page: str, n: int, parent_id: str | None = None
) -> PostedComment:
    draft = CommentDraft("news", page, f"Post {n}", f"Reader {n}", parent_id=parent_id)
    return await services.comments.post_comment(draft, reader(n))


async def all_of(*actions: Awaitable[T]) -> list[T]:
    """Run ``actions`` at once; every one must succeed (failures are listed, not just the first,
    and none is left running when the test ends)."""
    results = await asyncio.gather(*actions, return_exceptions=True)
    failures = [repr(result) for result in results if isinstance(result, BaseException)]
    assert failures == [], f"{len(failures)} of {len(results)} concurrent actions failed"
    return [result for result in results if not isinstance(result, BaseException)]


async def count_threads(database_url: str, page: str) -> int:
    engine = create_async_engine(async_url(database_url))
    try:
        async with engine.connect() as conn:
            query = sa.select(sa.func.count()).select_from(threads).where(threads.c.page == page)
            return int(await conn.scalar(query) or 0)
    finally:
        await engine.dispose()


@pytest.fixture
async def sqlite_database(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[Database]:
    path = tmp_path / "rostra.db"
    shutil.copyfile(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    yield database
    await database.close()


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.close()


# Connection settings and integrity


async def test_sqlite_connections_use_wal_and_foreign_keys(sqlite_database: Database) -> None:
    # Writers never wait inside SQLite (busy_timeout 0): rostra.storage.inline retries
    # BEGIN IMMEDIATE with asyncio.sleep, so the event loop is never stuck behind another process.
    # Bulk writes (imports, purges) run on aiosqlite's thread, where waiting in SQLite is fine.
    busy_timeout = {"read": 10_000, "write": 0, "glance": 1_000, "bulk": 10_000}
    for kind, expected in busy_timeout.items():
        opened = (
            sqlite_database.write(bulk=True) if kind == "bulk" else getattr(sqlite_database, kind)()
        )
        async with opened as tx:
            conn = tx.connection
            assert (await conn.execute(sa.text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(sa.text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await conn.execute(sa.text("PRAGMA busy_timeout"))).scalar() == expected


async def test_sqlite_write_waits_for_another_process_without_blocking_the_loop(
    sqlite_database: Database,
) -> None:
    async with sqlite_database.write():
        pass  # the connections exist, and the file is in WAL mode, before the other writer
    other = sqlite3.connect(sqlite_database.url.removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process (a CLI import, a worker) is writing
    ticks = 0

    async def write() -> None:
        async with sqlite_database.write() as tx:
            await tx.connection.execute(
                sa.text("INSERT INTO instance (key, value) VALUES ('probe', 'written')")
            )

    writing = asyncio.create_task(write())
    while ticks < 20:  # the loop keeps running other work while the write waits
        await asyncio.sleep(0.005)
        ticks += 1
    assert not writing.done()
    other.execute("COMMIT")
    await asyncio.wait_for(writing, 5)
    async with sqlite_database.glance() as tx:
        found = await tx.connection.execute(
            sa.text("SELECT value FROM instance WHERE key = 'probe'")
        )
        assert found.scalar() == "written"
    other.close()


async def test_sqlite_writers_of_two_processes_take_turns(
    sqlite_database: Database,
) -> None:
    other = Database(sqlite_database.url)  # another worker: its own connections and lock file

    async def insert(database: Database, key: str, bulk: bool) -> None:
        async with database.write(bulk=bulk) as tx:
            await tx.connection.execute(
                sa.text("INSERT INTO instance (key, value) VALUES (:key, 'x')"), {"key": key}
            )
            await asyncio.sleep(0)  # let the other writers try to get in meanwhile

    try:
        await all_of(
            *(insert(sqlite_database, f"a{n}", n % 3 == 0) for n in range(15)),
            *(insert(other, f"b{n}", n % 3 == 1) for n in range(15)),
        )
        async with sqlite_database.read() as tx:
            found = await tx.connection.execute(
                sa.text("SELECT count(*) FROM instance WHERE value = 'x'")
            )
            assert found.scalar() == 30
    finally:
        await other.close()


async def test_sqlite_write_rolls_back_on_error(sqlite_database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with sqlite_database.write() as tx:
            await tx.connection.execute(
                sa.text("INSERT INTO instance (key, value) VALUES ('half', 'written')")
            )
            raise RuntimeError("the use case failed half-way")
    async with sqlite_database.read() as tx:
        found = await tx.connection.execute(
            sa.text("SELECT count(*) FROM instance WHERE key = 'half'")
        )
        assert found.scalar() == 0


async def test_comment_of_an_unknown_thread_violates_a_foreign_key(database: Database) -> None:
    orphan = NewComment(
        id="orphan",
        thread_id=999_999,
        parent_id=None,
        root_id=None,
        depth=0,
        author_name="Ann",
        author_email_hash=None,
        author_url=None,
        body="text",
        body_html="<p>text</p>",
        status=CommentStatus.PUBLISHED,
        created_at=datetime.now(UTC),
        ip_hash=None,
        edit_token_hash=None,
        anchor=None,
    )
    with pytest.raises(sa.exc.IntegrityError):
        async with database.write() as tx:
            await tx.comments.add(orphan)
    async with database.read() as tx:
        assert await tx.comments.get("orphan") is None


async def test_secret_key_is_made_once_and_then_kept(database: Database) -> None:
    first = await database.secret_key()
    assert len(first) >= 32
    assert await database.secret_key() == first


async def test_control_characters_never_reach_the_database_as_text(services: Services) -> None:
    # PostgreSQL refuses NUL in text columns; every engine must behave the same: the rules
    # either refuse the value or clean it before it is stored.
    nul = "\x00"
    values = {
        "page": f"/a{nul}b",
        "page_title": f"Ti{nul}tle",
        "author_name": f"An{nul}n",
        "body": f"Bo{nul}dy",
        "author_url": f"https://ann.example/{nul}",
        "author_email": f"ann{nul}@example.org",
    }
    base = CommentDraft("news", "/p", "body", "Ann")
    for name, value in values.items():
        draft = replace(base, **{name: value})
        try:
            posted = await services.comments.post_comment(draft, Caller())
        except ValidationError:
            continue
        stored = posted.comment
        thread = await services.comments.read_thread(ThreadQuery("news", draft.page), Caller())
        kept = [stored.author_name, stored.author_url or "", stored.body, thread.page]
        assert not any(nul in text for text in [*kept, thread.title or ""]), name


# Many writers at once


async def test_concurrent_comments_on_one_thread_are_all_stored_and_counted(
    services: Services,
) -> None:
    page = "/busy"
    posted = await all_of(*(post(services, page, n) for n in range(WRITERS)))
    assert len({p.comment.id for p in posted}) == WRITERS
    listed = await services.comments.read_thread(ThreadQuery("news", page, limit=100), Caller())
    assert listed.comment_count == WRITERS
    assert {node.comment.id for node in listed.comments} == {p.comment.id for p in posted}
    assert await services.comments.count_comments("news", [page]) == {page: WRITERS}


async def test_a_thread_read_again_unchanged_is_the_same_object_and_any_change_makes_a_new_one(
    services: Services, settings: Settings
) -> None:
    """Threads are made from their rows once per row (the kept pages' check reads hundreds of
    them after every commit); a change to the thread's row or to its site's is never missed."""
    storage = build_database(settings)
    ids = [(await post(services, f"/interned/{n}", n)).comment.thread_id for n in range(3)]

    async def read() -> dict[int, Thread]:
        async with storage.read() as tx:
            return await tx.threads.find_many(ids)

    try:
        first, again = await read(), await read()
        assert all(again[i] is first[i] for i in ids)
        await post(services, "/interned/0", 9)
        async with storage.write() as tx:
            await tx.threads.set_settings(ids[1], ThreadSettings(closed=True))
        changed = await read()
        assert changed[ids[0]].comment_count == first[ids[0]].comment_count + 1
        assert changed[ids[1]].settings.closed and not first[ids[1]].settings.closed
        assert changed[ids[2]] is first[ids[2]]
        async with storage.write() as tx:
            await tx.sites.set_reactions("news", ["like"])
        assert [thread.reactions for thread in (await read()).values()] == [("like",)] * 3
        assert [first[i].reactions for i in ids] != [("like",)] * 3
    finally:
        await storage.close()


async def test_a_reader_of_the_log_misses_no_event_while_posts_commit_at_once(
    services: Services, settings: Settings
) -> None:
    """One thread's events commit in the order of their sequence numbers, so a reader that
    has seen N never later finds an event below N (``Last-Event-ID`` resume relies on it).
    A post draws its number only once it holds the thread's row, which it takes last."""
    thread_id = (await post(services, "/ordered", 0)).comment.thread_id
    log = build_database(settings)
    seen: list[int] = []
    posting_done = asyncio.Event()

    async def read_the_log_as_it_grows() -> None:
        last = 0
        # Bounded by time, not by looks: on a loaded machine the posts (each screened on a
        # worker thread first) can take longer than any fixed number of looks lasts.
        deadline = asyncio.get_running_loop().time() + 60
        while asyncio.get_running_loop().time() < deadline:
            # Whether the posts were done is taken before the look: a look that began before
            # the last commits may return after them, empty, and must not end the reading.
            done = posting_done.is_set()
            async with log.read() as tx:
                batch = await tx.events.after(thread_id, last, 100)
            seen.extend(event.sequence or 0 for event in batch)
            last = seen[-1] if seen else 0
            if done and not batch:
                return
            await asyncio.sleep(0.001)

    reading = asyncio.ensure_future(read_the_log_as_it_grows())
    try:
        posted = await all_of(*(post(services, "/ordered", n) for n in range(1, 3 * WRITERS)))
        posting_done.set()
        await asyncio.wait_for(reading, 90)
        async with log.read() as tx:
            logged = [event.sequence for event in await tx.events.after(thread_id, 0, 1000)]
            thread = await tx.threads.find("news", "/ordered")
    finally:
        reading.cancel()
        await log.close()
    assert len(logged) == len(posted) + 1
    assert seen == logged  # every event reached the reader, none after a later one
    assert thread is not None
    assert (thread.version, thread.comment_count) == (logged[-1], len(logged))


@pytest.mark.postgresql
async def test_a_post_that_fails_after_its_event_gives_the_threads_turn_back(
    postgresql_database: str,
) -> None:
    """PostgreSQL: posts to one thread take turns in the process (storage/thread_turns.py); a
    transaction that took one and then failed must not keep the next post waiting."""
    await _truncate(postgresql_database)
    settings = Settings(database_url=postgresql_database, secret_key=SECRET_KEY)
    services = build_services(settings)
    database = build_database(settings)
    try:
        await services.sites.add_site("news", [ORIGIN], "News")
        thread_id = (await post(services, "/turns", 0)).comment.thread_id
        with pytest.raises(RuntimeError, match="after the event"):
            async with database.write() as tx:
                await tx.events.append(thread_id, CommentCreated("news", "/turns", "x"), 1)
                raise RuntimeError("after the event")
        # A turn kept would hold this one for PATIENCE_SECONDS (2 s).
        after = await asyncio.wait_for(post(services, "/turns", 1), PATIENCE_SECONDS / 2)
        listed = await services.comments.read_thread(ThreadQuery("news", "/turns"), Caller())
        assert listed.comment_count == 2 and after.comment.thread_id == thread_id
    finally:
        for hook in services.on_shutdown:
            await hook()
        await database.close()
        await _truncate(postgresql_database)


async def test_concurrent_first_comments_on_new_pages_create_one_thread_each(
    services: Services, database_url: str
) -> None:
    pages = ["/new-a", "/new-b"]
    await all_of(*(post(services, pages[n % 2], n) for n in range(WRITERS)))
    assert [await count_threads(database_url, page) for page in pages] == [1, 1]
    counts = await services.comments.count_comments("news", pages)
    assert counts == {"/new-a": WRITERS // 2, "/new-b": WRITERS // 2}


async def test_concurrent_replies_to_one_comment_are_all_counted(services: Services) -> None:
    root = await post(services, "/replies", 0)
    await all_of(*(post(services, "/replies", n, root.comment.id) for n in range(1, WRITERS + 1)))
    listed = await services.comments.read_thread(ThreadQuery("news", "/replies"), Caller())
    [top] = listed.comments
    assert (top.reply_count, len(top.replies), listed.comment_count) == (
        WRITERS,
        WRITERS,
        WRITERS + 1,
    )


async def test_concurrent_votes_by_different_readers_all_count(services: Services) -> None:
    # Written by a reader who does not vote: nobody votes on their own comment.
    target = (await post(services, "/votes", WRITERS + 1)).comment.id
    await all_of(*(services.votes.cast_vote(target, 1, reader(n)) for n in range(WRITERS)))
    listed = await services.comments.read_thread(ThreadQuery("news", "/votes"), Caller())
    voted = listed.comments[0].comment
    assert (voted.upvotes, voted.downvotes, voted.score) == (WRITERS, 0, WRITERS)

    tallies = await all_of(
        *(services.votes.cast_vote(target, -1, reader(n)) for n in range(WRITERS))
    )
    assert {(t.upvotes + t.downvotes) for t in tallies} == {WRITERS}
    listed = await services.comments.read_thread(ThreadQuery("news", "/votes"), Caller())
    voted = listed.comments[0].comment
    assert (voted.upvotes, voted.downvotes) == (0, WRITERS)


async def test_concurrent_votes_and_replies_on_one_comment_all_succeed(services: Services) -> None:
    root = (await post(services, "/mixed", WRITERS + 1)).comment.id  # a reader who does not vote
    await all_of(
        *(services.votes.cast_vote(root, 1, reader(n)) for n in range(WRITERS)),
        *(post(services, "/mixed", n, root) for n in range(1, WRITERS + 1)),
    )
    listed = await services.comments.read_thread(ThreadQuery("news", "/mixed"), Caller())
    [top] = listed.comments
    assert (top.comment.upvotes, top.reply_count) == (WRITERS, WRITERS)
