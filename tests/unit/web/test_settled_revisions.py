"""Kept answers that outlive commits elsewhere (rostra.web.middleware.settled): answers the
app marks with a revision are checked together once per commit, replayed while the check
holds, made afresh when it does not or when the check fails, and kept within the byte budget
without dropping every page of a round of readers."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from typing import Any

from rostra.web.middleware import settled
from rostra.web.middleware.settled import REVISION, SettledAnswers

ROUTE = ("GET", "/api/v1/comments")


class Pages:
    """A stand-in app: each page's answer names the page's version and how many answers the
    app made; it marks every answer with the page's version as its revision."""

    def __init__(self) -> None:
        self.token = 1
        self.versions: dict[bytes, int] = {}
        self.made = 0
        self.checks: list[int] = []  # how many revisions each call checked
        self.broken = False

    async def app(self, scope: Any, receive: Any, send: Any) -> None:
        self.made += 1
        page = scope["query_string"]
        version = self.versions.setdefault(page, 1)
        scope[REVISION] = (page, version)
        body = f"{page.decode()} v{version} #{self.made}".encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    async def answer_token(self) -> Hashable:
        return self.token

    async def still_current(self, revisions: list[tuple[bytes, int]]) -> list[bool]:
        self.checks.append(len(revisions))
        await asyncio.sleep(0.005)  # as a statement is: readers arrive meanwhile
        if self.broken:
            raise ConnectionError("the database went away")
        return [self.versions.get(page) == version for page, version in revisions]

    def commit(self, page: bytes | None = None) -> None:
        self.token += 1
        if page is not None:
            self.versions[page] = self.versions.get(page, 1) + 1


def middleware_for(pages: Pages, max_bytes: int = 1 << 20) -> SettledAnswers:
    return SettledAnswers(
        pages.app,
        pages.answer_token,
        frozenset({ROUTE}),
        max_bytes=max_bytes,
        still_current=pages.still_current,
    )


async def ask(middleware: SettledAnswers, page: bytes = b"/a") -> bytes:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": ROUTE[1], "query_string": page, "headers": []}
    await middleware(scope, receive, send)
    assert sent[0]["status"] == 200
    return b"".join(m.get("body", b"") for m in sent[1:])


async def test_a_commit_to_another_page_is_checked_once_and_the_answer_replayed() -> None:
    pages = Pages()
    middleware = middleware_for(pages)
    assert await ask(middleware) == b"/a v1 #1"
    pages.commit(b"/b")  # a comment on another page
    answers = await asyncio.gather(*(ask(middleware) for _ in range(20)))
    assert set(answers) == {b"/a v1 #1"}
    assert (pages.made, pages.checks) == (1, [1])  # one check for all twenty readers
    assert await ask(middleware) == b"/a v1 #1"
    assert pages.checks == [1]  # under the same token, no check again


async def test_after_a_commit_the_pages_read_lately_are_checked_in_one_call() -> None:
    pages = Pages()
    middleware = middleware_for(pages)
    round_of = [f"/p{n}".encode() for n in range(30)]
    for page in round_of:
        await ask(middleware, page)
    pages.commit(b"/p7")
    answers = await asyncio.gather(*(ask(middleware, page) for page in round_of))
    assert pages.checks == [30]
    assert pages.made == 31  # the thirty first answers, and /p7 made afresh
    assert answers[7] == b"/p7 v2 #31"
    assert answers[8] == b"/p8 v1 #9"


async def test_a_commit_to_the_page_itself_makes_it_afresh() -> None:
    pages = Pages()
    middleware = middleware_for(pages)
    await ask(middleware)
    pages.commit(b"/a")
    assert await ask(middleware) == b"/a v2 #2"
    pages.commit(b"/b")
    assert await ask(middleware) == b"/a v2 #2"  # the new answer is kept in its turn


async def test_a_failing_check_makes_the_answer_afresh_instead_of_failing_the_reader() -> None:
    pages = Pages()
    middleware = middleware_for(pages)
    await ask(middleware)
    pages.commit(b"/b")
    pages.broken = True
    assert await ask(middleware) == b"/a v1 #2"
    assert pages.checks == [1]


async def test_without_a_check_answers_last_until_the_next_commit_as_before() -> None:
    pages = Pages()
    middleware = SettledAnswers(pages.app, pages.answer_token, frozenset({ROUTE}))
    await ask(middleware)
    pages.commit(b"/b")
    assert await ask(middleware) == b"/a v1 #2"
    assert pages.checks == []


async def test_readers_going_round_more_pages_than_fit_still_find_most_of_them() -> None:
    pages = Pages()
    size = len(await ask(middleware_for(pages), b"/p00"))
    pages = Pages()
    middleware = middleware_for(pages, max_bytes=(size + 1) * 10)  # ten of twenty pages
    round_of = [f"/p{n:02}".encode() for n in range(20)]
    for page in round_of:
        await ask(middleware, page)
    made = pages.made
    for _ in range(3):
        for page in round_of:
            await ask(middleware, page)
    # The first ten stay while they are read; least-recently-used dropping would keep none.
    assert pages.made - made == 3 * 10


async def test_answers_nobody_reads_make_room_for_new_ones(monkeypatch: Any) -> None:
    pages = Pages()
    size = len(await ask(middleware_for(pages), b"/p00"))
    pages = Pages()
    middleware = middleware_for(pages, max_bytes=size * 2)
    await ask(middleware, b"/p00")
    await ask(middleware, b"/p01")
    monkeypatch.setattr(settled, "COLD_SECONDS", 0.0)  # both have gone cold
    await ask(middleware, b"/p02")
    made = pages.made
    assert await ask(middleware, b"/p02") == b"/p02 v1 #3"
    assert pages.made == made  # kept, in the room the coldest answer left
