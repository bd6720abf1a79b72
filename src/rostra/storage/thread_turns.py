"""Posts to one thread take turns in their process before they wait on its row (PostgreSQL).

A post locks its thread's row last, from the statement that appends its event until commit
(``storage/events.py``). When dozens of posts wait on that row at once, PostgreSQL wakes all of
them at every commit and all but one go back to waiting: that herd cost the database about a
millisecond of CPU per post (docs/performance.md, sixth pass). Queued here first, one post per
process at a time waits on the row.

A turn only orders; the row lock is what makes writes correct. A turn not given within
``PATIENCE_SECONDS`` is not waited for any longer, so a wait here cannot close a cycle of waits
that PostgreSQL's deadlock detector would not see.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

PATIENCE_SECONDS = 2.0


class _Turn:
    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class ThreadTurns:
    """The turns of one process (one per ``Database``), by thread id."""

    def __init__(self, patience: float = PATIENCE_SECONDS) -> None:
        self._patience = patience
        self._turns: dict[int, _Turn] = {}

    async def take(self, thread_id: int) -> Callable[[], None]:
        """Wait for the thread's turn (at most the patience); returns what gives it back."""
        turn = self._turns.setdefault(thread_id, _Turn())
        turn.users += 1
        held = False

        def give_back() -> None:
            if held:
                turn.lock.release()
            turn.users -= 1
            if turn.users == 0:
                del self._turns[thread_id]

        try:
            async with asyncio.timeout(self._patience):
                await turn.lock.acquire()
            held = True
        except TimeoutError:
            pass
        except BaseException:
            give_back()
            raise
        return give_back

    def waiting(self) -> int:
        """How many posts hold or wait for a turn (for the tests)."""
        return sum(turn.users for turn in self._turns.values())


class HeldThreads:
    """The threads one write transaction has locked, and the turns it has taken."""

    def __init__(self, turns: ThreadTurns | None) -> None:
        self._turns = turns
        self._locked: set[int] = set()
        self._give_back: list[Callable[[], None]] = []

    def locked(self, thread_id: int) -> None:
        """The transaction now holds the thread's row until it ends."""
        self._locked.add(thread_id)

    async def queue_for(self, thread_id: int) -> None:
        """Take the thread's turn before locking its row, unless the row is already held
        (then waiting for a turn could only add a wait behind posts that wait for us)."""
        if self._turns is None or thread_id in self._locked:
            return
        self._give_back.append(await self._turns.take(thread_id))

    def end(self) -> None:
        """Give back every turn taken; called once the transaction has committed or not."""
        while self._give_back:
            self._give_back.pop()()
