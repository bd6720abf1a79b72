"""Reactions: one per reader and comment from the site's set, replaced or taken back at will.

They count for the same voter identity and pass the same rate limits as votes
(``rostra.services.votes.admit_voter``), and a comment keeps their counts as it keeps its
vote counts: changing them records a thread event, so cached pages move on and readers
following the thread live see the new counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rostra.domain.errors import PermissionDeniedError
from rostra.domain.events import ReactionChanged
from rostra.domain.reactions import (
    adjust_counts,
    reaction_pairs,
    validate_reaction,
    validate_reaction_set,
)
from rostra.domain.sites import Site
from rostra.services.callers import Caller
from rostra.services.live import LiveService
from rostra.services.ports import RateLimiter, Storage
from rostra.services.thread_reads import site_named
from rostra.services.tokens import Keyring
from rostra.services.votes import admit_voter, published_for_update


@dataclass(frozen=True, slots=True)
class Reactions:
    """A comment's reaction counts (most chosen first) and the caller's own reaction."""

    counts: tuple[tuple[str, int], ...]
    mine: str | None


class ReactionService:
    """Records readers' reactions and keeps each comment's counts in step with them."""

    def __init__(
        self, storage: Storage, live: LiveService, limiter: RateLimiter, keyring: Keyring
    ) -> None:
        self._storage = storage
        self._live = live
        self._limiter = limiter
        self._keyring = keyring

    async def react(self, comment_id: str, value: object, caller: Caller) -> Reactions:
        """Set the caller's reaction to a published comment to ``value``, one of its site's
        reactions, replacing theirs; None takes it back."""
        if value is not None and not isinstance(value, str):
            validate_reaction(value, ())  # raises: the message names the field
        voter = await admit_voter(self._limiter, self._keyring, caller, comment_id)
        async with self._storage.write() as tx:
            comment, thread = await published_for_update(tx, comment_id, caller)
            reaction = validate_reaction(value, thread.reactions)
            if caller.reader is not None and comment.reader_id == caller.reader.id:
                raise PermissionDeniedError(
                    "You cannot react to your own comment.", field="id", code="own_comment"
                )
            previous = await tx.reactions.get(comment.id, voter)
            if previous == reaction:
                return Reactions(comment.reactions, reaction)
            await tx.reactions.set(comment.id, voter, reaction)
            counts = adjust_counts(dict(comment.reactions), previous, reaction)
            await tx.comments.set_reactions(comment.id, counts)
            event = await self._live.record(
                tx,
                thread.id,
                ReactionChanged(thread.site, thread.page, comment.id, reactions=counts),
            )
        await self._live.publish(event)
        return Reactions(reaction_pairs(counts), reaction)

    async def set_site_reactions(self, site_name: str, reactions: Sequence[str] | None) -> Site:
        """Choose a site's reactions (None: the default set; empty: none). Counts already
        given with a reaction no longer offered stay stored and shown."""
        chosen = None if reactions is None else validate_reaction_set(reactions)
        async with self._storage.write() as tx:
            await site_named(tx, site_name)
            await tx.sites.set_reactions(site_name, chosen)
            return await site_named(tx, site_name)
