"""Statements replayed through sqlite3 and asyncpg (rostra.storage.prebuilt, .replaying) answer
and change exactly what SQLAlchemy's own execution of them does, on real databases seeded
through the services."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from rostra.domain.paging import Sort
from rostra.domain.times import to_us
from rostra.services.comments import CommentDraft
from rostra.services.registry import Services
from rostra.storage import (
    comments,
    events,
    images,
    screening,
    sites,
    staff_records,
    threads,
    votes,
    webhooks,
)
from rostra.storage.comments import ROOTS, RootsKey
from rostra.storage.database import async_url
from rostra.storage.inline import InlineSqlite
from rostra.storage.prebuilt import Replay, Replays, marked
from rostra.storage.replaying import ReplayingConnection
from rostra.storage.tables import comments as comment_rows
from rostra.storage.tables import metadata
from tests.integration.test_storage import reader

# The SQLite replays run on copies of the seeded test template; the PostgreSQL ones in rolled
# back transactions.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

NOW_US = to_us(datetime(2026, 12, 6, tzinfo=UTC))


async def seed(services: Services) -> None:
    """A thread with a comment by a reader with an email, picked by an editor, and a reply."""
    first = await services.comments.post_comment(
        CommentDraft(
            "news", "/a", "The bridge reopens on Monday.", "Ann", author_email="ann@example.com"
        ),
        reader(1),
    )
    await services.comments.post_comment(
        CommentDraft("news", "/a", "Good news for cyclists.", "Ben", parent_id=first.comment.id),
        reader(2),
    )
    assert services.editorial is not None
    await services.editorial.feature("editor", first.comment.id)  # an editor's pick


def cases(path: Path) -> list[tuple[Any, dict[str, Any]]]:
    """Each marked statement with parameters that find (or change) the seeded rows."""
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        first, reply = conn.execute(
            sa.select(comment_rows)
            .where(comment_rows.c.author_name != "Cy")  # the seeded two, not the roots added
            .order_by(comment_rows.c.created_us)
        ).all()
        thread = conn.execute(sa.select(threads.threads.c.id)).scalar_one()
    engine.dispose()
    return cases_for(first, reply, thread)


def cases_for(first: Any, reply: Any, thread: int) -> list[tuple[Any, dict[str, Any]]]:
    """The cases, given the seeded comments' rows and their thread's id."""
    recent = {"site": "news", "since": 0, "limit": 20}
    return [
        (sites._GET, {"name": "news"}),
        (sites._MODERATION, {"name": "news"}),
        (sites._GET_WITH_SETTINGS, {"name": "news"}),
        (
            staff_records._BANNED,
            {
                "kind_a": "email",
                "a": first.author_email_hash,
                "kind_b": "ip",
                "b": "x",
                "now": NOW_US,
            },
        ),
        (screening._RECENT_BY_EMAIL, {**recent, "who": first.author_email_hash}),
        (screening._RECENT_BY_IP, {**recent, "who": reply.ip_hash}),
        (
            screening._RECORD,
            {
                "comment_id": reply.id,
                "verdict": "hold",
                "reasons": [{"rule": "words", "message": "<b>watched</b>"}],
                "actor": None,
                "created_us": NOW_US,
            },
        ),
        (threads._FIND, {"site": "news", "page": "/a"}),
        (threads._ADJUST_COUNT, {"thread": thread, "delta": 3}),
        (
            comments._INSERT,
            {
                **{column: getattr(first, column) for column in first._fields},
                "id": "c" * 20,
                "body": "Ünïcode and 'quotes'; DROP TABLE comments;--",
                "anchor": {"quote": "reopens", "prefix": "The bridge ", "suffix": ""},
                "is_anchored": True,
                "author_is_staff": True,
            },
        ),
        (comments._GET, {"id": reply.id}),
        (comments._GET_LOCKED, {"id": first.id}),
        (comments._ADJUST_DESCENDANTS, {"root": first.id, "delta": -1}),
        (comments.REPLIES, {"roots": [first.id, "no-such-comment"]}),
        (comments.FEATURED, {"thread_id": thread, "limit": 5}),
        (images._FOR_COMMENTS, {"ids": [first.id, reply.id]}),
        (votes._FOR_VOTER, {"voter": "v", "ids": [reply.id, first.id]}),
        (webhooks._FOR_SITE, {"site": "news"}),
        (
            events._APPEND,
            {
                "thread_id": thread,
                "name": "comment.created",
                "payload": {"id": "x"},
                "created_us": NOW_US,
            },
        ),
        (events._SET_VERSION, {"thread": thread, "sequence": 41, "delta": 2}),
        (events._SINCE, {"sequence": 0, "limit": 10}),
        *((statement, roots_parameters(key, thread, first)) for key, statement in ROOTS.items()),
    ]


def roots_parameters(key: RootsKey, thread: int, first: Any) -> dict[str, Any]:
    """A thread page's top-level comments: from the start, or from a cursor that still finds
    the first comment (just past it in the sort's direction)."""
    parameters: dict[str, Any] = {"thread_id": thread}
    if key.sort is None:
        return parameters
    parameters["limit"] = 10
    if key.keyset:
        descending = key.sort is not Sort.OLDEST
        parameters |= {
            "after_us": first.created_us + (1 if descending else -1),
            "after_id": first.id,
            "after_score": first.score + (1 if descending else -1),
        }
        if key.sort not in (Sort.VOTES, Sort.REACTIONS):  # the sorts with a score in the key
            del parameters["after_score"]
    return parameters


def typed(value: Any) -> Any:
    """Rows compared with their values' types: True and 1 are equal, but not the same answer."""
    if isinstance(value, list | tuple):
        return [typed(item) for item in value]
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    return (type(value).__name__, value)


def answer(result: Any, statement: Any = None) -> Any:
    if not getattr(result, "returns_rows", True):  # the frozen rows of a replay have none
        return ("rowcount", result.rowcount)
    if isinstance(statement, sa.Insert) and not statement.exported_columns:
        # On PostgreSQL SQLAlchemy adds RETURNING of the new key and reads it itself: a plain
        # insert then answers that key's name and no rows; its rowcount is the answer.
        return ("rowcount", result.rowcount)
    return (list(result.keys()), [typed(list(row)) for row in result])


@contextmanager
def inline_on(path: Path) -> Iterator[InlineSqlite]:
    """The inline connections (Rostra's writer among them) of the SQLite file at ``path``."""
    inline = InlineSqlite(f"sqlite:///{path}")
    try:
        yield inline
    finally:
        inline.close()


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy, with what is still in the write-ahead log."""
    with sqlite3.connect(source) as old, sqlite3.connect(target) as new:
        old.backup(new)
    old.close()
    new.close()


def tables_of(path: Path) -> dict[str, list[Any]]:
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        dump = {
            table.name: sorted(map(tuple, conn.execute(sa.select(table)).all()), key=repr)
            for table in metadata.sorted_tables
        }
    engine.dispose()
    return dump


@pytest.fixture
async def seeded(services: Services, database_url: str, tmp_path: Path) -> Path:
    """A copy of the seeded database, in which the first comment's author is banned."""
    await seed(services)
    source = Path(database_url.removeprefix("sqlite:///"))
    path = tmp_path / "seeded.db"
    copy_database(source, path)
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO bans (kind, value, created_by, created_us) SELECT 'email',"
            " author_email_hash, 'test', 0 FROM comments WHERE author_email_hash IS NOT NULL"
        )
        for values in EXTRA_ROOTS:
            db.execute(ADD_ROOT.text, values)
        for statement in VOTE_AND_IMAGE:
            db.execute(statement.text)
    db.close()
    return path


