"""The real ``rostra`` command line, run as a subprocess on a temporary SQLite file (the
``site`` commands but one in this process: see ``Cli``)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.in_process import run_rostra

TIMEOUT = 60  # a command that hangs (a server that started by mistake) fails the test


class Cli:
    """Runs ``python -m rostra`` with a clean environment in its own folder.

    With ``in_process``, calling it runs the same command line inside the test's process
    instead (tests/in_process.py): for the tests of what a command does, where the process
    boundary is not the point. ``process`` always starts a process: for stdin that is not a
    terminal, secrets kept off the output, output as the shell gets it. This module, and at
    least one test of each command group, use processes.
    """

    def __init__(self, folder: Path, *, in_process: bool = False) -> None:
        self.folder = folder
        self.database = folder / "rostra.db"
        self.in_process = in_process
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("ROSTRA_")}
        # Wide, plain output so that help text is not wrapped or coloured.
        self.env.update(
            ROSTRA_DATABASE_URL=f"sqlite:///{self.database}",
            COLUMNS="200",
            NO_COLOR="1",
            TERM="dumb",
        )

    def __call__(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        if self.in_process:
            return self.inside(*args, stdin=stdin)
        return self.process(*args, stdin=stdin)

    def process(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """``python -m rostra ARGS`` in a process of its own, ``stdin`` piped in if given."""
        return subprocess.run(
            [sys.executable, "-m", "rostra", *args],
            cwd=self.folder,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )

    def inside(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """The same command line run in this process (tests/in_process.py)."""
        return run_rostra(args, self.env, self.folder, stdin)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def stored_sites(cli: Cli) -> list[tuple[str, list[str]]]:
    """(name, origins) of every stored site, read straight from the database file."""
    if not cli.database.exists():
        return []
    with sqlite3.connect(cli.database) as conn:
        rows = conn.execute("SELECT name, origins FROM sites ORDER BY name").fetchall()
    return [(name, json.loads(origins)) for name, origins in rows]


# Help

COMMANDS = [[], ["serve"], ["demo"], ["migrate"], ["site"], ["site", "add"], ["site", "allow"],
            ["site", "list"], ["media"], ["media", "migrate"], ["webhook"],
            ["webhook", "add"]]  # fmt: skip
# An example: "e.g. …", "Example: …", or a whole command line with an option.
EXAMPLE = re.compile(r"e\.g\.|Example:|\brostra [a-z][^\n]* --[a-z]")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "rostra")
def test_help_of_every_command_teaches_with_an_example(cli: Cli, command: list[str]) -> None:
    result = cli(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout
    description = "\n".join(line for line in result.stdout.splitlines() if "Usage:" not in line)
    assert EXAMPLE.search(description), f"no example in the help of {command}:\n{result.stdout}"


def test_version_is_printed(cli: Cli) -> None:
    result = cli("--version")
    assert result.returncode == 0
    assert re.fullmatch(r"rostra \d+\.\d+\.\d+\S*\n", result.stdout)


# migrate


def test_migrate_creates_the_schema(cli: Cli) -> None:
    result = cli("migrate")
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
    assert {"alembic_version", "sites", "threads", "comments", "votes"} <= tables(cli.database)


def test_migrate_twice_is_harmless(cli: Cli) -> None:
    assert cli("migrate").returncode == 0
    again = cli("migrate")
    assert again.returncode == 0, again.stderr
    assert "up to date" in again.stdout


def test_database_flag_wins_over_the_environment(cli: Cli) -> None:
    chosen = cli.folder / "chosen.db"
    result = cli("migrate", "--database", f"sqlite:///{chosen}")
    assert result.returncode == 0, result.stderr
    assert "sites" in tables(chosen)
    assert not cli.database.exists()


# site: in this process (tests/in_process.py), but for a refusal


@pytest.fixture
def site_cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path, in_process=True)


def test_added_site_is_listed_with_its_origins(site_cli: Cli) -> None:
    added = site_cli("site", "add", "daily", "--origin", "https://x.example", "--origin",
                     "https://WWW.x.example:443/", "--title", "The Daily")  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "daily" in added.stdout
    listed = site_cli("site", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [
        "daily\thttps://x.example https://www.x.example\tThe Daily"
    ]


def test_site_list_on_an_empty_database_says_how_to_add_one(site_cli: Cli) -> None:
    listed = site_cli("site", "list")
    assert listed.returncode == 0, listed.stderr
    assert "rostra site add" in listed.stdout


def test_adding_a_site_twice_fails_naming_the_problem(cli: Cli) -> None:
    assert cli("site", "add", "daily", "--origin", "https://x.example").returncode == 0
    again = cli("site", "add", "daily", "--origin", "https://y.example")
    assert again.returncode != 0
    assert "'daily' exists already" in again.stderr
    assert "Traceback" not in again.stderr
    assert stored_sites(cli) == [("daily", ["https://x.example"])]


@pytest.mark.parametrize("origin", ["ftp://x", "not a url", "https://x.example/path"])
def test_invalid_origin_fails_naming_it_and_stores_nothing(site_cli: Cli, origin: str) -> None:
    result = site_cli("site", "add", "daily", "--origin", origin)
    assert result.returncode != 0
    assert f"{origin!r} is not an origin" in result.stderr
    assert "https://example.org" in result.stderr  # what an origin looks like
    assert "Traceback" not in result.stderr
    assert stored_sites(site_cli) == []


@pytest.mark.parametrize("name", ["Daily News", "_daily", "x" * 64])
def test_invalid_site_name_fails_explaining_the_rule_and_stores_nothing(
    site_cli: Cli, name: str
) -> None:
    result = site_cli("site", "add", name, "--origin", "https://x.example")
    assert result.returncode != 0
    assert "site name is 1-63 characters" in result.stderr
    assert "Traceback" not in result.stderr
    assert stored_sites(site_cli) == []


def test_allowing_origins_adds_to_a_site(site_cli: Cli) -> None:
    assert site_cli("site", "add", "daily", "--origin", "https://x.example").returncode == 0
    allowed = site_cli("site", "allow", "daily", "--origin", "https://m.x.example")
    assert allowed.returncode == 0, allowed.stderr
    assert site_cli("site", "list").stdout.splitlines() == [
        "daily\thttps://x.example https://m.x.example\t"
    ]


def test_allowing_origins_for_an_unknown_site_fails(site_cli: Cli) -> None:
    result = site_cli("site", "allow", "nope", "--origin", "https://x.example")
    assert result.returncode != 0
    assert "no site called 'nope'" in result.stderr


# serve and configuration errors


def test_serve_with_an_unsupported_database_fails_clearly(cli: Cli) -> None:
    result = cli("serve", "--database", "mysql://x", "--port", "1")
    assert result.returncode != 0
    assert "Unsupported database 'mysql://x'" in result.stderr
    assert "sqlite:///" in result.stderr  # says what is supported
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("value", ["0", "soon"])
def test_serve_refuses_a_keep_alive_that_is_not_a_positive_number(cli: Cli, value: str) -> None:
    result = cli("serve", "--keep-alive", value, "--port", "1")
    assert result.returncode == 2
    assert "--keep-alive" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["migrate"], ["site", "list"]])
def test_config_file_with_an_unknown_setting_exits_2_naming_it(
    cli: Cli, command: list[str]
) -> None:
    config = cli.folder / "rostra.toml"
    config.write_text('colour = "red"\n', encoding="utf-8")
    result = cli(*command, "--config", str(config))
    assert result.returncode == 2
    assert "unknown setting 'colour'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["site", "list"]])
def test_config_file_with_a_syntax_error_exits_2_naming_the_file(
    cli: Cli, command: list[str]
) -> None:
    config = cli.folder / "broken.toml"
    config.write_text('database_url = "sqlite:///x.db\n', encoding="utf-8")
    result = cli(*command, "--config", str(config))
    assert result.returncode == 2
    assert "Cannot read the configuration file" in result.stderr
    assert "broken.toml" in result.stderr
    assert not (cli.folder / "x.db").exists()


def test_config_file_that_does_not_exist_exits_2_naming_it(cli: Cli) -> None:
    result = cli("migrate", "--config", "missing.toml")
    assert result.returncode == 2
    assert "missing.toml" in result.stderr
    assert "does not exist" in result.stderr


def test_bad_environment_setting_exits_2_naming_the_variable(cli: Cli) -> None:
    cli.env["ROSTRA_RATE_LIMITS"] = "sometimes"
    result = cli("site", "list")
    assert result.returncode == 2
    assert "ROSTRA_RATE_LIMITS must be on or off" in result.stderr


def test_config_file_database_is_used(cli: Cli) -> None:
    target = cli.folder / "from-file.db"
    config = cli.folder / "rostra.toml"
    config.write_text(f'database_url = "sqlite:///{target}"\n', encoding="utf-8")
    del cli.env["ROSTRA_DATABASE_URL"]
    result = cli("migrate", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "sites" in tables(target)
