"""``rostra thread``: an article's settings from the real command line (exit codes, messages,
what is stored and audited), run in this process (tests.cli.test_cli.Cli) but for its help."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli.test_cli import Cli

ARTICLE = "https://news.example/2026/story?part=2"


@pytest.fixture
def cli(news_cli: Cli) -> Cli:
    return news_cli


def stored(database: Path) -> list[tuple[int, str, dict[str, object] | None]]:
    with sqlite3.connect(database) as conn:
        rows = conn.execute("SELECT id, page, settings FROM threads ORDER BY id").fetchall()
    return [(row[0], row[1], json.loads(row[2]) if row[2] else None) for row in rows]


def audit(database: Path) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(database) as conn:
        return list(conn.execute("SELECT actor, action, target, reason FROM audit_log ORDER BY id"))


def test_close_and_open_an_article_in_one_command_each(cli: Cli) -> None:
    closed = cli("thread", "close", "news", ARTICLE, "--reason", "legal hold", "--by", "duty@news")
    assert closed.returncode == 0, closed.stderr
    assert closed.stdout.strip() == "Closed comments on /2026/story?part=2."
    [(thread_id, page, settings)] = stored(cli.database)
    assert (page, settings) == ("/2026/story?part=2", {"closed": True})
    assert audit(cli.database) == [
        ("duty@news", "close_thread", f"thread:{thread_id}", "legal hold")
    ]
    shown = cli("thread", "show", "news", str(thread_id))
    assert shown.returncode == 0, shown.stderr
    assert "comments: closed by staff" in shown.stdout

    opened = cli("thread", "open", "news", "/2026/story?part=2")
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout.strip() == "Opened comments on /2026/story?part=2."
    assert stored(cli.database)[0][2] is None
    actor, action, _, _ = audit(cli.database)[-1]
    assert action == "open_thread"
    assert actor.startswith("cli")


def test_set_changes_only_what_is_given(cli: Cli) -> None:
    first = cli("thread", "set", "news", ARTICLE, "--premoderate", "--slow-minutes", "10",
                "--message", "Please keep it **civil**.")  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert "pre-moderated: yes" in first.stdout
    assert "slow mode: one comment per 10 min" in first.stdout
    second = cli("thread", "set", "news", ARTICLE, "--no-images")
    assert second.returncode == 0, second.stderr
    assert stored(cli.database)[0][2] == {
        "premoderated": True,
        "images": False,
        "slow_minutes": 10,
        "message": "Please keep it **civil**.",
    }
    assert [row[1] for row in audit(cli.database)] == ["thread_settings", "thread_settings"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("set", "news", ARTICLE, "--slow-minutes", "-1"), "'slow_mode_minutes' must be"),
        (("set", "news", ARTICLE, "--slow-minutes", "2000"), "'slow_mode_minutes' must be"),
        (("set", "news", ARTICLE, "--message", "x" * 2001), "longer than 2,000 characters"),
        (("close", "news", ARTICLE, "--reason", "x" * 501), "longer than 500 characters"),
        (("close", "nope", ARTICLE), "There is no site called 'nope'"),
        (("show", "news", ARTICLE), "There is no thread for '/2026/story?part=2'"),
        (("open", "news", "12345"), "There is no thread 12345 on the site 'news'"),
        (("close", "news", "  "), "The page identifier is empty"),
    ],
)
def test_bad_input_exits_non_zero_with_a_message_and_changes_nothing(
    cli: Cli, args: tuple[str, ...], message: str
) -> None:
    result = cli("thread", *args)
    assert result.returncode == 1, result.stdout
    assert message in result.stderr
    assert all(settings is None for _, _, settings in stored(cli.database))
    assert audit(cli.database) == []


def test_help_names_the_commands(cli: Cli) -> None:
    result = cli.process("thread", "--help")
    assert result.returncode == 0
    for command in ("show", "close", "open", "set"):
        assert command in result.stdout
