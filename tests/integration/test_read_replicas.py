"""PostgreSQL read replicas: thread pages are read on a replica only when it holds the
thread's current version, so nobody, the writer included, reads a page older than what was
committed before the read; a replica that is down or behind costs a read on the primary.

The replica here is a real PostgreSQL database cloned from the primary (``CREATE DATABASE …
TEMPLATE``) that receives no later writes: a standby whose replication stopped, the worst lag.
Its copy of one comment is then changed by hand, so the test can tell which database answered.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import sqlalchemy as sa
import structlog.testing
from sqlalchemy.ext.asyncio import create_async_engine

from rostra.bootstrap import build_services, run_blocking
from rostra.config import Settings
from rostra.domain.paging import Sort
from rostra.services.callers import Caller
from rostra.services.comments import CommentDraft
from rostra.services.registry import Services
from rostra.services.thread_reads import ThreadQuery
from rostra.storage.database import async_url
from rostra.storage.migrate import upgrade
from tests.conftest import (
    ORIGIN,
    POSTGRESQL_URL,
    SECRET_KEY,
    MovableClock,
    _answers,
    postgresql_admin,
    postgresql_url_of,
    service_missing,
)
from tests.e2e.conftest import free_port

pytestmark = pytest.mark.postgresql

READER = Caller(ip="192.0.2.7", origin=ORIGIN)
WRITER = Caller(ip="192.0.2.9", origin=ORIGIN)


@pytest.fixture
def primary() -> Iterator[str]:
    """A new, migrated PostgreSQL database; dropped, with every clone of it, afterwards."""
    if not _answers(POSTGRESQL_URL, 5432):
        service_missing("PostgreSQL", POSTGRESQL_URL)
    name = f"rostra_primary_{uuid.uuid4().hex[:8]}"
    run_blocking(postgresql_admin(f'CREATE DATABASE "{name}"'))
    upgrade(postgresql_url_of(name))
    yield name
    run_blocking(
        postgresql_admin(
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            f'DROP DATABASE IF EXISTS "{name}_replica" WITH (FORCE)',
        )
    )


def _settings(primary: str, replicas: str | None = None) -> Settings:
    return Settings(
        database_url=postgresql_url_of(primary),
        database_replica_urls=replicas,
        secret_key=SECRET_KEY,
        rate_limits=False,
    )


@pytest.fixture
async def written(primary: str, clock: MovableClock) -> str:
    """The primary with two comments on /a, then frozen into a replica database."""
    services = build_services(_settings(primary), clock=clock)
    try:
        await services.sites.add_site("news", [ORIGIN], "The Example News")
        await post(services, "first")
        clock.advance(seconds=1)
        await post(services, "second")
    finally:
        for hook in services.on_shutdown:
            await hook()
    replica = f"{primary}_replica"
    await postgresql_admin(f'CREATE DATABASE "{replica}" TEMPLATE "{primary}"')
    engine = create_async_engine(async_url(postgresql_url_of(replica)))
    try:
        async with engine.begin() as conn:
            await conn.execute(
                sa.text(
                    "UPDATE comments SET body = 'second, as the replica has it'"
                    " WHERE body = 'second'"
                )
            )
    finally:
        await engine.dispose()
    return replica


@pytest.fixture
async def replicated(primary: str, written: str, clock: MovableClock) -> AsyncIterator[Services]:
    services = build_services(_settings(primary, postgresql_url_of(written)), clock=clock)
    yield services
    for hook in services.on_shutdown:
        await hook()


async def post(services: Services, text: str) -> None:
    await services.comments.post_comment(CommentDraft("news", "/a", text, "Ann"), WRITER)


async def bodies(services: Services, sort: Sort = Sort.NEWEST) -> list[str]:
    page = await services.comments.read_thread(
        ThreadQuery("news", "/a", sort, 20, None, None), READER
    )
    return [node.comment.body for node in page.comments]


def outcomes(services: Services) -> dict[str, float]:
    assert services.metrics is not None
    registry = services.metrics.recorder.registry  # type: ignore[attr-defined]
    return {
        outcome: registry.get_sample_value("rostra_replica_reads_total", {"outcome": outcome})
        or 0.0
        for outcome in ("served", "behind", "unavailable")
    }


async def test_a_current_replica_serves_the_page(replicated: Services) -> None:
    assert await bodies(replicated) == ["second, as the replica has it", "first"]
    assert outcomes(replicated) == {"served": 1, "behind": 0, "unavailable": 0}


async def test_after_a_write_the_page_comes_from_the_primary_until_the_replica_has_it(
    replicated: Services, clock: MovableClock
) -> None:
    assert await bodies(replicated) == ["second, as the replica has it", "first"]
    clock.advance(seconds=1)
    await post(replicated, "third")
    # The replica stopped before "third": the writer (and everyone) reads the primary's page.
    assert await bodies(replicated) == ["third", "second", "first"]
    assert await bodies(replicated, Sort.OLDEST) == ["first", "second", "third"]
    assert outcomes(replicated) == {"served": 1, "behind": 2, "unavailable": 0}


async def test_a_vote_is_seen_at_once_though_the_replica_lags(replicated: Services) -> None:
    voter = Caller(ip="192.0.2.8", origin=ORIGIN, voter="v:reader")
    query = ThreadQuery("news", "/a", Sort.NEWEST, 20, None, None)
    before = await replicated.comments.read_thread(query, voter)
    first = before.comments[1].comment
    assert (first.upvotes, before.my_votes) == (0, {})
    await replicated.votes.cast_vote(first.id, 1, voter)
    after = await replicated.comments.read_thread(query, voter)
    assert [node.comment.upvotes for node in after.comments] == [0, 1]
    assert after.my_votes == {first.id: 1}
    assert outcomes(replicated) == {"served": 1, "behind": 1, "unavailable": 0}


async def test_a_replica_that_is_down_is_skipped_for_one_that_answers(
    primary: str, written: str, clock: MovableClock
) -> None:
    dead = f"postgresql://postgres@127.0.0.1:{free_port()}/gone"
    services = build_services(
        _settings(primary, f"{dead},{postgresql_url_of(written)}"), clock=clock
    )
    try:
        assert await bodies(services) == ["second, as the replica has it", "first"]
        assert outcomes(services) == {"served": 1, "behind": 0, "unavailable": 0}
    finally:
        for hook in services.on_shutdown:
            await hook()


async def test_when_no_replica_answers_the_primary_serves_every_read(
    primary: str, written: str, clock: MovableClock
) -> None:
    dead = f"postgresql://postgres:hunter2@127.0.0.1:{free_port()}/gone"
    services = build_services(_settings(primary, dead), clock=clock)
    try:
        with structlog.testing.capture_logs() as logged:
            assert await bodies(services) == ["second", "first"]
            assert await bodies(services, Sort.OLDEST) == ["first", "second"]
        assert outcomes(services) == {"served": 0, "behind": 0, "unavailable": 2}
        # Said once per rest, naming the replica without its password.
        [resting] = [line for line in logged if line["event"] == "replica_resting"]
        assert resting["replica"] == dead.replace("hunter2", "***")
        assert "hunter2" not in repr(resting)
    finally:
        for hook in services.on_shutdown:
            await hook()


async def test_a_replica_that_goes_away_between_reads_costs_a_read_on_the_primary(
    replicated: Services, written: str
) -> None:
    assert await bodies(replicated) == ["second, as the replica has it", "first"]
    # Its pooled connection is cut and the database is gone: a standby taken down.
    await postgresql_admin(f'DROP DATABASE "{written}" WITH (FORCE)')
    assert await bodies(replicated, Sort.OLDEST) == ["first", "second"]
    assert await bodies(replicated, Sort.VOTES) == ["second", "first"]  # ties: newest first
    assert outcomes(replicated) == {"served": 1, "behind": 0, "unavailable": 2}


async def test_a_replica_stuck_in_a_statement_is_given_up_for_the_primary(
    replicated: Services, written: str
) -> None:
    # An exclusive lock held on the replica makes the page's SELECT wait there.
    engine = create_async_engine(async_url(postgresql_url_of(written)))
    try:
        async with engine.connect() as holder:
            await holder.begin()
            await holder.execute(sa.text("LOCK TABLE comments IN ACCESS EXCLUSIVE MODE"))
            assert await bodies(replicated) == ["second", "first"]
            await holder.rollback()
    finally:
        await engine.dispose()
    assert outcomes(replicated) == {"served": 0, "behind": 0, "unavailable": 1}
