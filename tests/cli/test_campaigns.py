"""``rostra campaign``: campaigns and manual donations from the real command line: the
database is prepared by processes, the campaigns are run in this process
(tests.cli.test_cli.Cli) but for the refusal of a moderator's donation."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.cli.conftest import cli_on_copy
from tests.cli.test_cli import Cli
from tests.cli.test_users import run

ADMIN = "admin@news.example"
MODERATOR = "mod@news.example"
PASSWORD = "a long enough passphrase"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory, news_database: Path) -> Path:
    """The "news" database with an admin and a moderator (password hashing runs once)."""
    cli = cli_on_copy(tmp_path_factory.mktemp("campaign-cli"), news_database)
    for email, role in ((ADMIN, "admin"), (MODERATOR, "moderator")):
        added = run(cli, "user", "add", email, "--role", role, "--password-stdin", stdin=PASSWORD)
        assert added.returncode == 0, added.stderr
    return cli.database


@pytest.fixture
def cli(tmp_path: Path, prepared: Path) -> Cli:
    return cli_on_copy(tmp_path, prepared)


def ledger_rows(database: Path) -> list[tuple[str, int, str | None, str]]:
    with sqlite3.connect(database) as conn:
        rows = conn.execute(
            "SELECT provider, amount_minor, entered_by, note FROM donations ORDER BY id"
        )
        return list(rows)


def test_create_list_donate_and_ledger(cli: Cli) -> None:
    created = cli("campaign", "create", "news", "--goal", "5000", "--currency", "eur",
                  "--milestone", "2500", "--preset", "15", "--title", "Winter drive",
                  "--by", ADMIN)  # fmt: skip
    assert created.returncode == 0, created.stderr
    campaign_id = created.stdout.split("Created campaign ")[1].split("\t")[0]
    assert "5000.00 EUR" in created.stdout
    donated = cli("campaign", "donate", campaign_id, "150.50", "--note", "bank ref 42",
                  "--by", ADMIN)  # fmt: skip
    assert donated.returncode == 0, donated.stderr
    assert f"Recorded 150.50 EUR on campaign {campaign_id}, entered by {ADMIN}." in donated.stdout
    assert ledger_rows(cli.database) == [("manual", 15050, ADMIN, "bank ref 42")]
    listed = cli("campaign", "list", "news", "--by", MODERATOR)
    assert listed.returncode == 0, listed.stderr
    assert "150.50 of 5000.00 EUR\tWinter drive" in listed.stdout
    ledger = cli("campaign", "ledger", campaign_id, "--by", MODERATOR)
    assert "manual" in ledger.stdout and "150.50" in ledger.stdout and ADMIN in ledger.stdout
    updated = cli("campaign", "update", campaign_id, "--goal", "8000", "--by", ADMIN)
    assert updated.returncode == 0, updated.stderr
    assert "150.50 of" not in updated.stdout and "8000.00 EUR\tWinter drive" in updated.stdout


def test_bad_input_is_refused_with_a_message(cli: Cli) -> None:
    cases = [
        (("create", "news", "--goal", "-5", "--by", ADMIN), "more than zero"),
        (("create", "news", "--goal", "10", "--milestone", "20", "--by", ADMIN), "milestone"),
        (("create", "news", "--goal", "10", "--by", "nobody@news.example"), "no active staff"),
        (("create", "news", "--goal", "10", "--by", MODERATOR), "Only admins"),
        (("donate", "nosuchcampaign", "10", "--by", ADMIN), "no campaign"),
    ]
    for args, message in cases:
        result = cli("campaign", *args)
        assert result.returncode != 0, args
        assert message in result.stderr, (args, result.stderr)
    assert ledger_rows(cli.database) == []


def test_moderators_cannot_record_donations(cli: Cli) -> None:
    created = cli.process("campaign", "create", "news", "--goal", "100", "--by", ADMIN)
    campaign_id = created.stdout.split("Created campaign ")[1].split("\t")[0]
    result = cli.process("campaign", "donate", campaign_id, "10", "--by", MODERATOR)
    assert result.returncode == 1
    assert "Only admins" in result.stderr
    assert ledger_rows(cli.database) == []
