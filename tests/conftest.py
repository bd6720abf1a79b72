"""Shared fixtures: real databases (SQLite file per test, PostgreSQL per session), the real app.

PostgreSQL tests need ROSTRA_TEST_POSTGRESQL_URL (default postgresql://postgres@127.0.0.1:5432/test);
when it does not answer they are skipped with a notice, unless ROSTRA_REQUIRE_SERVICES=1 (set by
.ci/run), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from rostra.bootstrap import build_services, run_blocking
from rostra.config import Settings
from rostra.services.registry import Services
from rostra.storage.database import async_url
from rostra.storage.migrate import upgrade
from rostra.storage.tables import metadata
from rostra.web.app import create_app

POSTGRESQL_URL = os.environ.get(
    "ROSTRA_TEST_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


MAX_TEST_WORKERS = 8
REDIS_DATABASES = 16  # Redis's default number of databases


def _redis_url_of_this_worker(url: str) -> str:
    """Each xdist worker gets a Redis database of its own (gw0: the one named, gw1: one below,
    …, of Redis's 16): tests empty their database and listen on its channel. At most eight
    workers (the Makefile's cap), so that the eight other databases stay free for tests that
    need a second one (``other_redis_database``)."""
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    if worker >= MAX_TEST_WORKERS:
        raise RuntimeError(f"At most {MAX_TEST_WORKERS} test processes share one Redis.")
    base = int(httpx.URL(url).path.strip("/") or 0)
    return str(httpx.URL(url).copy_with(path=f"/{(base - worker) % REDIS_DATABASES}"))


def other_redis_database(url: str) -> str:
    """A Redis database that no test process uses as its own (see above)."""
    ours = int(httpx.URL(url).path.strip("/"))
    return str(httpx.URL(url).copy_with(path=f"/{(ours + MAX_TEST_WORKERS) % REDIS_DATABASES}"))


REDIS_URL = _redis_url_of_this_worker(
    os.environ.get("ROSTRA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
)
REQUIRE_SERVICES = os.environ.get("ROSTRA_REQUIRE_SERVICES") == "1"
SECRET_KEY = "test-secret-key-that-is-long-enough-for-rostra"
ORIGIN = "https://news.example"


def _answers(url: str, default_port: int) -> bool:
    parsed = httpx.URL(url.replace("postgresql://", "http://").replace("redis://", "http://"))
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or default_port), 2):
            return True
    except OSError:
        return False


def service_missing(name: str, url: str) -> None:
    """Skip (locally) or fail (CI) because a service the test needs does not answer."""
    message = f"{name} at {url} does not answer"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message}, and ROSTRA_REQUIRE_SERVICES=1 requires it.")
    pytest.skip(f"{message}; start it to run these tests.")


def pytest_report_header() -> list[str]:
    lines = []
    for name, url, port in (("PostgreSQL", POSTGRESQL_URL, 5432), ("Redis", REDIS_URL, 6379)):
        state = "available" if _answers(url, port) else "NOT AVAILABLE: its tests will be skipped"
        lines.append(f"rostra: {name} {url}: {state}")
    return lines


@dataclass
class MovableClock:
    """A clock the test moves; starts at the real time so stored data looks normal."""

    moment: datetime

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime.now(UTC))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once by the real Alembic chain; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "rostra.db"
    upgrade(f"sqlite:///{path}")
    return path


async def postgresql_admin(*statements: str) -> None:
    """Run ``statements`` one by one outside a transaction on the test server's admin database
    (CREATE/DROP DATABASE cannot run inside one)."""
    engine = create_async_engine(async_url(POSTGRESQL_URL), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            for statement in statements:
                await conn.execute(sa.text(statement))
    finally:
        await engine.dispose()


def postgresql_url_of(name: str) -> str:
    """The test server's URL for the database called ``name``."""
    return sa.make_url(POSTGRESQL_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgresql_database() -> Iterator[str]:
    """A database of its own for this test session (per xdist worker), migrated once."""
    if not _answers(POSTGRESQL_URL, 5432):
        service_missing("PostgreSQL", POSTGRESQL_URL)
    # Unique per session: two test runs on one server must not drop each other's database.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"rostra_test_{worker}_{os.getpid()}"
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    run_blocking(postgresql_admin(drop, f'CREATE DATABASE "{name}"'))
    url = postgresql_url_of(name)
    upgrade(url)
    yield url
    run_blocking(postgresql_admin(drop))


async def _truncate(url: str) -> None:
    # DELETE, children first: for a test's handful of rows it is much faster than TRUNCATE,
    # whose cost is per table, not per row.
    engine = create_async_engine(async_url(url))
    async with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            await conn.execute(table.delete())
    await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> AsyncIterator[str]:
    """A migrated, empty database: a fresh SQLite file, or the session's PostgreSQL database
    emptied after the test."""
    if request.param == "sqlite":
        path = tmp_path / "rostra.db"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgresql_database")
    await _truncate(url)
    yield url
    await _truncate(url)


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Rate limits are off as in outside test suites; tests of the limits turn them on.
    return Settings(database_url=database_url, secret_key=SECRET_KEY, rate_limits=False)


@pytest.fixture
async def services(settings: Settings, clock: MovableClock) -> AsyncIterator[Services]:
    services = build_services(settings, clock=clock)
    await services.sites.add_site("news", [ORIGIN], "The Example News")
    yield services
    for hook in services.on_shutdown:
        await hook()


@pytest.fixture
async def client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """The production ASGI app, spoken to over HTTP semantics without a socket."""
    app = create_app(services)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