@sqlite_only
async def test_every_marked_statement_answers_and_writes_as_sqlalchemy_does(
    seeded: Path, tmp_path: Path
) -> None:
    statements = cases(seeded)
    assert {id(s) for s, _ in statements} == {id(s) for s in marked()}, (
        "a marked statement has no case"
    )
    by_sqlalchemy, replayed = tmp_path / "a.db", tmp_path / "b.db"
    copy_database(seeded, by_sqlalchemy)
    copy_database(seeded, replayed)

    engine = sa.create_engine(f"sqlite:///{by_sqlalchemy}")
    with engine.begin() as conn:
        expected = [
            answer(conn.execute(statement, parameters)) for statement, parameters in statements
        ]
    engine.dispose()
    by_engine: list[str] = []

    def log_statement(*args: Any) -> None:
        by_engine.append(args[2])  # (connection, cursor, statement, ...)

    sa.event.listen(sa.Engine, "before_cursor_execute", log_statement)
    try:
        with inline_on(replayed) as inline:
            async with inline.transaction() as conn:
                got = [answer(await conn.execute(s, parameters)) for s, parameters in statements]
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", log_statement)

    assert got == expected
    assert ("rowcount", 1) in got  # the updates found their rows
    assert all(rows for keys, rows in got if keys != "rowcount")  # and every read found some
    assert tables_of(replayed) == tables_of(by_sqlalchemy)
    # sqlite3 ran them: SQLAlchemy executed only the transaction's BEGIN and COMMIT.
    assert [s for s in by_engine if not s.startswith("PRAGMA")] == ["BEGIN IMMEDIATE", "COMMIT"]


