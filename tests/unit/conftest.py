"""Unit tests run the services on a fresh SQLite file only; the PostgreSQL runs of the same
storage contract live in tests/integration."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty SQLite file of this test's own."""
    path = tmp_path / "rostra.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"
