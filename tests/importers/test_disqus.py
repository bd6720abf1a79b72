"""Importing Disqus exports: mapping, threading, idempotency, and hostile files."""

from __future__ import annotations

import resource
import time
from datetime import timedelta
from pathlib import Path

import pytest

from rostra.domain.comments import CommentStatus
from rostra.domain.errors import NotFoundError
from rostra.services.callers import Caller
from rostra.services.imports import ImportFileError, ImportSource
from rostra.services.registry import Services
from rostra.services.thread_reads import ThreadQuery
from tests.importers.generators import BASE_TIME, Page, Post, write_disqus
from tests.importers.helpers import run_import

ARTICLE = Page("t1", "https://news.example/2019/03/article/?utm=x", "An article")
READER = Caller()


async def read(services: Services, page: str, limit: int = 100):
    return await services.comments.read_thread(ThreadQuery("news", page, limit=limit), READER)


def flatten(nodes):
    for node in nodes:
        yield node
        yield from flatten(node.replies)


async def test_threads_authors_dates_and_replies_are_kept(
    services: Services, tmp_path: Path
) -> None:
    posts = [
        Post("1", "t1", "<p>First <b>bold</b> words</p>", author="Ada", created=BASE_TIME),
        Post(
            "2", "t1", "A reply", author="Bob", parent="1", created=BASE_TIME + timedelta(hours=1)
        ),
        Post("3", "t1", "Reply to reply", parent="2", created=BASE_TIME + timedelta(hours=2)),
    ]
    file = write_disqus(tmp_path / "disqus.xml", [ARTICLE], posts)

    report = await run_import(services, ImportSource.DISQUS, file)

    assert (report.threads, report.added, report.orphans, report.failed_threads) == (1, 3, 0, 0)
    page = await read(services, "/2019/03/article/")
    assert page.title == "An article" and page.comment_count == 3
    [root] = page.comments
    assert root.comment.author_name == "Ada"
    assert root.comment.created_at == BASE_TIME
    assert root.comment.body_html == "<p>First <strong>bold</strong> words</p>"
    [reply] = root.replies
    assert reply.comment.author_name == "Bob" and reply.comment.parent_id == root.comment.id
    assert reply.replies[0].comment.parent_id == reply.comment.id
    assert reply.replies[0].comment.created_at == BASE_TIME + timedelta(hours=2)


async def test_importing_twice_creates_nothing_new(services: Services, tmp_path: Path) -> None:
    posts = [Post(str(n), "t1", f"Comment {n}") for n in range(5)]
    file = write_disqus(tmp_path / "disqus.xml", [ARTICLE], posts)
    await run_import(services, ImportSource.DISQUS, file)

    again = await run_import(services, ImportSource.DISQUS, file)

    assert (again.added, again.existing) == (0, 5)
    assert (await read(services, "/2019/03/article/")).comment_count == 5


async def test_a_later_export_adds_only_new_comments_and_refreshes_the_thread(
    services: Services, tmp_path: Path
) -> None:
    first = write_disqus(tmp_path / "one.xml", [ARTICLE], [Post("1", "t1", "Old")])
    await run_import(services, ImportSource.DISQUS, first)
    before = await read(services, "/2019/03/article/")
    later = write_disqus(
        tmp_path / "two.xml",
        [ARTICLE],
        [Post("1", "t1", "Old"), Post("2", "t1", "New reply", parent="1")],
    )

    report = await run_import(services, ImportSource.DISQUS, later)

    after = await read(services, "/2019/03/article/")
    assert (report.added, report.existing) == (1, 1)
    assert after.cache_key != before.cache_key  # the thread's version moved: caches refresh
    assert [r.comment.body for r in after.comments[0].replies] == ["New reply"]


async def test_reply_to_a_missing_parent_becomes_top_level_with_a_warning(
    services: Services, tmp_path: Path
) -> None:
    posts = [Post("1", "t1", "Root"), Post("2", "t1", "Orphan", parent="999")]
    file = write_disqus(tmp_path / "disqus.xml", [ARTICLE], posts)

    report = await run_import(services, ImportSource.DISQUS, file)

    assert report.orphans == 1 and report.added == 2
    assert any("'999'" in warning and "top-level" in warning for warning in report.warnings)
    page = await read(services, "/2019/03/article/")
    assert sorted(node.comment.body for node in page.comments) == ["Orphan", "Root"]