# Top-level comments beside the first, at its time and score, so that every form of a page's
# top-level read (pinned or not, inline feedback or not, after a cursor at the first comment)
# finds one: two pinned (one inline), one inline.
ADD_ROOT = sa.text(
    "INSERT INTO comments (id, thread_id, depth, status, author_name, body, body_html,"
    " created_us, upvotes, downvotes, score, descendant_count, pinned, is_anchored,"
    " author_is_staff) SELECT id || CAST(:suffix AS VARCHAR), thread_id, 0, 'published', 'Cy',"
    " 'x', 'x', created_us, 0, 0, score, 0, CAST(:pinned AS BOOLEAN),"
    " CAST(:anchored AS BOOLEAN), false FROM comments WHERE depth = 0 AND author_name != 'Cy'"
)
EXTRA_ROOTS = [
    {"suffix": "p", "pinned": True, "anchored": False},
    {"suffix": "q", "pinned": True, "anchored": True},
    {"suffix": "r", "pinned": False, "anchored": True},
]

# A vote and an image on the first comment, for the statements reading a page's votes and
# images.
VOTE_AND_IMAGE = [
    sa.text(
        "INSERT INTO votes (comment_id, voter, value, created_us) SELECT id, 'v', 1, 0"
        " FROM comments WHERE author_email_hash IS NOT NULL"
    ),
    sa.text(
        "INSERT INTO images (id, comment_id, position, kind, width, height, thumbnail_width,"
        " thumbnail_height, byte_size, alt, upload_token_hash, created_us) SELECT 'img1', id, 0,"
        " 'png', 4, 3, 4, 3, 99, 'A map', 'h', 0 FROM comments WHERE author_email_hash IS NOT NULL"
    ),
    sa.text(
        "INSERT INTO webhook_endpoints (id, site_id, url, events, description, secret, created_us)"
        " SELECT 'hook1', id, 'https://hooks.example/in', '[\"comment.created\"]', 'CMS', 's', 0"
        " FROM sites WHERE name = 'news'"
    ),
]

BAN_THE_FIRST_AUTHOR = sa.text(
    "INSERT INTO bans (kind, value, created_by, created_us) SELECT 'email',"
    " author_email_hash, 'test', 0 FROM comments WHERE author_email_hash IS NOT NULL"
)


SET_SEQUENCE = sa.text("SELECT setval(CAST(:name AS regclass), :value, :used)")


async def postgresql_tables(conn: AsyncConnection) -> dict[str, list[Any]]:
    return {
        table.name: sorted(map(tuple, (await conn.execute(sa.select(table))).all()), key=repr)
        for table in metadata.sorted_tables
    }


