"""Reads served from memory (thread pages, counts) never hide a write: not one made through
this worker, not one made by another process on the same database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from rostra.bootstrap import build_services
from rostra.config import Settings
from rostra.domain.paging import Sort
from rostra.services.callers import Caller
from rostra.services.comments import CommentDraft
from rostra.services.metrics_ports import NoMetrics
from rostra.services.registry import Services
from rostra.services.thread_reads import ThreadQuery, ThreadReader
from rostra.storage.database import Database
from tests.conftest import ORIGIN, MovableClock

ANONYMOUS = Caller(ip="192.0.2.1", origin=ORIGIN)


@pytest.fixture
async def other_worker(settings: Settings, clock: MovableClock) -> AsyncIterator[Services]:
    """Services of their own on the same database: another worker process, as far as
    caches and connections go."""
    other = build_services(settings, clock=clock)
    yield other
    for hook in other.on_shutdown:
        await hook()


async def post(services: Services, page: str, text: str) -> None:
    draft = CommentDraft("news", page, text, "Ann")
    await services.comments.post_comment(draft, Caller(ip="192.0.2.9", origin=ORIGIN))


async def read_bodies(services: Services, page: str) -> list[str]:
    result = await services.comments.read_thread(
        ThreadQuery("news", page, Sort.NEWEST, 20, None, None), ANONYMOUS
    )
    return [node.comment.body for node in result.comments]


async def test_a_page_read_again_shows_a_comment_another_worker_posted(
    services: Services, other_worker: Services, clock: MovableClock
) -> None:
    await post(services, "/a", "first")
    assert await read_bodies(services, "/a") == ["first"]
    assert await read_bodies(services, "/a") == ["first"]  # now answered from memory
    clock.advance(seconds=1)
    await post(other_worker, "/a", "second")
    assert await read_bodies(services, "/a") == ["second", "first"]


async def test_an_empty_page_read_again_shows_the_first_comment_of_another_worker(
    services: Services, other_worker: Services
) -> None:
    assert await read_bodies(services, "/new") == []
    assert await read_bodies(services, "/new") == []
    await post(other_worker, "/new", "hello")
    assert await read_bodies(services, "/new") == ["hello"]


async def test_counts_read_again_follow_writes_of_another_worker(
    services: Services, other_worker: Services
) -> None:
    await post(services, "/a", "one")
    pages = ["/a", "/b"]
    assert await services.comments.count_comments("news", pages) == {"/a": 1, "/b": 0}
    assert await services.comments.count_comments("news", pages) == {"/a": 1, "/b": 0}
    await post(other_worker, "/b", "two")
    await post(other_worker, "/a", "three")
    assert await services.comments.count_comments("news", pages) == {"/a": 2, "/b": 1}


async def test_counts_of_an_unknown_site_are_refused_every_time(services: Services) -> None:
    for _ in range(2):
        with pytest.raises(Exception, match="no site") as raised:
            await services.comments.count_comments("nowhere", ["/a"])
        assert getattr(raised.value, "code", None) == "not_found"


@pytest.mark.postgresql
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_page_missing_from_memory_is_built_on_the_connection_that_found_its_thread(
    services: Services, database_url: str, clock: MovableClock
) -> None:
    """One pooled connection a read, whether the page is built or found in memory (SQLite's
    glances take none: they run on the event loop's own connection)."""
    await post(services, "/a", "first")
    storage = Database(database_url)
    taken: list[object] = []
    sa.event.listen(storage.engine.sync_engine, "checkout", lambda *_: taken.append(1))
    reader = ThreadReader(storage, 10, 5, NoMetrics())
    query = ThreadQuery("news", "/a", Sort.NEWEST, 20)

    async def bodies() -> list[str]:
        page = await reader.read_thread(query, ANONYMOUS)
        return [node.comment.body for node in page.comments]

    try:
        assert await bodies() == ["first"]  # built
        assert len(taken) == 1
        assert await bodies() == ["first"]  # from memory
        assert len(taken) == 2
        clock.advance(seconds=1)
        await post(services, "/a", "second")
        assert await bodies() == ["second", "first"]  # built for the new version
        assert len(taken) == 3
    finally:
        await storage.close()
