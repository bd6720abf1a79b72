"""Whole HTTP answers kept until the next commit: counts and anonymous thread pages.

A counts request or a thread page asked without cookies or credentials has one answer for
each version of the data, and a token tells whether anything was committed since: on SQLite a
counter that every commit of any process moves (``Storage.changes``), on PostgreSQL with Redis
a counter there that every commit increments (``rostra.storage.change_clock``). Between commits the
answer is replayed byte for byte, without routing, decoding, the service or encoding: these
cost more than half of a cached request (docs/performance.md). CORS, security headers, the
request log and metrics stay outside and run for every request as before. Where there is no
such counter (PostgreSQL without Redis) every request goes through.

An answer the app marks with a revision (``REVISION``: a thread page, with the thread row it
was made from) outlives commits elsewhere. The first reader after a commit has every answer
read lately checked against its row in one call (``still_current``: one statement), and each
is replayed under the new token while its row is the same. Without that, every comment posted
anywhere on a site sent every page's readers through the app again, and a hot thread slowed
the reading of all the others. The other answers (counts of many pages) are dropped by the
first request after a commit. Both kinds together hold at most ``max_bytes``. When that is
full, a revised answer nobody asked for in ``COLD_SECONDS`` makes room for a new one; while
all are in use the new one is not kept, so readers going round more pages than fit still
find most of them (dropping the least recently used would drop each page just before its
turn came again).

After a commit, the readers waiting for the same question share one answer: the first goes
through to the app, the others wait for it (single flight) instead of each building the page
again. A hot thread otherwise collapsed: every commit sent every waiting reader into the same
rebuild (docs/performance.md, hot threads). The shared answer is made after its token was read,
so it is never older than the commit that a waiting reader's own token names.

Where the token is the same in every worker (PostgreSQL with Redis), a ``shelf`` shares the
answers between workers too: a worker that misses first asks the shelf for the answer another
worker made under the same token, and leaves on it the answers it makes itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any

import msgspec
import structlog

from rostra.services.page_cache import AnswerShelf
from rostra.web.middleware.cors import ASGIApp, Receive, Scope, Send
from rostra.web.response_cache import content_headers

# Headers that make an answer somebody's own: such requests always go through.
PERSONAL_HEADERS = frozenset({b"cookie", b"authorization", b"x-edit-token", b"x-csrf-token"})
MAX_BODY = 16384  # a larger question is not worth keeping (counts for 100 pages is ~6 KB)
MAX_ANSWER = 1 << 20
COLD_SECONDS = 30.0
MAX_CHECKED = 500  # kept answers checked together after a commit
# The route template (for the request log) and the ASGI messages of a kept answer.
Answer = tuple[str | None, list[dict[str, Any]]]
log = structlog.get_logger("rostra.settled")
# The scope key under which the app leaves what its answer was made from, for ``still_current``.
REVISION = "rostra.revision"


@dataclass(slots=True)
class _Revised:
    """An answer that holds while ``revision`` is current; ``token`` is the last under which
    it was made or found current."""

    token: Hashable
    answer: Answer
    revision: object
    size: int
    used: float  # time.monotonic() of its last reader


class SettledAnswers:
    """Pure ASGI middleware replaying the answers of ``routes`` ((method, path) pairs) until
    ``answer_token()`` reports a commit."""

    def __init__(
        self,
        app: ASGIApp,
        answer_token: Callable[[], Awaitable[Hashable | None]],
        routes: frozenset[tuple[str, str]],
        max_bytes: int = 32 << 20,
        shelf: AnswerShelf | None = None,
        still_current: Callable[[list[Any]], Awaitable[list[bool]]] | None = None,
    ) -> None:
        self._app = app
        self._shelf = shelf
        self._still_current = still_current
        self._revised: OrderedDict[tuple[object, ...], _Revised] = OrderedDict()
        self._revised_bytes = 0
        # The check under way for a token: the questions it covers, and those that hold.
        self._checking: dict[
            Hashable, tuple[set[tuple[object, ...]], asyncio.Task[set[tuple[object, ...]]]]
        ] = {}
        self._sharing: set[asyncio.Task[None]] = set()  # held so they are not collected mid-run
        self._answer_token = answer_token
        self._routes = routes
        self._max_bytes = max_bytes
        self._stamp: Hashable | None = None
        self._answers: dict[tuple[object, ...], Answer] = {}
        self._bytes = 0
        # Answers being made: (token, what waiting readers of that token will replay).
        self._making: dict[tuple[object, ...], tuple[Hashable, asyncio.Future[Answer | None]]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or (scope["method"], scope["path"]) not in self._routes
            or any(name in PERSONAL_HEADERS for name, _ in scope["headers"])
        ):
            await self._app(scope, receive, send)
            return
        stamp = await self._answer_token()
        if stamp is None:
            await self._app(scope, receive, send)
            return
        body, complete = await _read_body(receive)
        receive = _replaying(body, complete, receive)
        if not complete:
            await self._app(scope, receive, send)
            return
        if stamp != self._stamp:
            self._answers.clear()
            self._bytes = 0
            self._stamp = stamp
        key = (scope["method"], scope["path"], scope["query_string"], body, _content_type(scope))
        kept = self._answers.get(key)
        revised = self._revised.get(key) if kept is None else None
        if revised is not None and (
            revised.token == stamp or await self._holds(key, revised, stamp)
        ):
            if self._revised.get(key) is revised:  # not dropped while it was checked
                self._revised.move_to_end(key)
                revised.used = time.monotonic()
            kept = revised.answer
        if kept is None and (making := self._making.get(key)) and making[0] == stamp:
            kept = await asyncio.shield(making[1])  # one reader's answer serves all of them
        if kept is not None:
            await _replay(kept, scope, send)
            return
        await self._make(key, stamp, scope, receive, send)

    async def _make(
        self, key: tuple[object, ...], stamp: Hashable, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Answer through the app, keep the answer, and hand it to the readers who asked the
        same question under the same token meanwhile."""
        making: asyncio.Future[Answer | None] = asyncio.get_running_loop().create_future()
        self._making[key] = (stamp, making)
        messages: list[dict[str, Any]] = []

        async def recording_send(message: dict[str, Any]) -> None:
            messages.append(_copy(message))  # before the outer layers add their headers
            await send(message)

        answer: Answer | None = None
        shared = None
        scope.pop(REVISION, None)
        try:
            if self._shelf is not None:
                shared = _unpacked(await self._shelf.get(stamp, _shelf_key(key)))
            if shared is not None:
                answer = shared
            else:
                await self._app(scope, receive, recording_send)
                answer = _keepable(scope.get("path_template"), messages)
        finally:
            if self._making.get(key, (None, None))[1] is making:
                del self._making[key]
            making.set_result(answer)  # None: the waiting readers go through themselves
        if shared is not None:
            await _replay(shared, scope, send)
        elif answer is not None and self._shelf is not None:
            # After the reader's answer: leaving it on the shelf delays nobody.
            task = asyncio.create_task(self._shelf.put(stamp, _shelf_key(key), _packed(answer)))
            self._sharing.add(task)
            task.add_done_callback(self._sharing.discard)
        revision = scope.pop(REVISION, None) if shared is None else None
        if answer is not None and revision is not None and self._still_current is not None:
            self._keep_revised(key, stamp, answer, revision)
        elif answer is not None and stamp == self._stamp:
            self._drop_revised(key)
            self._keep(key, answer)

    async def _holds(self, key: tuple[object, ...], revised: _Revised, stamp: Hashable) -> bool:
        """Whether ``revised`` is still the answer under ``stamp``. The first reader after a
        commit checks, in one call, every kept answer read lately (up to ``MAX_CHECKED``):
        the readers of the other pages then find theirs checked, or waiting in that call."""
        checking = self._checking.get(stamp)
        if checking is None or key not in checking[0]:
            batch = [(key, revised)]
            for other, kept in reversed(self._revised.items()):  # the latest read first
                if len(batch) >= MAX_CHECKED:
                    break
                if kept.token != stamp and other != key:
                    batch.append((other, kept))
            checking = ({k for k, _ in batch}, self._check(batch, stamp))
            if self._checking.get(stamp) is None:
                self._checking[stamp] = checking
        held = await asyncio.shield(checking[1])
        return key in held

    def _check(
        self, batch: list[tuple[tuple[object, ...], _Revised]], stamp: Hashable
    ) -> asyncio.Task[set[tuple[object, ...]]]:
        """The questions of ``batch`` whose answers hold under ``stamp``, marked so."""

        async def check() -> set[tuple[object, ...]]:
            held: set[tuple[object, ...]] = set()
            try:
                assert self._still_current is not None  # noqa: S101 (only then kept)
                results = await self._still_current([kept.revision for _, kept in batch])
                for (key, kept), holds in zip(batch, results, strict=True):
                    if holds:
                        held.add(key)
                        if self._revised.get(key) is kept:
                            kept.token = stamp
                    elif self._revised.get(key) is kept:
                        self._drop_revised(key)  # it would only be checked again
            except Exception:  # misses: the app answers afresh, and says what went wrong
                log.warning("revision_check_failed", exc_info=True)
            finally:
                if (checking := self._checking.get(stamp)) and checking[1] is task:
                    del self._checking[stamp]
            return held

        task = asyncio.get_running_loop().create_task(check())
        return task

    @staticmethod
    def _size(answer: Answer) -> int:
        return sum(len(m.get("body", b"")) for m in answer[1])

    def _keep(self, key: tuple[object, ...], answer: Answer) -> None:
        """Keep an answer given while the current token held, if there is room."""
        size = self._size(answer)
        if key in self._answers or size > MAX_ANSWER or not self._room(size):
            return
        self._answers[key] = answer
        self._bytes += size

    def _keep_revised(
        self, key: tuple[object, ...], stamp: Hashable, answer: Answer, revision: object
    ) -> None:
        self._drop_revised(key)
        size = self._size(answer)
        if size <= MAX_ANSWER and self._room(size):
            self._revised[key] = _Revised(stamp, answer, revision, size, time.monotonic())
            self._revised_bytes += size

    def _drop_revised(self, key: tuple[object, ...]) -> None:
        if (old := self._revised.pop(key, None)) is not None:
            self._revised_bytes -= old.size

    def _room(self, size: int) -> bool:
        """Whether ``size`` more bytes fit, after dropping revised answers gone cold if need
        be (the least recently used first)."""
        cold = time.monotonic() - COLD_SECONDS
        while self._bytes + self._revised_bytes + size > self._max_bytes and self._revised:
            oldest = next(iter(self._revised.values()))
            if oldest.used > cold:
                break
            self._drop_revised(next(iter(self._revised)))
        return self._bytes + self._revised_bytes + size <= self._max_bytes


