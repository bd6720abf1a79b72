"""Natural batching of classifier calls (``rostra.screening.batching``) and its use by the
profanity model: concurrent comments share one call, and each gets its own score back."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from rostra.screening import ProfanityModel
from rostra.screening.batching import Batcher


class Recorder:
    """A batch function that remembers the batches it was given; the first call waits for
    ``release`` so that the callers arriving meanwhile queue up."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, items: Sequence[int]) -> list[int]:
        if not self.started.is_set():
            self.started.set()
            assert self.release.wait(10)
        self.batches.append(list(items))
        return [item * 10 for item in items]


async def test_callers_arriving_during_a_call_share_the_next_one() -> None:
    run = Recorder()
    batcher: Batcher[int, int] = Batcher(run, max_batch=3)
    first = asyncio.create_task(batcher(0))
    assert await asyncio.to_thread(run.started.wait, 10)  # the first call runs, alone
    later = [asyncio.create_task(batcher(n)) for n in range(1, 6)]
    await asyncio.sleep(0)  # they queue behind it
    run.release.set()
    results = await asyncio.gather(first, *later)
    assert results == [0, 10, 20, 30, 40, 50]
    assert run.batches == [[0], [1, 2, 3], [4, 5]]


async def test_a_failing_batch_fails_its_callers_only() -> None:
    def run(items: Sequence[int]) -> list[int]:
        if 13 in items:
            raise RuntimeError("unlucky batch")
        return list(items)

    batcher: Batcher[int, int] = Batcher(run)
    with pytest.raises(RuntimeError, match="unlucky"):
        await batcher(13)
    assert await batcher(7) == 7


async def test_concurrent_comments_get_their_own_scores() -> None:
    model = ProfanityModel()
    texts = ["Have a nice day", "fuck you", "The bridge opens on Monday", "f.u.c.k you"] * 5
    scores = await asyncio.gather(*(model.score(text) for text in texts))
    assert scores == [model.score_sync(text) for text in texts]
    rude = [score["profanity"] > 0.9 for score in scores]
    assert rude == [False, True, False, True] * 5
