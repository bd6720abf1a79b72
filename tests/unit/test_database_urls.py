"""Which database a URL names (rostra.storage.urls), the one place that decides it."""

from __future__ import annotations

from pathlib import Path

import pytest

from rostra.storage.urls import backend_of, sqlite_file


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("sqlite:///var/rostra/rostra.db", "sqlite"),
        ("sqlite+aiosqlite:///x.db", "sqlite"),
        ("sqlite://", "sqlite"),
        ("postgresql://rostra:secret@db.internal:5432/rostra", "postgresql"),
        ("postgres://db/rostra", "postgresql"),
        ("postgresql+asyncpg://db/rostra", "postgresql"),
        ("mysql://db/rostra", None),
        ("not a url", None),
        ("", None),
    ],
)
def test_the_backend_of_a_url(url: str, backend: str | None) -> None:
    assert backend_of(url) == backend


def test_the_file_of_a_sqlite_url() -> None:
    assert sqlite_file("sqlite:////var/rostra/rostra.db") == Path("/var/rostra/rostra.db")
    assert sqlite_file("sqlite:///rostra.db") == Path("rostra.db")
    assert sqlite_file("sqlite://") is None
    assert sqlite_file("sqlite:///:memory:") is None
    assert sqlite_file("postgresql://db/rostra") is None