@pytest.mark.postgresql
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_every_marked_statement_answers_and_writes_on_asyncpg_as_sqlalchemy_does(
    services: Services, database_url: str
) -> None:
    """PostgreSQL (rostra.storage.replaying): each side runs every marked statement in one
    transaction, reads every table and rolls back; the sequences are set back in between."""
    await seed(services)
    engine = create_async_engine(async_url(database_url))
    try:
        async with engine.begin() as conn:
            await conn.execute(BAN_THE_FIRST_AUTHOR)
            for values in EXTRA_ROOTS:
                await conn.execute(ADD_ROOT, values)
            for statement in VOTE_AND_IMAGE:
                await conn.execute(statement)
            first, reply = (
                await conn.execute(
                    sa.select(comment_rows)
                    .where(comment_rows.c.author_name != "Cy")
                    .order_by(comment_rows.c.depth)
                )
            ).all()
            thread = (await conn.execute(sa.select(threads.threads.c.id))).scalar_one()
            sequences = (
                await conn.execute(sa.text("SELECT sequencename, last_value FROM pg_sequences"))
            ).all()
        statements = cases_for(first, reply, thread)
        assert {id(s) for s, _ in statements} == {id(s) for s in marked()}

        by_engine: list[str] = []

        def log_statement(*args: Any) -> None:
            by_engine.append(args[2])  # (connection, cursor, statement, ...)

        async def run(replays: Replays | None) -> tuple[list[Any], dict[str, list[Any]]]:
            async with engine.connect() as conn:
                transaction = await conn.begin()
                on = ReplayingConnection(conn, replays) if replays else conn
                sa.event.listen(engine.sync_engine, "before_cursor_execute", log_statement)
                try:
                    answers = [answer(await on.execute(s, p), s) for s, p in statements]
                finally:
                    sa.event.remove(engine.sync_engine, "before_cursor_execute", log_statement)
                tables = await postgresql_tables(conn)
                await transaction.rollback()
                for name, value in sequences:  # ids drawn by the rolled-back side, given back
                    await conn.execute(
                        SET_SEQUENCE, {"name": name, "value": value or 1, "used": bool(value)}
                    )
                await conn.commit()
            return answers, tables

        async with engine.connect() as conn:
            before = await postgresql_tables(conn)
        expected = await run(None)
        assert len(by_engine) == len(statements)
        by_engine.clear()
        got = await run(Replays(engine.dialect))
        async with engine.connect() as conn:
            after = await postgresql_tables(conn)
    finally:
        await engine.dispose()
    assert by_engine == []  # asyncpg ran every one, SQLAlchemy none
    assert after == before  # inside the transaction: rolled back with it
    assert got == expected
    assert ("rowcount", 1) in got[0]  # the updates found their rows
    assert all(rows for keys, rows in got[0] if keys != "rowcount")  # and every read found some


@pytest.mark.postgresql
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_refused_statement_on_asyncpg_raises_sqlalchemys_error(
    services: Services, database_url: str
) -> None:
    await seed(services)
    engine = create_async_engine(async_url(database_url))
    replays = Replays(engine.dialect)
    try:
        async with engine.connect() as conn:
            first, reply = (
                await conn.execute(sa.select(comment_rows).order_by(comment_rows.c.depth))
            ).all()
            await conn.rollback()
            statements = dict(cases_for(first, reply, first.thread_id))
            taken = {**statements[comments._INSERT], "id": reply.id}
            on = ReplayingConnection(conn, replays)
            with pytest.raises(sa.exc.IntegrityError, match="pk_comments"):
                async with conn.begin():
                    await on.execute(comments._INSERT, statements[comments._INSERT])
                    await on.execute(comments._INSERT, taken)
            stored = await conn.execute(sa.select(sa.func.count()).select_from(comment_rows))
            assert stored.scalar_one() == 2  # the first insert was rolled back with the second
            await conn.rollback()
    finally:
        await engine.dispose()


