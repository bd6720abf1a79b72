"""Thread pages are cached per thread version, and a write is always visible to the next read."""

from __future__ import annotations

import pytest

from rostra.services.callers import Caller
from rostra.services.comments import CommentDraft
from rostra.services.page_cache import PageCache
from rostra.services.registry import Services
from rostra.services.thread_reads import ThreadQuery
from tests.conftest import MovableClock

PAGE = "/2026/11/cached"


def test_least_recently_used_entry_is_evicted() -> None:
    cache: PageCache[str, int] = PageCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recently used
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    assert len(cache) == 2


def test_zero_capacity_stores_nothing_and_negative_is_refused() -> None:
    cache: PageCache[str, int] = PageCache(0)
    cache.put("a", 1)
    assert cache.get("a") is None
    with pytest.raises(ValueError, match="capacity"):
        PageCache(-1)


async def test_every_write_is_seen_by_the_next_read(
    services: Services, clock: MovableClock
) -> None:
    query = ThreadQuery("news", PAGE)

    async def read() -> tuple[list[str], list[int], str | None]:
        page = await services.comments.read_thread(query, Caller())
        return (
            [node.comment.body for node in page.comments],
            [node.comment.score for node in page.comments],
            page.cache_key,
        )

    first = await services.comments.post_comment(CommentDraft("news", PAGE, "one", "A"), Caller())
    bodies, _, key_before = await read()
    assert bodies == ["one"]
    assert (await read())[2] == key_before  # unchanged thread, same cached page
    await services.votes.cast_vote(first.comment.id, 1, Caller(voter="v:x"))
    _, scores, key_after_vote = await read()
    assert scores == [1] and key_after_vote != key_before
    await services.comments.edit_comment(
        first.comment.id, "one, edited", Caller(edit_token=first.edit_token)
    )
    assert (await read())[0] == ["one, edited"]
    clock.advance(seconds=1)  # "two" is newer, so newest-first puts it on top
    await services.comments.post_comment(CommentDraft("news", PAGE, "two", "B"), Caller())
    assert (await read())[0] == ["two", "one, edited"]
    await services.comments.delete_comment(first.comment.id, Caller(edit_token=first.edit_token))
    assert (await read())[0] == ["two"]


async def test_readers_votes_are_not_shared_through_the_cache(services: Services) -> None:
    posted = await services.comments.post_comment(CommentDraft("news", PAGE, "x", "A"), Caller())
    await services.votes.cast_vote(posted.comment.id, -1, Caller(voter="v:me"))
    mine = await services.comments.read_thread(ThreadQuery("news", PAGE), Caller(voter="v:me"))
    theirs = await services.comments.read_thread(ThreadQuery("news", PAGE), Caller(voter="v:you"))
    assert mine.my_votes == {posted.comment.id: -1}
    assert theirs.my_votes == {}
