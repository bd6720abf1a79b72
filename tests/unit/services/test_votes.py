"""Voting rules: one vote per reader, changeable, only on published comments, only from the
site's own pages."""

from __future__ import annotations

import pytest

from rostra.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from rostra.domain.votes import Tally
from rostra.services.callers import Caller
from rostra.services.comments import CommentDraft
from rostra.services.registry import Services
from rostra.services.thread_reads import ThreadQuery
from tests.conftest import ORIGIN

PAGE = "/2026/11/article"


async def posted_id(services: Services) -> str:
    draft = CommentDraft("news", PAGE, "Please vote for this one.", "Ann")
    return (await services.comments.post_comment(draft, Caller(origin=ORIGIN))).comment.id


def reader(n: int, origin: str | None = ORIGIN) -> Caller:
    return Caller(voter=f"v:reader{n}", origin=origin)


async def test_votes_of_different_readers_add_up(services: Services) -> None:
    comment_id = await posted_id(services)
    await services.votes.cast_vote(comment_id, 1, reader(1))
    await services.votes.cast_vote(comment_id, 1, reader(2))
    tally = await services.votes.cast_vote(comment_id, -1, reader(3))
    assert tally == Tally(upvotes=2, downvotes=1, my_vote=-1)
    assert tally.score == 1


async def test_repeating_a_vote_counts_it_once(services: Services) -> None:
    comment_id = await posted_id(services)
    await services.votes.cast_vote(comment_id, 1, reader(1))
    tally = await services.votes.cast_vote(comment_id, 1, reader(1))
    assert tally == Tally(upvotes=1, downvotes=0, my_vote=1)


async def test_changing_and_withdrawing_a_vote_moves_the_counts(services: Services) -> None:
    comment_id = await posted_id(services)
    await services.votes.cast_vote(comment_id, 1, reader(1))
    assert await services.votes.cast_vote(comment_id, -1, reader(1)) == Tally(0, 1, -1)
    assert await services.votes.cast_vote(comment_id, 0, reader(1)) == Tally(0, 0, 0)


async def test_readers_vote_is_shown_back_to_them_only(services: Services) -> None:
    comment_id = await posted_id(services)
    await services.votes.cast_vote(comment_id, -1, reader(1))
    query = ThreadQuery("news", PAGE)
    mine = await services.comments.read_thread(query, reader(1))
    theirs = await services.comments.read_thread(query, reader(2))
    assert mine.my_votes == {comment_id: -1}
    assert theirs.my_votes == {}
    assert mine.comments[0].comment.score == -1


async def test_vote_without_a_voter_identity_is_refused(services: Services) -> None:
    comment_id = await posted_id(services)
    with pytest.raises(PermissionDeniedError) as caught:
        await services.votes.cast_vote(comment_id, 1, Caller(origin=ORIGIN))
    assert caught.value.code == "voter_required"


async def test_vote_from_a_foreign_origin_is_refused_and_not_counted(services: Services) -> None:
    comment_id = await posted_id(services)
    with pytest.raises(PermissionDeniedError) as caught:
        await services.votes.cast_vote(comment_id, 1, reader(1, origin="https://evil.example"))
    assert caught.value.code == "origin_not_allowed"
    assert await services.votes.cast_vote(comment_id, 1, reader(2)) == Tally(1, 0, 1)


@pytest.mark.parametrize("value", [2, True, "1", None])
async def test_invalid_vote_value_is_refused(services: Services, value: object) -> None:
    comment_id = await posted_id(services)
    with pytest.raises(ValidationError) as caught:
        await services.votes.cast_vote(comment_id, value, reader(1))
    assert caught.value.field == "value"


async def test_vote_on_an_unknown_comment_is_not_found(services: Services) -> None:
    with pytest.raises(NotFoundError):
        await services.votes.cast_vote("no-such-comment", 1, reader(1))


async def test_vote_on_a_deleted_comment_is_not_found(services: Services) -> None:
    draft = CommentDraft("news", PAGE, "Soon gone", "Ann")
    posted = await services.comments.post_comment(draft, Caller())
    await services.comments.delete_comment(posted.comment.id, Caller(edit_token=posted.edit_token))
    with pytest.raises(NotFoundError):
        await services.votes.cast_vote(posted.comment.id, 1, reader(1))
