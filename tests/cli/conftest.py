"""What the command-line tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_cli import Cli


@pytest.fixture(scope="session")
def news_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database with the site "news" (https://news.example), made once per
    test process: a test copies it (``news_cli``) rather than migrate a database of its own."""
    cli = Cli(tmp_path_factory.mktemp("news-site"), in_process=True)
    added = cli("site", "add", "news", "--origin", "https://news.example")
    assert added.returncode == 0, added.stderr
    return cli.database


def cli_on_copy(folder: Path, database: Path) -> Cli:
    """The command line (in this process) on a copy of ``database`` in ``folder``: a test
    starts from a database prepared once instead of migrating one of its own."""
    cli = Cli(folder, in_process=True)
    cli.database.write_bytes(database.read_bytes())
    return cli


@pytest.fixture
def news_cli(tmp_path: Path, news_database: Path) -> Cli:
    """The command line (in this process) on a copy of ``news_database`` in ``tmp_path``."""
    return cli_on_copy(tmp_path, news_database)
