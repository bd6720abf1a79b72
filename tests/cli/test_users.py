"""``rostra user``: staff accounts from the real command line (SQLite file). Passwords come on
a process's stdin; the other tests run the command in this process (tests.cli.test_cli.Cli)."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from tests.cli.test_cli import Cli

PASSWORD = "a long enough passphrase"


def run(cli: Cli, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``rostra ARGS`` with ``stdin`` piped in (never a terminal)."""
    return cli(*args, stdin=stdin if stdin is not None else "")


def stored_users(database: Path) -> list[tuple[str, str, str]]:
    if not database.exists():
        return []
    with sqlite3.connect(database) as conn:
        try:
            rows = conn.execute("SELECT email, role, password_hash FROM users ORDER BY email")
            return [(email, role, password_hash) for email, role, password_hash in rows]
        except sqlite3.OperationalError:  # not migrated: no table
            return []


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path, in_process=True)


def test_password_from_stdin_is_stored_as_argon2(cli: Cli) -> None:
    result = cli.process("user", "add", "Mod@Example.org", "--role", "moderator",
                         "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Added moderator mod@example.org" in result.stdout
    assert PASSWORD not in result.stdout
    ((email, role, password_hash),) = stored_users(cli.database)
    assert (email, role) == ("mod@example.org", "moderator")
    assert PasswordHasher().verify(password_hash, PASSWORD)


def test_without_a_terminal_a_password_is_generated_and_printed_once(cli: Cli) -> None:
    result = cli.process("user", "add", "admin@example.org", "--role", "admin", stdin="")
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("Password: ")]
    password = line.removeprefix("Password: ")
    assert len(password) >= 12
    ((_, role, password_hash),) = stored_users(cli.database)
    assert role == "admin"
    assert PasswordHasher().verify(password_hash, password)


def test_listed_users_show_role(cli: Cli) -> None:
    run(cli, "user", "add", "b@example.org", "--role", "admin", "--password-stdin", stdin=PASSWORD)
    run(cli, "user", "add", "a@example.org", "--role", "moderator", "--password-stdin",
        stdin=PASSWORD)  # fmt: skip
    listed = run(cli, "user", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == ["a@example.org\tmoderator", "b@example.org\tadmin"]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["not-an-email", "--role", "admin"], PASSWORD, "is not an email address"),
        (["x@example.org", "--role", "owner"], PASSWORD, "'moderator' or 'admin'"),
        (["x@example.org", "--role", "admin"], "short", "at least 12 characters"),
    ],
    ids=["bad-email", "bad-role", "short-password"],
)
def test_bad_input_fails_with_a_message_and_stores_nothing(
    cli: Cli, args: list[str], stdin: str, message: str
) -> None:
    result = run(cli, "user", "add", *args, "--password-stdin", stdin=stdin)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert stored_users(cli.database) == []


def test_duplicate_email_is_refused(cli: Cli) -> None:
    first = run(cli, "user", "add", "a@example.org", "--role", "admin", "--password-stdin",
                stdin=PASSWORD)  # fmt: skip
    assert first.returncode == 0, first.stderr
    again = run(cli, "user", "add", "A@example.org", "--role", "moderator", "--password-stdin",
                stdin=PASSWORD)  # fmt: skip
    assert again.returncode == 1
    assert "exists already" in again.stderr or "already" in again.stderr
    assert [(e, r) for e, r, _ in stored_users(cli.database)] == [("a@example.org", "admin")]


def test_totp_prints_a_provisioning_uri(cli: Cli) -> None:
    run(cli, "user", "add", "a@example.org", "--role", "admin", "--password-stdin", stdin=PASSWORD)
    result = run(cli, "user", "totp", "a@example.org")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("otpauth://totp/Rostra:a%40example.org?secret=")
    unknown = run(cli, "user", "totp", "nobody@example.org")
    assert unknown.returncode == 1
    assert "no staff account" in unknown.stderr
