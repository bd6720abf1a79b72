"""Importing WordPress (wpDiscuz) WXR exports: votes from comment meta, statuses, threading."""

from __future__ import annotations

from pathlib import Path

import pytest

from rostra.domain.comments import CommentStatus
from rostra.importers import wordpress
from rostra.services.callers import Caller
from rostra.services.imports import ImportFileError, ImportSource
from rostra.services.registry import Services
from rostra.services.thread_reads import ThreadQuery
from tests.importers.generators import BASE_TIME, Page, Post, write_wxr
from tests.importers.helpers import run_import

POST = Page("12", "https://news.example/2020/02/article/", "Article")
SEPARATE = 'a:2:{s:4:"like";i:7;s:7:"dislike";i:2;}'


async def read(services: Services, page: str = "/2020/02/article/"):
    return await services.comments.read_thread(ThreadQuery("news", page, limit=100), Caller())


def test_wpdiscuz_vote_meta_gives_up_and_down_counts() -> None:
    assert wordpress.votes_from_meta({"wpdiscuz_votes_seperate": SEPARATE}) == (7, 2)
    assert wordpress.votes_from_meta({"wpdiscuz_votes": "5"}) == (5, 0)
    assert wordpress.votes_from_meta({"wpdiscuz_votes": "-3"}) == (0, 3)
    assert wordpress.votes_from_meta({"wpdiscuz_votes": "many"}) == (0, 0)
    assert wordpress.votes_from_meta({}) == (0, 0)


async def test_comments_replies_and_votes_are_imported(services: Services, tmp_path: Path) -> None:
    posts = [
        Post("5", "12", "First line\n\nSecond <em>para</em>", author="Ann",
             meta={"wpdiscuz_votes": "5", "wpdiscuz_votes_seperate": SEPARATE}),
        Post("6", "12", "Reply", parent="5", meta={"wpdiscuz_votes": "-1"}),
        Post("7", "12", "Pingback", kind="pingback"),
    ]  # fmt: skip
    file = write_wxr(tmp_path / "wp.xml", [POST], posts)

    report = await run_import(services, ImportSource.WORDPRESS, file)

    assert (report.added, report.vote_totals) == (2, 10)
    page = await read(services)
    [root] = page.comments
    assert root.comment.created_at == BASE_TIME  # comment_date_gmt, not the local time
    assert (root.comment.upvotes, root.comment.downvotes, root.comment.score) == (7, 2, 5)
    assert root.comment.body_html == "<p>First line</p>\n<p>Second <em>para</em></p>"
    assert root.comment.author_url == "https://reader.example"
    [reply] = root.replies
    assert (reply.comment.upvotes, reply.comment.downvotes) == (0, 1)


async def test_held_spam_and_trashed_comments_keep_their_status(
    services: Services, tmp_path: Path
) -> None:
    posts = [
        Post("1", "12", "Held", status="0"),
        Post("2", "12", "Spam", status="spam"),
        Post("3", "12", "Trash", status="trash"),
        Post("4", "12", "Fine", status="1"),
    ]
    file = write_wxr(tmp_path / "wp.xml", [POST], posts)

    await run_import(services, ImportSource.WORDPRESS, file)

    assert services.exports is not None
    rows = [
        line async for line in services.exports.export_site("news") if line["type"] == "comment"
    ]
    assert sorted(row["status"] for row in rows) == sorted(
        s.value for s in (CommentStatus.PENDING, CommentStatus.REJECTED,
                          CommentStatus.DELETED, CommentStatus.PUBLISHED)
    )  # fmt: skip
    assert (await read(services)).comment_count == 1


async def test_reimport_adds_nothing(services: Services, tmp_path: Path) -> None:
    file = write_wxr(tmp_path / "wp.xml", [POST], [Post("1", "12"), Post("2", "12", parent="1")])
    await run_import(services, ImportSource.WORDPRESS, file)

    again = await run_import(services, ImportSource.WORDPRESS, file)

    assert (again.added, again.existing) == (0, 2)


async def test_a_truncated_file_is_read_to_where_it_stops_or_refused_when_strict(
    services: Services, tmp_path: Path
) -> None:
    second = Page("13", "https://news.example/2020/02/other/", "Other")
    file = write_wxr(tmp_path / "wp.xml", [POST, second], [Post("1", "12"), Post("2", "13")])
    text = file.read_text()
    file.write_text(text[: text.index("<wp:comment_approved>", text.index("<wp:comment_id>2<"))])

    with pytest.raises(ImportFileError, match=r"wp\.xml: line \d+: not well-formed XML"):
        wordpress.read(file, strict=True)
    report = await run_import(services, ImportSource.WORDPRESS, file)

    # The cut comment still has its id, date and text: it is imported, and the cut is said.
    assert (report.records, report.added) == (2, 2)
    assert any("Premature end of data" in repair for repair in report.repairs)


def test_a_disqus_file_is_not_taken_for_wordpress(tmp_path: Path) -> None:
    file = tmp_path / "d.xml"
    file.write_text('<disqus xmlns="http://disqus.com"/>')
    with pytest.raises(ImportFileError, match="not a WordPress export"):
        wordpress.read(file)
