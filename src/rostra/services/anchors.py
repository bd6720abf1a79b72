"""Inline feedback: the passages a thread's comments are anchored to, and where they are now."""

from __future__ import annotations

from dataclasses import dataclass

from rostra.domain.anchoring import Orphaned, Placement, place_anchor
from rostra.domain.anchors import Anchor
from rostra.domain.comments import CommentStatus
from rostra.domain.errors import NotFoundError, ValidationError
from rostra.domain.paging import Sort
from rostra.domain.threads import validate_page
from rostra.services.page_cache import PageCache
from rostra.services.ports import Storage

MAX_PASSAGES = 1_000  # anchored discussions read per thread; older ones beyond are not listed
MAX_ARTICLE_LENGTH = 60_000  # characters; the request-size limit (64 KiB) bounds it anyway


@dataclass(frozen=True, slots=True)
class Passage:
    """One anchor of a thread and the discussions (top-level comments) started on it."""

    anchor: Anchor
    comment_ids: tuple[str, ...]
    comment_count: int  # published comments, replies included


@dataclass(frozen=True, slots=True)
class ThreadPassages:
    """Every anchored passage of a thread at one version of the thread."""

    site: str
    page: str
    version: int
    passages: tuple[Passage, ...]


@dataclass(frozen=True, slots=True)
class PlacedPassage:
    """A passage and where it belongs in a given text, or that it is orphaned there."""

    passage: Passage
    placement: Placement | Orphaned


class AnchorService:
    """What readers need to show inline feedback: counters per passage and orphans."""

    def __init__(self, storage: Storage, cached_threads: int = 1024) -> None:
        self._storage = storage
        self._cache: PageCache[tuple[int, int], tuple[Passage, ...]] = PageCache(cached_threads)

    async def list_passages(self, site: str, page: str) -> ThreadPassages:
        """The thread's anchored top-level comments grouped by identical anchor, oldest first.

        Unknown sites are an error; a page without a thread has no passages (version 0)."""
        checked = validate_page(page)
        async with self._storage.read() as tx:
            if await tx.sites.get(site) is None:
                raise NotFoundError(f"There is no site called {site!r}.", field="site")
            thread = await tx.threads.find(site, checked)
            if thread is None:
                return ThreadPassages(site, checked, 0, ())
            key = (thread.id, thread.version)
            passages = self._cache.get(key)
            if passages is None:
                roots = await tx.comments.list_roots(
                    thread.id, sort=Sort.OLDEST, after=None, limit=MAX_PASSAGES, anchored=True
                )
                groups: dict[Anchor, tuple[list[str], list[int]]] = {}
                for root in roots:
                    if root.anchor is None:  # a deleted discussion keeps its replies, not its quote
                        continue
                    ids, counts = groups.setdefault(root.anchor, ([], []))
                    ids.append(root.id)
                    counts.append(root.descendant_count + (root.status is CommentStatus.PUBLISHED))
                passages = tuple(
                    Passage(anchor, tuple(ids), sum(counts))
                    for anchor, (ids, counts) in groups.items()
                )
                self._cache.put(key, passages)
        return ThreadPassages(site, checked, thread.version, passages)

    async def place_passages(self, site: str, page: str, text: str) -> list[PlacedPassage]:
        """Re-anchor every passage of the thread against ``text``, the article as it reads now."""
        if len(text) > MAX_ARTICLE_LENGTH:
            raise ValidationError(
                f"The article text is longer than {MAX_ARTICLE_LENGTH:,} characters.",
                field="text",
            )
        listed = await self.list_passages(site, page)
        return [PlacedPassage(p, place_anchor(text, p.anchor)) for p in listed.passages]
