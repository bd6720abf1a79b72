"""Exports as they come from real sites, hand-written in tests/importers/fixtures/: what is
imported, what is skipped and why, that the summary's numbers add up to the records of the file
(``run_import`` checks it for every import) and that importing each file again adds nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rostra.domain.comments import CommentStatus
from rostra.importers import disqus
from rostra.services.imports import ImportFileError, ImportReport, ImportSource
from rostra.services.registry import Services
from tests.importers.helpers import run_import

FIXTURES = Path(__file__).parent / "fixtures"
PUBLISHED, PENDING = CommentStatus.PUBLISHED.value, CommentStatus.PENDING.value
REJECTED, DELETED = CommentStatus.REJECTED.value, CommentStatus.DELETED.value


async def import_twice(services: Services, source: ImportSource, name: str) -> ImportReport:
    """Import a fixture, then again: the second run adds nothing and skips the same records."""
    first = await run_import(services, source, FIXTURES / name)
    again = await run_import(services, source, FIXTURES / name)
    assert (again.added, again.existing) == (0, first.added + first.existing)
    assert (again.rejected, again.duplicates, again.left_out) == (
        first.rejected,
        first.duplicates,
        first.left_out,
    )
    assert [str(r) for r in again.skipped] == [str(r) for r in first.skipped]
    return first


async def stored(services: Services) -> list[dict[str, Any]]:
    """Every stored comment of the site, as the export writes it."""
    assert services.exports is not None
    return [
        line async for line in services.exports.export_site("news") if line["type"] == "comment"
    ]


def by_body(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["body"]: row for row in rows}


def reasons(report: ImportReport) -> list[str]:
    return [str(record) for record in report.skipped]


# Disqus


async def test_disqus_control_characters_are_removed_and_every_post_imported(
    services: Services,
) -> None:
    report = await import_twice(services, ImportSource.DISQUS, "disqus_control_characters.xml")

    assert (report.records, report.added, report.rejected) == (4, 4, 0)
    assert report.repairs[:2] == [
        "line 4: removed 2 control character(s) XML does not allow (U+0007, U+000B)",
        "line 5: removed 1 control character(s) XML does not allow (U+001B)",
    ]
    # A character reference to a forbidden character: libxml2 keeps it and says so.
    assert report.repairs[2].startswith("line 6: the XML parser recovered from: xmlParseCharRef")
    bodies = by_body(await stored(services))
    assert set(bodies) == {
        "Bell and verticaltab in a body",
        "A clean reply",
        "Reference  in text",
        "Last one, after them all",
    }
    assert bodies["A clean reply"]["author_name"] == "Escaped"
    assert "\x01" not in bodies["Reference  in text"]["body"]


async def test_disqus_control_characters_refused_when_strict(services: Services) -> None:
    with pytest.raises(
        ImportFileError, match=r"line 4: not well-formed XML: CData section not finished"
    ):
        await run_import(
            services, ImportSource.DISQUS, FIXTURES / "disqus_control_characters.xml", strict=True
        )
    assert await stored(services) == []


async def test_disqus_posts_without_their_thread_are_skipped_each_with_its_line(
    services: Services,
) -> None:
    report = await import_twice(services, ImportSource.DISQUS, "disqus_missing_thread.xml")

    assert (report.records, report.added, report.rejected, report.orphans) == (4, 2, 2, 1)
    assert reasons(report) == [
        "line 6: <post dsq:id='2'>: its thread 't404' is not in the file",
        "line 7: <post dsq:id='3'>: it names no thread",  # not taken for the thread without id
    ]
    assert "line 4: <thread dsq:id=None>: a thread without dsq:id; left out." in report.warnings
    rows = by_body(await stored(services))
    assert set(rows) == {"Kept: its thread is here", "Reply to a post that was skipped"}
    assert rows["Reply to a post that was skipped"]["parent_id"] is None  # now top-level


async def test_disqus_deleted_and_spam_flags_in_every_combination(services: Services) -> None:
    report = await import_twice(services, ImportSource.DISQUS, "disqus_flags.xml")

    assert (report.records, report.added, report.rejected) == (8, 7, 1)
    assert reasons(report) == [
        "line 10: <post dsq:id='16'>: <isSpam> is 'maybe', neither true nor false"
    ]
    rows = await stored(services)
    statuses = sorted(row["status"] for row in rows)
    # 10, 14, 17 published; 11 and 13 deleted (deleted wins over spam); 12 and 15 rejected.
    assert statuses == sorted([PUBLISHED] * 3 + [DELETED] * 2 + [REJECTED] * 2)
    bodies = by_body(rows)
    assert bodies["Spam, not deleted"]["status"] == REJECTED
    assert bodies["Flags in capitals"]["status"] == REJECTED
    assert bodies["No flags at all"]["status"] == PUBLISHED
    deleted = [row for row in rows if row["status"] == DELETED]
    assert all(row["body"] == "" and row["author_name"] == "" for row in deleted)
    reply = bodies["Reply under the deleted post"]
    assert reply["parent_id"] in {row["id"] for row in deleted}  # kept under its placeholder


async def test_disqus_unquoted_attribute_is_quoted_and_the_records_after_it_kept(
    services: Services,
) -> None:
    report = await import_twice(services, ImportSource.DISQUS, "disqus_unquoted_attribute.xml")

    assert (report.records, report.added, report.rejected, report.lost) == (4, 4, 0, 0)
    assert report.repairs == [
        "line 5: quoted an attribute value written without quotes: <post dsq:id=2"
    ]
    bodies = by_body(await stored(services))
    assert bodies["After it"]["parent_id"] == bodies["The broken record itself"]["id"]


def test_disqus_unquoted_attribute_refused_when_strict() -> None:
    with pytest.raises(ImportFileError, match=r"line 5: not well-formed XML: AttValue"):
        disqus.read(FIXTURES / "disqus_unquoted_attribute.xml", strict=True)


async def test_disqus_impossible_and_missing_dates_skip_only_their_posts(
    services: Services,
) -> None:
    report = await import_twice(services, ImportSource.DISQUS, "disqus_impossible_date.xml")

    assert (report.records, report.added, report.rejected, report.orphans) == (5, 2, 3, 1)
    assert reasons(report) == [
        "line 5: <post dsq:id='2'>: '2011-x09-30T22:48:43Z' is not a date",
        "line 6: <post dsq:id='3'>: the post has no <createdAt>",
        "line 7: <post dsq:id='4'>: '2019-02-30T10:00:00Z' is not a date",
    ]
    assert set(by_body(await stored(services))) == {
        "A good date",
        "Reply to the post with the impossible date",
    }


async def test_disqus_impossible_date_refused_when_strict(services: Services) -> None:
    with pytest.raises(
        ImportFileError,
        match=r"disqus_impossible_date.xml: line 5: <post dsq:id='2'>: "
        r"'2011-x09-30T22:48:43Z' is not a date\.",
    ):
        await run_import(
            services, ImportSource.DISQUS, FIXTURES / "disqus_impossible_date.xml", strict=True
        )
    assert await stored(services) == []


async def test_xml_the_parser_cannot_repair_counts_the_records_it_lost(
    services: Services, tmp_path: Path
) -> None:
    """An element left open swallows the records after it: they are counted as lost."""
    text = (FIXTURES / "disqus_flags.xml").read_text()
    file = tmp_path / "open.xml"
    file.write_text(text.replace("<isSpam>true</isSpam>", "<isSpam>", 1))

    report = await run_import(services, ImportSource.DISQUS, file)

    assert report.records == 8 and report.lost > 0
    assert any("could be read" in repair for repair in report.repairs)
    assert any("Opening and ending tag mismatch" in repair for repair in report.repairs)


# WordPress


async def test_wordpress_every_kind_and_state_of_comment(services: Services) -> None:
    report = await import_twice(services, ImportSource.WORDPRESS, "wordpress_comment_kinds.xml")

    assert (report.records, report.added, report.left_out) == (14, 10, 2)
    assert (report.rejected, report.duplicates) == (1, 1)
    assert reasons(report) == [
        "line 19: <wp:comment> 13 (post 100): the comment has no date",
        "line 18: <wp:comment> 12 (post 100): comment id '12' appears twice on this page; "
        "the first one was kept",
    ]
    rows = by_body(await stored(services))
    assert {body: row["status"] for body, row in rows.items() if row["body"]} == {
        "Approved (1)": PUBLISHED,
        "Approved (approve)": PUBLISHED,
        "Waiting for moderation (0)": PENDING,
        "Held (hold)": PENDING,
        "Spam": REJECTED,
        "An approval state we do not know": PENDING,  # held for a person to decide
        "A reply to the trashed comment": PUBLISHED,
        "A plain comment with an explicit type": PUBLISHED,
    }
    assert sum(row["status"] == DELETED for row in rows.values() if not row["body"]) == 1
    assert not any("Trackback" in body or "Other blog" in body for body in rows)


async def test_wordpress_parent_in_another_post_becomes_top_level(services: Services) -> None:
    report = await import_twice(services, ImportSource.WORDPRESS, "wordpress_parents_elsewhere.xml")

    assert (report.records, report.added, report.orphans, report.rejected) == (5, 5, 2, 0)
    assert sum("which is not in this thread" in warning for warning in report.warnings) == 2
    rows = by_body(await stored(services))
    assert rows["Replies to 21, which is on the first post"]["parent_id"] is None
    assert rows["Replies to 21, which is on the first post"]["page"] == "/2020/02/second/"
    assert rows["Replies to 22, on its own post"]["parent_id"] == rows["On the second post"]["id"]
    assert rows["Replies to 999, which is nowhere"]["parent_id"] is None


async def test_wordpress_merged_blogs_keep_every_comment_numbered_alike(
    services: Services,
) -> None:
    """Two blogs each with post 1 and comments 10 to 13: eight comments, eight imported."""
    report = await import_twice(services, ImportSource.WORDPRESS, "wordpress_merged_blogs.xml")

    assert (report.records, report.added, report.duplicates, report.threads) == (8, 8, 0, 2)
    rows = by_body(await stored(services))
    assert len(rows) == 8
    for blog in ("A", "B"):
        eleven, reply = rows[f"{blog}: comment eleven"], rows[f"{blog}: reply to eleven"]
        assert reply["parent_id"] == eleven["id"]
        assert rows[f"{blog}: reply to the reply"]["parent_id"] == reply["id"]
        assert eleven["page"] == f"/2020/02/blog-{blog.lower()}-post/"


async def test_a_later_export_of_merged_blogs_adds_only_the_new_comment(
    services: Services, tmp_path: Path
) -> None:
    await run_import(services, ImportSource.WORDPRESS, FIXTURES / "wordpress_merged_blogs.xml")
    text = (FIXTURES / "wordpress_merged_blogs.xml").read_text()
    later = tmp_path / "later.xml"
    # Blog B gets a comment 14 replying to its own comment 11.
    new = text.split("<wp:comment>")[-1].replace("B: reply to the reply", "B: a new one")
    new = new.replace("<wp:comment_id>13<", "<wp:comment_id>14<")
    new = new.replace("<wp:comment_parent>12<", "<wp:comment_parent>11<")
    later.write_text(text.replace("</item>\n</channel>", f"<wp:comment>{new}</item>\n</channel>"))

    report = await run_import(services, ImportSource.WORDPRESS, later)

    assert (report.records, report.added, report.existing) == (9, 1, 8)
    rows = by_body(await stored(services))
    assert rows["B: a new one"]["parent_id"] == rows["B: comment eleven"]["id"]