@pytest.mark.postgresql
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_lost_connection_under_a_replay_is_invalidated(
    services: Services, database_url: str
) -> None:
    """As SQLAlchemy does for its own statements: the pool must not hand the dead one out."""
    del services  # creates the site
    engine = create_async_engine(async_url(database_url))
    try:
        async with engine.connect() as conn:
            pid = (await conn.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one()
            await conn.rollback()
            async with engine.connect() as other:
                await other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            on = ReplayingConnection(conn, Replays(engine.dialect))
            with pytest.raises(sa.exc.DBAPIError) as raised:
                await on.execute(sites._GET, {"name": "news"})
            assert raised.value.connection_invalidated or conn.invalidated
        async with engine.connect() as conn:  # a new connection from the pool works
            on = ReplayingConnection(conn, Replays(engine.dialect))
            assert (await on.execute(sites._GET, {"name": "news"})).first() is not None
    finally:
        await engine.dispose()


@sqlite_only
async def test_a_refused_replay_raises_sqlalchemys_error_and_changes_nothing(seeded: Path) -> None:
    statements = dict(cases(seeded))
    again = statements[comments._INSERT]
    taken = {**again, "id": statements[comments._GET]["id"]}  # the reply's id
    with inline_on(seeded) as inline:
        with pytest.raises(sa.exc.IntegrityError, match=r"UNIQUE constraint failed: comments\.id"):
            async with inline.transaction() as conn:
                await conn.execute(comments._INSERT, again)  # stored, then rolled back
                await conn.execute(comments._INSERT, taken)
        # SQLAlchemy's own message for a parameter left out; nothing was replayed half-bound.
        with pytest.raises(sa.exc.StatementError, match="bind parameter 'page'"):
            async with inline.transaction() as conn:
                await conn.execute(threads._FIND, {"site": "news"})
    assert len(tables_of(seeded)["comments"]) == 2 + len(EXTRA_ROOTS)  # as seeded


def test_statements_needing_more_than_binding_are_left_to_sqlalchemy() -> None:
    table = sa.Table(
        "t",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("n", sa.Integer),
        sa.Column("made", sa.Integer, default=lambda: 7),  # computed in Python per row
    )
    by_n = sa.select(table.c.id).where(table.c.n == sa.bindparam("n"))
    among = sa.select(table.c.id).where(table.c.n.in_(sa.bindparam("ns", expanding=True)))

    def possible(statement: Any, *names: str) -> bool:
        compiled = statement.compile(dialect=sqlite_dialect(), column_keys=sorted(names))
        return Replay.possible(compiled, frozenset(names))

    assert possible(table.insert(), "id", "n", "made")
    assert not possible(table.insert(), "id", "n")  # the Python-side default
    assert possible(by_n, "n")
    assert not possible(by_n)  # SQLAlchemy names the missing parameter
    assert not possible(among, "ns")  # the IN list is expanded at run time
    later = sa.select(table.c.id).where(table.c.n == sa.bindparam("n", callable_=lambda: 1))
    assert not possible(later)  # its value is computed at each run


@sqlite_only
async def test_a_list_of_parameter_sets_is_left_to_sqlalchemy(seeded: Path) -> None:
    statements = dict(cases(seeded))
    first, reply = statements[comments._GET_LOCKED]["id"], statements[comments._GET]["id"]
    with inline_on(seeded) as inline:
        async with inline.transaction() as conn:
            changes = [{"root": first, "delta": 5}, {"root": reply, "delta": 5}]
            result = await conn.execute(comments._ADJUST_DESCENDANTS, changes)  # executemany
    assert result.rowcount == 2
    with sqlite3.connect(seeded) as db:
        counts = dict(
            db.execute(
                "SELECT id, descendant_count FROM comments WHERE id IN (?, ?)", (first, reply)
            ).fetchall()
        )
    db.close()
    assert counts == {first: 6, reply: 5}  # the reply was counted under its root before
