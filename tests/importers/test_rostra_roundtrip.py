"""``rostra export`` then ``rostra import rostra`` into an empty database gives the same site."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from rostra.bootstrap import build_services
from rostra.config import Settings
from rostra.domain.dsa import NoticeAction, Statement
from rostra.domain.paging import Sort
from rostra.domain.subscriptions import SubscriptionKind
from rostra.importers.rostra import RostraExport
from rostra.services.callers import Caller
from rostra.services.comments import CommentDraft
from rostra.services.dsa import NoticeForm
from rostra.services.editorial import ThreadChanges
from rostra.services.imports import ImportFileError, ImportSource
from rostra.services.registry import Services
from rostra.services.thread_reads import ThreadQuery
from rostra.storage.database import Database, async_url
from rostra.storage.tables import metadata
from tests.conftest import ORIGIN, SECRET_KEY, MovableClock
from tests.importers.helpers import run_import

AUTHOR = Caller(ip="203.0.113.9", origin=ORIGIN)


@pytest.fixture
async def empty_services(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[Services]:
    """Services on a second, empty database: no sites, no comments."""
    path = tmp_path / "restored.db"
    shutil.copyfile(sqlite_template, path)
    services = build_services(
        Settings(database_url=f"sqlite:///{path}", secret_key=SECRET_KEY, rate_limits=False)
    )
    yield services
    for hook in services.on_shutdown:
        await hook()


async def export_lines(services: Services, site: str = "news") -> list[dict[str, Any]]:
    assert services.exports is not None
    return [line async for line in services.exports.export_site(site)]


def write_lines(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


async def table_rows(url: str, table: str, leave_out: set[str]) -> list[dict[str, Any]]:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            result = await conn.execute(sa.select(metadata.tables[table]))
            rows = [{k: v for k, v in row._mapping.items() if k not in leave_out} for row in result]
    finally:
        await engine.dispose()
    return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True, default=str))


async def populate(services: Services, clock: MovableClock, settings: Settings) -> None:
    post = services.comments.post_comment
    first = await post(CommentDraft("news", "/a", "Hello **world**", "Ann", "Page A",
                                    author_email="ann@example.org"), AUTHOR)  # fmt: skip
    clock.advance(minutes=1)
    reply = await post(
        CommentDraft("news", "/a", "A reply", "Bob", parent_id=first.comment.id), AUTHOR
    )
    clock.advance(minutes=1)
    await post(CommentDraft("news", "/a", "Deeper", "Cy", parent_id=reply.comment.id), AUTHOR)
    anchored = await post(
        CommentDraft("news", "/b", "About this passage", "Dee",
                     anchor={"exact": "passage", "prefix": "the ", "suffix": " here"}),
        AUTHOR,
    )  # fmt: skip
    gone = await post(CommentDraft("news", "/b", "Regret", "Eve"), AUTHOR)
    await post(
        CommentDraft("news", "/b", "Reply to regret", "Fay", parent_id=gone.comment.id), AUTHOR
    )
    await services.comments.delete_comment(
        gone.comment.id, Caller(edit_token=gone.edit_token, origin=ORIGIN)
    )
    await services.comments.edit_comment(
        anchored.comment.id, "About this passage, edited",
        Caller(edit_token=anchored.edit_token, origin=ORIGIN),
    )  # fmt: skip
    for voter, value in (("v1", 1), ("v2", 1), ("v3", -1)):
        await services.votes.cast_vote(first.comment.id, value, Caller(voter=voter, origin=ORIGIN))
    await services.reactions.set_site_reactions("news", ["Agree", "😂", "Insightful"])
    for voter, reaction in (("v1", "Agree"), ("v2", "😂"), ("v4", "Agree")):
        await services.reactions.react(
            first.comment.id, reaction, Caller(voter=voter, origin=ORIGIN)
        )
    await services.reactions.react(reply.comment.id, "Insightful", Caller(voter="v1"))
    # Per-article settings and an editor's pick, and an article closed before its first comment.
    editorial = services.editorial
    assert editorial is not None
    changes = ThreadChanges(closed=True, images=False, slow_minutes=5, message="Be **kind**.")
    await editorial.update_thread("ed@news.example", first.comment.thread_id, changes, "hold")
    await editorial.feature("ed@news.example", first.comment.id, "Worth reading.")
    quiet = await editorial.find_thread("news", "/c", create=True)
    await editorial.update_thread("ed@news.example", quiet.id, ThreadChanges(premoderated=True))
    clock.advance(days=1)
    staff = await services.staff.add_user("mod@news.example", "moderator", "a long password here")  # type: ignore[union-attr]
    assert services.reader_history is not None and services.dsa is not None
    await services.reader_history.add_note(staff, first.comment.id, "Knows the bridge well.")
    notice = await services.dsa.submit(
        NoticeForm(reply.comment.id, "defamation", "It names me falsely.", "Gus",
                   "gus@example.org", True),
        AUTHOR,
    )  # fmt: skip
    await services.dsa.decide(staff, notice.notice.id, NoticeAction.KEEP, "An opinion.")
    assert services.subscriptions is not None
    database = Database(settings.database_url)
    try:
        async with database.write() as tx:
            # A statement of reasons (mail is off here, so written directly) and its appeal.
            statement = Statement(
                "SROUNDTRIP00001", "news", reply.comment.id, "reject", "Off-topic.",
                "Excerpt.", None, True, "mod@news.example", "author@example.org",
                clock.now(),
            )  # fmt: skip
            await tx.statements.add(statement)
            await tx.statements.appeal(statement.id, "It was on topic.", clock.now())
            await services.subscriptions.add_in(
                tx, "news", "/a", "reader@example.org", SubscriptionKind("all")
            )
    finally:
        await database.close()


async def test_export_then_restore_into_an_empty_database_is_exact(
    services: Services,
    empty_services: Services,
    clock: MovableClock,
    settings: Settings,
    tmp_path: Path,
) -> None:
    await populate(services, clock, settings)
    exported = await export_lines(services)
    file = write_lines(tmp_path / "news.jsonl", exported)
    assert [line["type"] for line in exported].count("comment") == 6
    assert [line["type"] for line in exported].count("vote") == 3
    assert [line["type"] for line in exported].count("subscription") == 1
    threads = {line["page"]: line for line in exported if line["type"] == "thread"}
    assert threads["/a"]["settings"] == {
        "closed": True, "images": False, "slow_minutes": 5, "message": "Be **kind**."
    }  # fmt: skip
    assert threads["/c"]["settings"] == {"premoderated": True}
    assert "settings" not in threads["/b"]
    [picked] = [line for line in exported if line["type"] == "comment" and line["featured_us"]]
    assert picked["featured_note"] == "Worth reading."
    assert [line["type"] for line in exported].count("reader_note") == 1
    assert [line["type"] for line in exported].count("dsa_notice") == 1
    [statement] = [line for line in exported if line["type"] == "dsa_statement"]
    assert (statement["appeal_status"], statement["automated"]) == ("open", True)
    assert [line["type"] for line in exported].count("reaction") == 4
    assert exported[0]["reactions"] == ["Agree", "😂", "Insightful"]

    report = await run_import(empty_services, ImportSource.ROSTRA, file)

    assert (report.added, report.votes, report.reactions, report.subscriptions) == (6, 3, 4, 1)
    assert report.staff_records == 3
    assert await export_lines(empty_services) == exported
    target = empty_services.imports._storage.url  # type: ignore[union-attr]
    for table, leave_out in (
        ("comments", {"edit_token_hash", "thread_id"}),
        ("votes", set()),
        ("reactions", set()),
        ("threads", {"id", "version", "site_id"}),
        ("sites", {"id", "created_us"}),
        ("subscriptions", {"site_id"}),
        ("reader_notes", {"id", "site_id"}),
        ("dsa_notices", {"site_id"}),
        ("dsa_statements", {"site_id"}),
    ):
        source_rows = await table_rows(settings.database_url, table, leave_out)
        target_rows = await table_rows(target, table, leave_out)
        differences = [
            (table, key, a[key], b.get(key))
            for a, b in zip(source_rows, target_rows, strict=True)
            for key in a
            if a[key] != b.get(key)
        ]
        assert len(source_rows) == len(target_rows) and differences == [], differences

    again = await run_import(empty_services, ImportSource.ROSTRA, file)
    assert (again.added, again.votes, again.reactions, again.existing) == (0, 0, 0, 6)
    assert (again.subscriptions, again.staff_records) == (0, 0)
    restored = await empty_services.comments.read_thread(
        ThreadQuery("news", "/a", Sort.REACTIONS), Caller()
    )
    assert dict(restored.comments[0].comment.reactions) == {"Agree": 2, "😂": 1}
    assert restored.reactions == ("Agree", "😂", "Insightful")


async def test_a_damaged_export_names_its_line(tmp_path: Path) -> None:
    file = tmp_path / "bad.jsonl"
    file.write_bytes(
        b'{"type": "site", "name": "news"}\n{"type": "thread", "page": "/a"}\n'
        b'{"type": "comment", "id": "x", "page": "/a", "body": "caf\xe9"}\n'
    )
    with pytest.raises(ImportFileError, match=r"line 3: the line is not UTF-8 \(byte 0xe9"):
        RostraExport(file, strict=True)
    skipping = RostraExport(file)  # without --strict the line is skipped, with its reason
    assert [str(r) for r in skipping.skipped()] == [
        "line 3: the line is not UTF-8 (byte 0xe9 at column 58)."
    ]
    assert (skipping.record_count, skipping.comment_count) == (1, 0)
    file.write_text('{"type": "site", "name": "news"}\n{"type": "thread", "page": \n')
    with pytest.raises(ImportFileError, match="line 2: not JSON"):
        RostraExport(file, strict=True)
    file.write_text('{"type": "thread", "page": "/a"}\n')
    with pytest.raises(ImportFileError, match="line 1: the first line must be the site line"):
        RostraExport(file)


async def test_export_of_an_unknown_site_is_refused(services: Services) -> None:
    from rostra.domain.errors import NotFoundError

    with pytest.raises(NotFoundError):
        await export_lines(services, "nope")


async def test_restoring_creates_the_site_with_its_origins(
    empty_services: Services, tmp_path: Path
) -> None:
    file = write_lines(
        tmp_path / "x.jsonl",
        [{"type": "site", "name": "old", "title": "Old News", "origins": ["https://old.example"]}],
    )
    await run_import(empty_services, ImportSource.ROSTRA, file, site="copy")

    site = await empty_services.sites.get_site("copy")
    assert site.origins == ("https://old.example",) and site.title == "Old News"


async def test_a_thread_that_fails_half_way_leaves_nothing_behind(
    services: Services, tmp_path: Path
) -> None:
    taken = await services.comments.post_comment(
        CommentDraft("news", "/elsewhere", "I own this id", "Ann"), AUTHOR
    )
    comment = {"type": "comment", "status": "published", "author_name": "Zed",
               "created_at": "2020-01-01T00:00:00+00:00"}  # fmt: skip
    file = write_lines(
        tmp_path / "x.jsonl",
        [
            {"type": "site", "name": "news"},
            {"type": "thread", "page": "/fine", "created_at": "2020-01-01T00:00:00+00:00"},
            {**comment, "id": "fine-1", "page": "/fine", "body": "Fine"},
            {"type": "thread", "page": "/clash", "created_at": "2020-01-01T00:00:00+00:00"},
            {**comment, "id": "clash-1", "page": "/clash", "body": "Would be first"},
            {**comment, "id": taken.comment.id, "page": "/clash", "body": "Clashes"},
        ],
    )

    report = await run_import(services, ImportSource.ROSTRA, file)

    assert (report.added, report.failed_threads) == (1, 1)
    assert "'/clash' (line 4)" in report.errors[0] and "already used" in report.errors[0]
    database = Database(services.imports._storage.url)  # type: ignore[union-attr]
    try:
        async with database.read() as tx:
            assert await tx.threads.find("news", "/fine") is not None
            assert await tx.threads.find("news", "/clash") is None
            assert await tx.comments.get("clash-1") is None
    finally:
        await database.close()


async def test_a_broken_comment_line_is_skipped_and_the_rest_restored(
    empty_services: Services, tmp_path: Path
) -> None:
    file = tmp_path / "export.jsonl"
    created = "2020-02-01T10:00:00+00:00"
    lines = [
        {"type": "site", "name": "news", "title": "News", "origins": ["https://news.example"]},
        {"type": "thread", "page": "/a", "title": "A", "created_at": created},
        {"type": "comment", "id": "c1", "page": "/a", "parent_id": None, "status": "published",
         "author_name": "A", "body": "kept", "created_at": created},
        {"type": "comment", "id": "c2", "page": "/a", "parent_id": "c1", "status": "nonsense",
         "author_name": "B", "body": "broken status", "created_at": created},
        {"type": "comment", "id": "c3", "page": "/a", "parent_id": "c2", "status": "published",
         "author_name": "C", "body": "reply to the broken one", "created_at": created},
        {"type": "vote", "comment_id": "c1", "voter": "v1", "value": 1, "created_at": created},
        {"type": "vote", "comment_id": "c2", "voter": "v1", "value": 1, "created_at": created},
        {"type": "thread", "page": "/b", "title": "B", "created_at": "the day before"},
        {"type": "comment", "id": "c4", "page": "/b", "parent_id": None, "status": "published",
         "author_name": "D", "body": "its thread line is broken", "created_at": created},
    ]  # fmt: skip
    file.write_text("\n".join(json.dumps(line) for line in lines) + "\n{not json\n")

    report = await run_import(empty_services, ImportSource.ROSTRA, file)

    assert (report.records, report.added, report.rejected, report.orphans) == (6, 2, 4, 1)
    assert [str(record) for record in report.skipped] == [
        "line 4: bad comment: 'nonsense' is not a valid CommentStatus.",
        "line 8: 'the day before' is not a time.",
        "line 9: the comment does not follow a readable line of its thread.",
        "line 10: not JSON: Expecting property name enclosed in double quotes.",
    ]
    assert report.votes == 1  # the vote on the skipped comment is left out, and said so
    assert "1 vote(s) on skipped comments were left out." in report.warnings
    again = await run_import(empty_services, ImportSource.ROSTRA, file)
    assert (again.added, again.existing) == (0, 2)
    with pytest.raises(ImportFileError, match="line 4: bad comment"):
        RostraExport(file, strict=True)


async def test_bad_thread_settings_name_their_line(tmp_path: Path) -> None:
    file = tmp_path / "bad-settings.jsonl"
    lines = [
        {"type": "site", "name": "news"},
        {"type": "thread", "page": "/a", "settings": {"slow_minutes": -3}},
        {"type": "comment", "id": "x", "page": "/a", "body": "Hi", "status": "published",
         "created_at": "2026-11-01T10:00:00+00:00"},
        {"type": "thread", "page": "/b", "settings": {"closed": "yes"}},
        {"type": "thread", "page": "/c", "settings": {"colour": "red"}},
    ]  # fmt: skip
    write_lines(file, lines)
    with pytest.raises(ImportFileError, match="line 2: bad thread settings: 'slow_mode_minutes'"):
        RostraExport(file, strict=True)
    skipping = RostraExport(file)
    assert [str(r) for r in skipping.skipped()] == [
        "line 2: bad thread settings: 'slow_mode_minutes' must be a whole number from 0 (off) "
        "to 1,440.",
        "line 3: the comment does not follow a readable line of its thread.",
        "line 4: bad thread settings: 'closed' must be true or false.",
        "line 5: bad thread settings: Unknown thread setting 'colour'.",
    ]
