"""Importing Isso databases made by the real ``isso`` package's own schema and insert code."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from rostra.importers import isso
from rostra.services.callers import Caller
from rostra.services.imports import ImportFileError, ImportSource
from rostra.services.registry import Services
from rostra.services.thread_reads import ThreadQuery
from tests.importers.generators import BASE_TIME, Page, Post, isso_tables, write_isso
from tests.importers.helpers import run_import

PAGE = Page("p", "/2021/05/story", "Story")


async def test_an_isso_database_is_imported_with_likes_and_threading(
    services: Services, tmp_path: Path
) -> None:
    posts = [
        Post("a", "p", "Some *Markdown*", author="Isa", created=BASE_TIME),
        Post("b", "p", "Reply", parent="a", created=BASE_TIME + timedelta(minutes=1)),
        Post("c", "p", "Waiting", status="0", created=BASE_TIME + timedelta(minutes=2)),
        Post("d", "p", "Gone", deleted=True, created=BASE_TIME + timedelta(minutes=3)),
    ]
    file = write_isso(tmp_path / "comments.db", [PAGE], posts, likes=4)
    assert {"threads", "comments", "preferences"} <= isso_tables(file)

    report = await run_import(services, ImportSource.ISSO, file)

    assert report.added == 4 and report.failed_threads == 0
    page = await services.comments.read_thread(ThreadQuery("news", "/2021/05/story"), Caller())
    assert page.title == "Story" and page.comment_count == 2
    [root] = page.comments
    assert root.comment.body_html == "<p>Some <em>Markdown</em></p>"
    assert (root.comment.upvotes, root.comment.downvotes) == (4, 1)
    assert root.comment.created_at == BASE_TIME
    assert root.replies[0].comment.body == "Reply"

    assert (await run_import(services, ImportSource.ISSO, file)).added == 0


def test_a_file_that_is_not_an_isso_database_is_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ImportFileError, match=r"not an SQLite database|not an Isso database"):
        isso.IssoDatabase(text)
    with pytest.raises(ImportFileError, match="is not a file"):
        isso.IssoDatabase(tmp_path / "missing.db")


def break_rows(path: Path, *statements: str) -> None:
    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement)


async def test_isso_rows_that_cannot_be_read_are_skipped_and_reported(
    services: Services, tmp_path: Path
) -> None:
    posts = [
        Post("a", "p", "Fine", created=BASE_TIME),
        Post("b", "p", "Reply to the row with a broken time", parent="a"),
        Post("c", "p", "Likes that are not a number"),
        Post("d", "p", "Its thread is gone"),
        Post("e", "p", "Also fine"),
    ]
    file = write_isso(tmp_path / "comments.db", [PAGE], posts)
    # SQLite keeps any value in any column: what a hand-edited or damaged database holds.
    break_rows(
        file,
        "UPDATE comments SET created = 'yesterday' WHERE text = 'Fine'",
        "UPDATE comments SET likes = 'many' WHERE text = 'Likes that are not a number'",
        "UPDATE comments SET tid = 99 WHERE text = 'Its thread is gone'",
    )

    report = await run_import(services, ImportSource.ISSO, file)

    assert (report.records, report.added, report.rejected, report.orphans) == (5, 2, 3, 1)
    assert [str(record) for record in report.skipped] == [
        "comment id 1: created 'yesterday' is not a time",
        "comment id 3: likes 'many' is not a number",
        "comment id 4: its thread is not in the database",
    ]
    again = await run_import(services, ImportSource.ISSO, file)
    assert (again.added, again.existing, again.rejected) == (0, 2, 3)
    with pytest.raises(ImportFileError, match=r"comments.db: comment id 1: created 'yesterday'"):
        isso.IssoDatabase(file, strict=True)
