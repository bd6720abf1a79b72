"""Voting: one vote per reader and comment, changed or withdrawn at will."""

from __future__ import annotations

from rostra.domain.comments import Comment, CommentStatus
from rostra.domain.errors import NotFoundError, PermissionDeniedError, RateLimitedError
from rostra.domain.events import VoteChanged
from rostra.domain.threads import Thread
from rostra.domain.votes import Tally, validate_vote, vote_delta
from rostra.services.callers import (
    Caller,
    address_key,
    author_key,
    check_origin,
    voter_identity,
)
from rostra.services.live import LiveService
from rostra.services.ports import RateLimiter, Storage, Transaction
from rostra.services.tokens import Keyring


async def admit_voter(
    limiter: RateLimiter, keyring: Keyring, caller: Caller, comment_id: str
) -> str:
    """The identity a vote (or a reaction) counts for, once the caller passed the voting rate
    limits; reactions share them, so they cannot be stuffed where votes cannot."""
    voter = voter_identity(caller, keyring.digest)
    if not voter:
        raise PermissionDeniedError("Voting needs a voter identity.", code="voter_required")
    address = address_key(caller, keyring.digest)
    for action, key in (("vote", voter), ("vote-address", address)):  # per address
        wait = await limiter.hit(action, key)
        if wait is not None:
            raise RateLimitedError(
                f"You are voting faster than this site allows; try again in {wait:.0f} s.",
                retry_after=wait,
            )
    if caller.new_voter:
        # A request without the voter cookie is a new voter; one address cast 60
        # votes on one comment that way. Such votes count once per address and comment.
        for action, key in (
            ("vote-new-voter", address),
            ("vote-new-voter-comment", f"{address}:{comment_id}"),
        ):
            wait = await limiter.hit(action, key)
            if wait is not None:
                raise RateLimitedError(
                    "This address already voted here without the voter cookie; "
                    "allow cookies for this site to vote.",
                    retry_after=wait,
                )
    return voter


async def published_for_update(
    tx: Transaction, comment_id: str, caller: Caller
) -> tuple[Comment, Thread]:
    """A published comment, row-locked for changing its counts, and its thread; the caller's
    page must be one of the site's origins."""
    found = await tx.comments.get(comment_id)
    if found is None:
        raise NotFoundError("There is no such comment.", field="id")
    # Thread first, then comment: the order every writer takes its locks in. They serialize
    # concurrent votes on PostgreSQL; SQLite writes one transaction at a time.
    await tx.threads.lock(found.thread_id)
    comment = await tx.comments.get(comment_id, for_update=True)
    if comment is None or comment.status is not CommentStatus.PUBLISHED:
        raise NotFoundError("There is no such comment.", field="id")
    thread = await tx.threads.get_by_id(comment.thread_id)
    site = await tx.sites.get(thread.site)
    if site is not None:
        check_origin(site, caller)
    return comment, thread


class VoteService:
    """Casts votes and keeps each comment's counts in step with them."""

    def __init__(
        self, storage: Storage, live: LiveService, limiter: RateLimiter, keyring: Keyring
    ) -> None:
        self._storage = storage
        self._live = live
        self._limiter = limiter
        self._keyring = keyring

    async def cast_vote(self, comment_id: str, value: object, caller: Caller) -> Tally:
        """Set the caller's vote on a published comment to ``value`` (1, -1 or 0)."""
        vote = validate_vote(value)
        voter = await admit_voter(self._limiter, self._keyring, caller, comment_id)
        async with self._storage.write() as tx:
            comment, thread = await published_for_update(tx, comment_id, caller)
            poster = await tx.comments.author_voter(comment.id)
            own = caller.reader is not None and comment.reader_id == caller.reader.id
            if own or (poster is not None and poster == author_key(caller, self._keyring.digest)):
                raise PermissionDeniedError(
                    "You cannot vote on your own comment.", field="id", code="own_comment"
                )
            previous = await tx.votes.get(comment.id, voter)
            if previous == vote:
                return Tally(comment.upvotes, comment.downvotes, vote)
            await tx.votes.set(comment.id, voter, vote)
            up, down = vote_delta(previous, vote)
            upvotes, downvotes = await tx.comments.adjust_votes(comment.id, up, down)
            tally = Tally(upvotes, downvotes, vote)
            event = await self._live.record(
                tx,
                thread.id,
                VoteChanged(
                    thread.site,
                    thread.page,
                    comment.id,
                    score=tally.score,
                    upvotes=tally.upvotes,
                    downvotes=tally.downvotes,
                ),
            )
        await self._live.publish(event)
        return tally
