"""Whole answers shared by the workers of a PostgreSQL + Redis deployment.

Each worker keeps the answers made under the current commit token (rostra.web.middleware.
settled), so after a commit to a hot thread every worker used to build the same page once more:
with N workers, N builds per commit. Here a worker that made an answer leaves it in Redis under
that token for a few seconds, and a worker that misses asks Redis before building. An answer is
only ever replayed under the token it was made at, which it is never older than, so sharing it
keeps the guarantee that a reader sees every commit answered before they asked.

Redis failing only costs the sharing: a read or write that fails or takes longer than
``TIMEOUT_SECONDS`` counts as a miss, and the shelf rests for ``REST_SECONDS`` before asking again.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Hashable

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

PREFIX = "rostra:answer:"
# Long enough for every worker to find an answer made after a commit, short enough that answers
# of past tokens (useless once the next commit lands) hold little memory: at 20 commits a
# second and a 20 KB page, about 2 MB.
KEEP_SECONDS = 5
TIMEOUT_SECONDS = 0.2  # Redis answers in well under a millisecond; building is cheaper than this
REST_SECONDS = 5.0
MAX_SHARED = 1 << 20
log = structlog.get_logger("rostra.storage")


class RedisAnswerShelf:
    """``rostra.services.page_cache.AnswerShelf`` in Redis."""

    def __init__(self, url: str, *, keep_seconds: int = KEEP_SECONDS) -> None:
        self._redis: Redis = Redis.from_url(
            url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
        )
        self._keep_seconds = keep_seconds
        self._resting_until = 0.0

    async def get(self, token: Hashable, key: bytes) -> bytes | None:
        if time.monotonic() < self._resting_until:
            return None
        try:
            found = await self._redis.get(_name(token, key))
        except (RedisError, OSError) as exc:
            self._rest("shared_answer_read_failed", exc)
            return None
        return found if isinstance(found, bytes) else None

    async def put(self, token: Hashable, key: bytes, value: bytes) -> None:
        if time.monotonic() < self._resting_until or len(value) > MAX_SHARED:
            return
        try:
            await self._redis.set(_name(token, key), value, ex=self._keep_seconds)
        except (RedisError, OSError) as exc:
            self._rest("shared_answer_write_failed", exc)

    async def close(self) -> None:
        await self._redis.aclose()

    def _rest(self, what: str, exc: Exception) -> None:
        self._resting_until = time.monotonic() + REST_SECONDS
        log.warning(what, error=str(exc), rest_seconds=REST_SECONDS)


def _name(token: Hashable, key: bytes) -> str:
    # The token is the change clock's (count, epoch): its repr is the same in every worker.
    digest = hashlib.sha256(repr(token).encode() + b"\0" + key).hexdigest()
    return PREFIX + digest