async def test_duplicate_ids_keep_the_first_record(services: Services, tmp_path: Path) -> None:
    posts = [Post("1", "t1", "First copy"), Post("1", "t1", "Second copy")]
    file = write_disqus(tmp_path / "disqus.xml", [ARTICLE], posts)

    report = await run_import(services, ImportSource.DISQUS, file)

    assert (report.added, report.duplicates) == (1, 1)
    [node] = (await read(services, "/2019/03/article/")).comments
    assert node.comment.body == "First copy"


async def test_script_tags_and_html_in_bodies_never_reach_the_page(
    services: Services, tmp_path: Path
) -> None:
    body = (
        '<p>See <a href="https://example.org/x">this</a> and '
        '<a href="javascript:alert(1)">that</a></p><script>alert("x")</script>'
        '<img src=x onerror="alert(2)"><p>&lt;script&gt;alert(3)&lt;/script&gt;</p>'
        '<iframe src="https://evil.example"></iframe><blockquote>quoted</blockquote>'
    )
    file = write_disqus(tmp_path / "disqus.xml", [ARTICLE], [Post("1", "t1", body)])

    await run_import(services, ImportSource.DISQUS, file)

    [node] = (await read(services, "/2019/03/article/")).comments
    html = node.comment.body_html
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html
    assert "<iframe" not in html
    assert '<a href="https://example.org/x" rel="nofollow ugc noopener">this</a>' in html
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html  # shown as text, harmless
    assert "<blockquote>" in html


async def test_deleted_and_spam_posts_keep_their_status(services: Services, tmp_path: Path) -> None:
    posts = [
        Post("1", "t1", "Deleted root", deleted=True),
        Post("2", "t1", "Reply under it", parent="1"),
        Post("3", "t1", "Buy pills", spam=True),
    ]
    file = write_disqus(tmp_path / "disqus.xml", [ARTICLE], posts)

    await run_import(services, ImportSource.DISQUS, file)

    page = await read(services, "/2019/03/article/")
    assert page.comment_count == 1
    [placeholder] = page.comments
    assert placeholder.comment.status is CommentStatus.DELETED
    assert placeholder.comment.body == "" and placeholder.comment.author_name == ""
    assert placeholder.replies[0].comment.body == "Reply under it"


async def test_a_body_over_the_limit_is_shortened_with_a_marker(
    services: Services, tmp_path: Path
) -> None:
    file = write_disqus(tmp_path / "disqus.xml", [ARTICLE], [Post("1", "t1", "word " * 4000)])

    report = await run_import(services, ImportSource.DISQUS, file)

    assert report.truncated == 1
    [node] = (await read(services, "/2019/03/article/")).comments
    assert len(node.comment.body) <= 10_000
    assert node.comment.body.endswith("the original was 19,999 characters]")


async def test_a_thread_of_thousands_is_imported_whole(services: Services, tmp_path: Path) -> None:
    posts = [Post("0", "t1", "Root")] + [
        Post(
            str(n), "t1", f"Reply {n}", parent=str(n - 1), created=BASE_TIME + timedelta(seconds=n)
        )
        for n in range(1, 3000)
    ]
    file = write_disqus(tmp_path / "disqus.xml", [ARTICLE], posts)

    report = await run_import(services, ImportSource.DISQUS, file)

    assert report.added == 3000
    page = await read(services, "/2019/03/article/")
    assert page.comment_count == 3000
    assert page.comments[0].reply_count == 2999


async def test_dry_run_writes_nothing(services: Services, tmp_path: Path) -> None:
    file = write_disqus(tmp_path / "disqus.xml", [ARTICLE], [Post("1", "t1"), Post("2", "t1")])

    report = await run_import(services, ImportSource.DISQUS, file, dry_run=True)

    assert report.added == 2 and report.dry_run
    page = await read(services, "/2019/03/article/")
    assert page.comment_count == 0 and page.comments == []
    assert (await run_import(services, ImportSource.DISQUS, file)).added == 2


async def test_an_unknown_site_is_refused(services: Services, tmp_path: Path) -> None:
    file = write_disqus(tmp_path / "disqus.xml", [ARTICLE], [Post("1", "t1")])
    with pytest.raises(NotFoundError, match="no site called 'elsewhere'"):
        await run_import(services, ImportSource.DISQUS, file, site="elsewhere")


async def test_posts_of_an_unknown_thread_are_reported(services: Services, tmp_path: Path) -> None:
    file = write_disqus(tmp_path / "disqus.xml", [ARTICLE], [Post("1", "t1"), Post("2", "nope")])

    report = await run_import(services, ImportSource.DISQUS, file)

    assert (report.records, report.added, report.rejected) == (2, 1, 1)
    [skipped] = report.skipped
    assert skipped.record.startswith("line 6: <post dsq:id='2'>")
    assert skipped.reason == "its thread 'nope' is not in the file"


