"""``rostra import …`` and ``rostra export`` as people run them: exit codes and messages (in
this process, tests.cli.test_cli.Cli, but for the refusal of a broken file)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli.test_cli import Cli
from tests.importers.generators import Page, Post, write_disqus, write_wxr

ARTICLE = Page("t1", "https://news.example/2019/03/article/", "An article")


@pytest.fixture
def cli(news_cli: Cli) -> Cli:
    return news_cli


def comment_count(cli: Cli, database: Path | None = None) -> int:
    with sqlite3.connect(database or cli.database) as conn:
        return int(conn.execute("SELECT count(*) FROM comments").fetchone()[0])


def test_import_prints_a_summary_and_a_second_run_adds_nothing(cli: Cli, tmp_path: Path) -> None:
    posts = [Post("1", "t1", "Hi"), Post("2", "t1", "Re", parent="1"), Post("3", "t1", parent="9")]
    file = write_disqus(tmp_path / "disqus.xml", [ARTICLE], posts)

    first = cli("import", "disqus", str(file), "--site", "news")

    assert first.returncode == 0, first.stderr
    assert "3  comments imported" in first.stdout
    assert "1  replies whose parent is missing" in first.stdout
    assert "replies to '9'" in first.stderr
    assert comment_count(cli) == 3

    second = cli("import", "disqus", str(file), "--site", "news")

    assert second.returncode == 0, second.stderr
    assert "0  comments imported" in second.stdout
    assert "3  comments already imported before" in second.stdout
    assert comment_count(cli) == 3


def test_dry_run_reports_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    file = write_wxr(
        tmp_path / "wp.xml", [Page("12", "https://news.example/p/")], [Post("1", "12")]
    )

    result = cli("import", "wordpress", str(file), "--site", "news", "--dry-run")

    assert result.returncode == 0, result.stderr
    assert "dry run: nothing was written" in result.stdout
    assert "1  comments would be imported" in result.stdout
    assert comment_count(cli) == 0


def test_a_broken_file_with_strict_exits_non_zero_naming_the_line(cli: Cli, tmp_path: Path) -> None:
    file = write_disqus(tmp_path / "disqus.xml", [ARTICLE], [Post("1", "t1"), Post("2", "t1")])
    file.write_text(file.read_text().replace("<isSpam>false</isSpam>", "<isSpam>", 1))

    result = cli.process("import", "disqus", str(file), "--site", "news", "--strict")

    assert result.returncode == 1
    assert "Error: disqus.xml: line 5: not well-formed XML" in result.stderr
    assert "Traceback" not in result.stderr
    assert comment_count(cli) == 0


def test_unknown_site_and_missing_file_are_clear_errors(cli: Cli, tmp_path: Path) -> None:
    file = write_disqus(tmp_path / "disqus.xml", [ARTICLE], [Post("1", "t1")])

    unknown = cli("import", "disqus", str(file), "--site", "elsewhere")
    missing = cli("import", "isso", str(tmp_path / "nope.db"), "--site", "news")

    assert unknown.returncode == 1 and "no site called 'elsewhere'" in unknown.stderr
    assert missing.returncode == 1 and "nope.db does not exist" in missing.stderr


def test_export_then_restore_into_a_new_database(cli: Cli, tmp_path: Path) -> None:
    posts = [Post("1", "t1", "<p>Hi <i>there</i></p>"), Post("2", "t1", "Re", parent="1")]
    assert cli("import", "disqus", str(write_disqus(tmp_path / "d.xml", [ARTICLE], posts)),
               "--site", "news").returncode == 0  # fmt: skip
    out = tmp_path / "news.jsonl"

    exported = cli("export", "--site", "news", "--output", str(out))

    assert exported.returncode == 0, exported.stderr
    assert "1 thread, 2 comments" in exported.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["type"] for line in lines] == ["site", "thread", "comment", "comment"]
    assert lines[2]["body"] == "Hi *there*"

    restored_db = tmp_path / "restored.db"
    restore = Cli(tmp_path, in_process=True)
    restore.env["ROSTRA_DATABASE_URL"] = f"sqlite:///{restored_db}"
    restored = restore("import", "rostra", str(out), "--site", "news")

    assert restored.returncode == 0, restored.stderr
    assert comment_count(cli, restored_db) == 2
    again = restore("export", "--site", "news")
    assert [json.loads(line) for line in again.stdout.splitlines()] == lines


def test_export_of_an_unknown_site_fails_without_leaving_a_file(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "x.jsonl"
    result = cli("export", "--site", "nope", "--output", str(out))

    assert result.returncode == 1 and "no site called 'nope'" in result.stderr
    assert not out.exists() and not (tmp_path / "x.jsonl.partial").exists()


FIXTURES = Path(__file__).parents[1] / "importers" / "fixtures"


def test_broken_records_are_skipped_listed_and_written_to_the_report(
    cli: Cli, tmp_path: Path
) -> None:
    report = tmp_path / "report.txt"

    result = cli(
        "import", "disqus", str(FIXTURES / "disqus_impossible_date.xml"), "--site", "news",
        "--report", str(report),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "5  comment records in the file, which are:" in result.stdout
    assert "2  comments imported" in result.stdout
    assert "3  records skipped" in result.stdout
    assert "3 record(s) skipped:" in result.stderr
    assert "- line 5: <post dsq:id='2'>: '2011-x09-30T22:48:43Z' is not a date" in result.stderr
    written = report.read_text()
    assert "skipped: line 5: <post dsq:id='2'>: '2011-x09-30T22:48:43Z' is not a date" in written
    assert "skipped: line 6: <post dsq:id='3'>: the post has no <createdAt>" in written
    assert "warning: Comment '5'" in written  # its parent was skipped: now top-level
    assert "5  comment records in the file" in written
    assert comment_count(cli) == 2


def test_repairs_are_listed_and_strict_refuses_what_would_be_repaired(
    cli: Cli, tmp_path: Path
) -> None:
    file = str(FIXTURES / "disqus_unquoted_attribute.xml")
    report = tmp_path / "report.txt"

    strict = cli("import", "disqus", file, "--site", "news", "--strict", "--report", str(report))

    assert strict.returncode == 1
    assert "Error: disqus_unquoted_attribute.xml: line 5: not well-formed XML" in strict.stderr
    assert (
        report.read_text()
        .splitlines()[1]
        .startswith("error: disqus_unquoted_attribute.xml: line 5: not well-formed XML")
    )
    assert comment_count(cli) == 0

    repaired = cli("import", "disqus", file, "--site", "news")

    assert repaired.returncode == 0, repaired.stderr
    assert "1  repairs to read the file" in repaired.stdout
    assert "line 5: quoted an attribute value written without quotes" in repaired.stderr
    assert comment_count(cli) == 4


def test_a_report_that_cannot_be_written_stops_before_importing(cli: Cli, tmp_path: Path) -> None:
    result = cli(
        "import", "wordpress", str(FIXTURES / "wordpress_merged_blogs.xml"), "--site", "news",
        "--report", str(tmp_path / "missing-folder" / "report.txt"),
    )  # fmt: skip

    assert result.returncode == 1
    assert "Cannot write the report to" in result.stderr and "Traceback" not in result.stderr
    assert comment_count(cli) == 0


def test_the_terminal_lists_the_first_skipped_records_and_counts_the_rest(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from rostra.cli.imports import _summary
    from rostra.services.imports import ImportReport, ImportSource, SkippedRecord

    written: list[SkippedRecord] = []
    report = ImportReport(ImportSource.DISQUS, "news", dry_run=False, on_skip=written.append)
    for n in range(250):
        report.records += 1
        report.rejected += 1
        report.skip(SkippedRecord(f"line {n}", "broken"))

    _summary(report, Path("x.xml"))

    err = capsys.readouterr().err
    assert "250 record(s) skipped:" in err
    assert "  - line 199: broken\n" in err and "line 200: broken" not in err
    assert "… and 50 more (--report FILE lists every one)" in err
    assert len(written) == 250  # what --report writes: every one
