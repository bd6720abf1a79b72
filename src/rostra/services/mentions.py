"""Suggesting whom to mention: the names of the people who wrote in one thread.

Only that thread's authors are listed (no site-wide list of readers), only by the name their
comments show (never an address), and lookups are rate-limited per client address so the
endpoint cannot be used to walk a site's threads quickly."""

from __future__ import annotations

from rostra.domain.errors import RateLimitedError, ValidationError
from rostra.domain.mentions import ThreadAuthor
from rostra.domain.threads import validate_page
from rostra.services.callers import Caller, address_key
from rostra.services.ports import RateLimiter, Storage
from rostra.services.thread_reads import site_named
from rostra.services.tokens import Keyring

MAX_SUGGESTIONS = 50
MAX_QUERY = 100


class MentionService:
    """The thread's authors a reader may mention."""

    def __init__(self, storage: Storage, limiter: RateLimiter, keyring: Keyring) -> None:
        self._storage = storage
        self._limiter = limiter
        self._keyring = keyring

    async def suggest(self, site: str, page: str, query: str, caller: Caller) -> list[ThreadAuthor]:
        """Up to 50 of the thread's authors whose name, or a word of it, starts with ``query``
        (case-insensitive; empty: all), most recent first."""
        page = validate_page(page)
        if len(query) > MAX_QUERY:
            raise ValidationError(f"'q' is at most {MAX_QUERY} characters.", field="q")
        wait = await self._limiter.hit("mentions", address_key(caller, self._keyring.digest))
        if wait is not None:
            raise RateLimitedError(
                f"Too many name lookups; try again in {wait:.0f} s.", retry_after=wait
            )
        async with self._storage.read() as tx:
            await site_named(tx, site)
            thread = await tx.threads.find(site, page)
            authors = await tx.comments.thread_authors(thread.id) if thread else []
        wanted = query.strip().lstrip("@").casefold()
        matching = [
            ThreadAuthor(a.name, a.comment_id)  # the address digest stays here
            for a in authors
            if not wanted
            or a.name.casefold().startswith(wanted)
            or any(word.startswith(wanted) for word in a.name.casefold().split())
        ]
        return matching[:MAX_SUGGESTIONS]
