"""Kept answers after a commit: readers asking the same question under the same token share
one answer from the app (single flight), and a failed answer sends each reader through."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from typing import Any

from rostra.web.middleware.settled import SettledAnswers

ROUTE = ("GET", "/api/v1/comments")


class Thread:
    """A stand-in app answering with the number of answers it has made, slowly (as a page build
    after a commit is), so that readers arrive while it works."""

    def __init__(self) -> None:
        self.made = 0
        self.token = 1
        self.fail_next = False

    async def app(self, scope: Any, receive: Any, send: Any) -> None:
        self.made += 1
        made = self.made
        await asyncio.sleep(0.01)
        if self.fail_next:
            self.fail_next = False
            await send({"type": "http.response.start", "status": 503, "headers": []})
            await send({"type": "http.response.body", "body": b"busy"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(made).encode()})

    async def answer_token(self) -> Hashable:
        return self.token


async def ask(middleware: SettledAnswers, query: bytes = b"page=/a") -> tuple[int, bytes]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": ROUTE[1],
        "query_string": query,
        "headers": [],
    }
    await middleware(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


async def test_readers_arriving_during_a_build_share_it_and_a_commit_makes_one_more() -> None:
    thread = Thread()
    middleware = SettledAnswers(thread.app, thread.answer_token, frozenset({ROUTE}))
    first = await asyncio.gather(*(ask(middleware) for _ in range(30)))
    assert thread.made == 1
    assert set(first) == {(200, b"1")}

    thread.token = 2  # a commit
    second = await asyncio.gather(*(ask(middleware) for _ in range(30)))
    assert thread.made == 2
    assert set(second) == {(200, b"2")}
    # Another question is answered on its own.
    assert await ask(middleware, b"page=/b") == (200, b"3")


async def test_when_the_shared_answer_fails_each_waiting_reader_asks_for_itself() -> None:
    thread = Thread()
    middleware = SettledAnswers(thread.app, thread.answer_token, frozenset({ROUTE}))
    thread.fail_next = True
    answers = await asyncio.gather(*(ask(middleware) for _ in range(5)))
    assert answers[0] == (503, b"busy")
    assert all(status == 200 for status, _ in answers[1:])
    assert thread.made >= 2  # the failure was not handed on as an answer
    kept = await ask(middleware)
    assert kept[0] == 200 and thread.made == len({body for _, body in answers[1:]}) + 1


async def test_a_reader_after_a_commit_never_joins_an_answer_begun_before_it() -> None:
    thread = Thread()
    middleware = SettledAnswers(thread.app, thread.answer_token, frozenset({ROUTE}))
    early = asyncio.ensure_future(ask(middleware))
    await asyncio.sleep(0.001)  # the first answer is being made under token 1
    thread.token = 2
    late = await ask(middleware)
    assert await early == (200, b"1")
    assert late == (200, b"2")