def _keepable(template: str | None, messages: list[dict[str, Any]]) -> Answer | None:
    """A complete plain 200 answer without a cookie, with its content headers only; else None."""
    if not messages or messages[0].get("status") != 200 or messages[-1].get("more_body"):
        return None
    headers = messages[0].get("headers", ())
    if any(name.lower() == b"set-cookie" for name, _ in headers):
        return None
    start = {**messages[0], "headers": content_headers(headers)}
    return template, [start, *messages[1:]]


def _shelf_key(key: tuple[object, ...]) -> bytes:
    # The key holds str and bytes only, whose repr is the same in every worker.
    return hashlib.sha256(repr(key).encode()).digest()


def _packed(answer: Answer) -> bytes:
    return msgspec.msgpack.encode(answer)


def _unpacked(data: bytes | None) -> Answer | None:
    """An answer from the shelf, or None for a miss or anything that is not one."""
    if data is None:
        return None
    try:
        template, messages = msgspec.msgpack.decode(data)
        start = messages[0]
        start["headers"] = [(bytes(name), bytes(value)) for name, value in start["headers"]]
        bodies_ok = all(m["type"] == "http.response.body" for m in messages[1:])
    except (msgspec.DecodeError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None
    if start.get("type") != "http.response.start" or start.get("status") != 200 or not bodies_ok:
        return None
    return template, messages


async def _replay(answer: Answer, scope: Scope, send: Send) -> None:
    template, replies = answer
    if template is not None:
        scope["path_template"] = template  # the request log names the route
    for reply in replies:
        await send(_copy(reply))


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The request's body when it is small; ``complete`` is False when reading stopped early
    (too large, or the client left), and what was read is replayed to the app."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True
        if size > MAX_BODY:
            return b"".join(chunks), False


def _replaying(body: bytes, complete: bool, receive: Receive) -> Receive:
    """A ``receive`` that first hands out what was already read, then the rest."""
    given = False

    async def replay() -> dict[str, Any]:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": not complete}

    return replay


def _copy(message: dict[str, Any]) -> dict[str, Any]:
    """A message the outer middlewares may change without changing the one kept."""
    if "headers" in message:
        return {**message, "headers": list(message["headers"])}
    return dict(message)


def _content_type(scope: Scope) -> bytes:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return bytes(value)
    return b""
