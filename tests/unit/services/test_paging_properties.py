"""Property: paging a thread with cursors shows every comment once, in order, even while
readers keep posting between page loads."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rostra.bootstrap import build_services
from rostra.config import Settings
from rostra.domain.paging import PAGED_SORTS, Sort
from rostra.domain.times import to_us
from rostra.services.callers import Caller
from rostra.services.comments import CommentDraft
from rostra.services.registry import Services
from rostra.services.thread_reads import ThreadQuery
from tests.conftest import SECRET_KEY

# Operations before paging starts: post a top-level comment, reply to the n-th comment, vote
# on the n-th comment, or let time pass (0 µs leaves ties that the id must break).
POST = st.tuples(st.just("post"))
REPLY = st.tuples(st.just("reply"), st.integers(min_value=0, max_value=999))
VOTE = st.tuples(
    st.just("vote"),
    st.integers(min_value=0, max_value=999),
    st.sampled_from([1, -1, 0]),
    st.integers(min_value=0, max_value=4),
)
TICK = st.tuples(st.just("tick"), st.sampled_from([0, 1, 7, 1_000_000]))
SETUP = st.lists(st.one_of(POST, POST, REPLY, VOTE, VOTE, TICK), max_size=30)
# Between two page loads: this many new top-level comments and replies, then a clock tick.
BETWEEN = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=2),
        st.integers(min_value=0, max_value=1),
        st.sampled_from([0, 1, 1_000_000]),
    ),
    max_size=12,
)


@dataclass
class SteppedClock:
    moment: datetime = field(default_factory=lambda: datetime(2026, 11, 1, tzinfo=UTC))

    def now(self) -> datetime:
        return self.moment


@dataclass
class Model:
    """What the test knows it wrote: top-level sort keys, every comment, every vote."""

    roots: dict[str, int] = field(default_factory=dict)  # id -> created_us
    comments: list[str] = field(default_factory=list)
    votes: dict[tuple[str, str], int] = field(default_factory=dict)

    def score(self, comment_id: str) -> int:
        return sum(v for (cid, _), v in self.votes.items() if cid == comment_id)

    def key(self, sort: Sort, comment_id: str) -> tuple[Any, ...]:
        created = self.roots[comment_id]
        if sort is Sort.VOTES:
            return (self.score(comment_id), created, comment_id)
        return (created, comment_id)


@pytest.fixture(scope="module")
def paging_database(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> str:
    """One migrated SQLite file for all examples; each example pages its own thread."""
    path = tmp_path_factory.mktemp("paging") / "rostra.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"

    async def add_site() -> None:
        services = build_services(_settings(url))
        try:
            await services.sites.add_site("news", ["https://news.example"])
        finally:
            for hook in services.on_shutdown:
                await hook()

    asyncio.run(add_site())
    return url


def _settings(url: str) -> Settings:
    # Rate limits would stop the bursts of posts these examples make; they have tests of their own.
    return Settings(database_url=url, secret_key=SECRET_KEY, rate_limits=False)


class Scenario:
    def __init__(self, services: Services, clock: SteppedClock, model: Model) -> None:
        self.services, self.clock, self.model = services, clock, model
        self.page = f"/paging/{uuid.uuid4().hex}"

    async def post(self, parent_index: int | None = None) -> None:
        parent = None
        if parent_index is not None:
            if not self.model.comments:
                return
            parent = self.model.comments[parent_index % len(self.model.comments)]
        draft = CommentDraft("news", self.page, "text", "Ann", parent_id=parent)
        posted = await self.services.comments.post_comment(draft, Caller())
        self.model.comments.append(posted.comment.id)
        if parent is None:
            self.model.roots[posted.comment.id] = to_us(posted.comment.created_at)

    async def vote(self, index: int, value: int, voter: int) -> None:
        if not self.model.comments:
            return
        target = self.model.comments[index % len(self.model.comments)]
        await self.services.votes.cast_vote(target, value, Caller(voter=f"v:{voter}"))
        self.model.votes[(target, f"v:{voter}")] = value

    def tick(self, microseconds: int) -> None:
        self.clock.moment += timedelta(microseconds=microseconds)


async def page_through(
    url: str,
    sort: Sort,
    limit: int,
    setup: list[tuple[Any, ...]],
    between: list[tuple[int, int, int]],
) -> None:
    clock, model = SteppedClock(), Model()
    services = build_services(_settings(url), clock=clock)
    scenario = Scenario(services, clock, model)
    try:
        for op in setup:
            if op[0] == "post":
                await scenario.post()
            elif op[0] == "reply":
                await scenario.post(op[1])
            elif op[0] == "vote":
                await scenario.vote(op[1], op[2], op[3])
            else:
                scenario.tick(op[1])
        existing = sorted(model.roots, key=lambda cid: model.key(sort, cid))
        if sort is not Sort.OLDEST:
            existing.reverse()

        shown: list[str] = []
        cursor: str | None = None
        for loads in range(len(existing) + 3 * len(between) + 2):
            page = await services.comments.read_thread(
                ThreadQuery("news", scenario.page, sort=sort, limit=limit, cursor=cursor), Caller()
            )
            assert len(page.comments) <= limit
            assert all(node.comment.root_id is None for node in page.comments)
            for node in page.comments:
                assert node.comment.score == model.score(node.comment.id)
            shown += [node.comment.id for node in page.comments]
            cursor = page.next_cursor
            if cursor is None:
                break
            assert len(page.comments) == limit, "a page with more to come is full"
            new_tops, new_replies, micros = between[loads] if loads < len(between) else (0, 0, 0)
            for _ in range(new_tops):
                await scenario.post()
            for n in range(new_replies):
                await scenario.post(n)
            scenario.tick(micros)
        assert cursor is None, "paging did not reach the end"
    finally:
        for hook in services.on_shutdown:
            await hook()

    assert len(shown) == len(set(shown)), "a comment was shown twice"
    assert [cid for cid in shown if cid in set(existing)] == existing
    keys = [model.key(sort, cid) for cid in shown]
    assert keys == sorted(keys, reverse=sort is not Sort.OLDEST)


@pytest.mark.parametrize("sort", PAGED_SORTS)
@settings(max_examples=25, deadline=None)
@given(limit=st.integers(min_value=1, max_value=7), setup=SETUP, between=BETWEEN)
def test_paging_to_the_end_shows_every_existing_comment_once_in_sort_order(
    paging_database: str,
    sort: Sort,
    limit: int,
    setup: list[tuple[Any, ...]],
    between: list[tuple[int, int, int]],
) -> None:
    asyncio.run(page_through(paging_database, sort, limit, setup, between))
