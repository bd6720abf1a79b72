"""Rate limits on the ``limits`` library: memory in one process, Redis across workers."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping

import structlog
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from redis.exceptions import RedisError

log = structlog.get_logger("rostra.limits")
# A Redis that does not answer within this lets the action through (see ``hit``) rather than
# hold the request until the operating system gives up on the connection.
REDIS_TIMEOUT_SECONDS = 1.0


def parse_rules(rules: Mapping[str, str]) -> dict[str, list[RateLimitItem]]:
    """``{"comment": "10/minute;100/hour"}`` in the ``limits`` notation; raises ValueError."""
    return {action: parse_many(rule) for action, rule in rules.items()}


class LimitsRateLimiter:
    """``RateLimiter`` with sliding-window counters (cheap, and fair at window edges)."""

    def __init__(self, rules: Mapping[str, str], redis_url: str | None = None) -> None:
        self._rules = parse_rules(rules)
        self._storage: Storage = (
            RedisStorage(
                f"async+{redis_url}",
                implementation="redispy",
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )
            if redis_url
            else MemoryStorage()
        )
        self._limiter = SlidingWindowCounterRateLimiter(self._storage)

    async def hit(self, action: str, key: str) -> float | None:
        try:
            for item in self._rules.get(action, ()):
                if not await self._limiter.hit(item, action, key):
                    stats = await self._limiter.get_window_stats(item, action, key)
                    return max(1.0, math.ceil(stats.reset_time - time.time()))
        except RedisError as exc:
            # Readers should not lose the comment section because the counter store is down;
            # moderation still screens every comment.
            log.warning("rate_limit_unavailable", error=str(exc), action=action)
        return None


class NoRateLimits:
    """Every action allowed (``ROSTRA_RATE_LIMITS=off``: benchmarks, imports, outside tests)."""

    async def hit(self, action: str, key: str) -> float | None:
        del action, key
        return None
