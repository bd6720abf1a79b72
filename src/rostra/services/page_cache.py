"""A small least-recently-used cache for thread pages inside one worker, and the shelf where
workers share whole answers.

Entries are keyed by the thread's version (the sequence of its latest event), read from the
database on every request: a write anywhere, through any worker, changes the version, so a
reader never gets a page older than their own last write. Stale versions simply age out.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, Protocol, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class PageCache(Generic[K, V]):
    """Least-recently-used mapping with a fixed number of entries."""

    def __init__(self, capacity: int) -> None:
        if capacity < 0:
            raise ValueError("capacity must not be negative")
        self._capacity = capacity
        self._entries: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The value for ``key``, marking it recently used; None when absent."""
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        """Store ``value``, evicting the least recently used entry when full."""
        if self._capacity == 0:
            return
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class AnswerShelf(Protocol):
    """Whole answers shared by the workers of a deployment, each under the commit token it was
    made at (rostra.storage.shared_answers); a failure reads as a miss, never an error."""

    async def get(self, token: Hashable, key: bytes) -> bytes | None: ...

    async def put(self, token: Hashable, key: bytes, value: bytes) -> None: ...
