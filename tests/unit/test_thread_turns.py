"""Posts to one thread take turns in their process (rostra.storage.thread_turns)."""

from __future__ import annotations

import asyncio

from rostra.storage.thread_turns import HeldThreads, ThreadTurns


async def test_one_threads_turns_are_taken_one_at_a_time_in_order() -> None:
    turns = ThreadTurns()
    order: list[str] = []

    async def post(name: str, hold: asyncio.Event) -> None:
        give_back = await turns.take(7)
        order.append(f"{name} in")
        await hold.wait()
        order.append(f"{name} out")
        give_back()

    holds = [asyncio.Event() for _ in range(3)]
    posts = [
        asyncio.ensure_future(post(name, hold)) for name, hold in zip("abc", holds, strict=True)
    ]
    await asyncio.sleep(0.01)
    assert order == ["a in"] and turns.waiting() == 3
    for hold in holds:
        hold.set()
    await asyncio.gather(*posts)
    assert order == ["a in", "a out", "b in", "b out", "c in", "c out"]
    assert turns.waiting() == 0


async def test_other_threads_do_not_wait() -> None:
    turns = ThreadTurns()
    first = await turns.take(1)
    second = await asyncio.wait_for(turns.take(2), 1)
    assert turns.waiting() == 2
    first()
    second()
    assert turns.waiting() == 0


async def test_a_turn_not_given_within_the_patience_is_not_waited_for() -> None:
    turns = ThreadTurns(patience=0.05)
    holder = await turns.take(7)
    impatient = await asyncio.wait_for(turns.take(7), 1)  # gave up waiting, did not fail
    impatient()  # gives back nothing it did not get: the holder still holds the turn
    assert turns.waiting() == 1
    waiting = asyncio.ensure_future(turns.take(7))
    await asyncio.sleep(0.01)
    assert not waiting.done()
    holder()
    (await asyncio.wait_for(waiting, 1))()
    assert turns.waiting() == 0


async def test_a_cancelled_wait_leaves_no_turn_behind() -> None:
    turns = ThreadTurns()
    holder = await turns.take(7)
    waiting = asyncio.ensure_future(turns.take(7))
    await asyncio.sleep(0.01)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    assert turns.waiting() == 1
    holder()
    (await asyncio.wait_for(turns.take(7), 1))()
    assert turns.waiting() == 0


async def test_a_transaction_that_holds_the_row_takes_no_turn() -> None:
    turns = ThreadTurns(patience=5)
    post = await turns.take(7)  # another post of this process has the turn
    vote = HeldThreads(turns)
    vote.locked(7)  # a vote locks the thread's row first, then appends its event
    await asyncio.wait_for(vote.queue_for(7), 1)  # waiting here would wait on the post
    vote.end()
    assert turns.waiting() == 1
    post()


async def test_a_transaction_gives_back_every_turn_it_took_when_it_ends() -> None:
    turns = ThreadTurns()
    tx = HeldThreads(turns)
    await tx.queue_for(1)
    await tx.queue_for(2)
    assert turns.waiting() == 2
    tx.end()
    tx.end()  # twice is harmless
    assert turns.waiting() == 0
    await asyncio.wait_for(HeldThreads(turns).queue_for(1), 1)
