"""Importing Isso databases made by the real ``isso`` package's own schema and insert code."""

from __future__ import annotations

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