def test_latin1_bytes_in_a_utf8_file_name_the_line(tmp_path: Path) -> None:
    from rostra.importers import disqus

    file = write_disqus(tmp_path / "disqus.xml", [ARTICLE], [Post("1", "t1", "caf-MARK")])
    file.write_bytes(file.read_bytes().replace(b"caf-MARK", "café".encode("latin-1")))

    with pytest.raises(ImportFileError, match=r"line 5: .*UTF-8"):
        disqus.read(file, strict=True)
    with disqus.read(file) as spool:  # without --strict: read, and the repair said
        [thread] = spool.threads()
        assert thread.comments[0].body == "caf\ufffd"
        [repair] = spool.repairs
        assert repair.startswith("line 5: the XML parser recovered from: Invalid bytes")
        assert "the file must be UTF-8" in repair


def test_malformed_xml_names_the_line(tmp_path: Path) -> None:
    from rostra.importers import disqus

    file = write_disqus(tmp_path / "disqus.xml", [ARTICLE], [Post("1", "t1")])
    file.write_text(file.read_text().replace("</post>", "</pots>"))

    with pytest.raises(ImportFileError, match=r"line 5: not well-formed XML"):
        disqus.read(file, strict=True)


def test_a_file_that_is_not_a_disqus_export_is_refused(tmp_path: Path) -> None:
    from rostra.importers import disqus

    file = tmp_path / "rss.xml"
    file.write_text('<?xml version="1.0"?><rss><channel/></rss>')
    with pytest.raises(ImportFileError, match="not a Disqus export"):
        disqus.read(file)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE disqus [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
<thread dsq:id="t1"><link>https://news.example/a</link></thread>
<post dsq:id="1"><message>&lol9;</message><createdAt>2019-01-01T00:00:00Z</createdAt>
<thread dsq:id="t1"/></post>
</disqus>
"""


def test_a_billion_laughs_file_is_refused_quickly_in_bounded_memory(tmp_path: Path) -> None:
    from rostra.importers import disqus

    file = tmp_path / "bomb.xml"
    file.write_text(BILLION_LAUGHS)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()

    with pytest.raises(ImportFileError, match="DOCTYPE"):
        disqus.read(file)

    assert time.monotonic() - started < 2
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    assert grown_kib < 50_000


def test_external_entities_are_never_fetched(tmp_path: Path) -> None:
    from rostra.importers import disqus

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    file = tmp_path / "xxe.xml"
    file.write_text(
        f'<?xml version="1.0"?><!DOCTYPE disqus [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<disqus xmlns="http://disqus.com"><post><message>&x;</message></post></disqus>'
    )
    with pytest.raises(ImportFileError, match="DOCTYPE"):
        disqus.read(file)


def test_reading_a_large_export_keeps_memory_bounded(tmp_path: Path) -> None:
    """60,000 posts (a 30 MB file) take about 230 MB as a whole tree; the streaming reader
    stays near the interpreter's own size (about 35 MB). Measured in a fresh process."""
    import subprocess
    import sys

    pages = [Page(f"t{n}", f"https://news.example/{n}") for n in range(600)]
    posts = (Post(str(n), f"t{n % 600}", "<p>" + "words " * 40 + "</p>") for n in range(60_000))
    file = write_disqus(tmp_path / "big.xml", pages, posts)
    script = (
        "import sys\nfrom pathlib import Path\nfrom rostra.importers import disqus\n"
        "spool = disqus.read(Path(sys.argv[1]))\n"
        "count = sum(len(thread.comments) for thread in spool.threads())\n"
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forked test process.
        "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print(count, int(peak.split()[1]) // 1024)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(file)], capture_output=True, text=True, timeout=110
    )
    assert result.returncode == 0, result.stderr
    count, peak_mib = map(int, result.stdout.split())
    assert count == 60_000
    assert file.stat().st_size > 25 * 2**20
    assert peak_mib < 120


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", r"x\.xml: line 1: not well-formed XML"),
        ("hello world", r"x\.xml: no XML element: the file is empty or not XML\."),
    ],
)
def test_an_empty_or_non_xml_file_is_refused_clearly(
    tmp_path: Path, content: str, message: str
) -> None:
    from rostra.importers import disqus

    file = tmp_path / "x.xml"
    file.write_text(content)
    with pytest.raises(ImportFileError, match=message):
        disqus.read(file)
