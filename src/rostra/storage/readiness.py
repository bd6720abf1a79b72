"""The probes behind ``GET /readyz``: the database answers, Redis answers (when configured),
the schema is at this version's head, and the media store can take files."""

from __future__ import annotations

from redis.asyncio import Redis

from rostra.services.ports import ImageStore
from rostra.services.readiness import Probe
from rostra.storage.database import Database
from rostra.storage.migrate import SchemaCheck

REDIS_PROBE_SECONDS = 2.0


class DatabaseProbes:
    """The database and its schema, on the app's own engine."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._schema = SchemaCheck(database.engine)

    async def database(self) -> Probe:
        await self._database.ping()
        return Probe(True)

    async def migrations(self) -> Probe:
        state, current = await self._schema.state()
        head = self._schema.head
        if state == "at_head":
            return Probe(True, f"at {head}")
        if state == "newer":
            # A newer release migrated first (expand); this one keeps serving until replaced.
            return Probe(True, f"at {current}, newer than this version's {head}")
        return Probe(False, f"at {current or 'no revision'}; this version needs {head}")


class RedisProbe:
    """A PING on a client of its own with short timeouts (a stuck Redis fails the probe)."""

    def __init__(self, url: str) -> None:
        self._redis: Redis = Redis.from_url(
            url, socket_timeout=REDIS_PROBE_SECONDS, socket_connect_timeout=REDIS_PROBE_SECONDS
        )

    async def __call__(self) -> Probe:
        await self._redis.ping()
        return Probe(True)

    async def close(self) -> None:
        await self._redis.aclose()


class MediaProbe:
    """The image store: a folder that can be written, a table that can be read, a bucket that
    can be listed. Its failure says which and why."""

    def __init__(self, store: ImageStore) -> None:
        self._store = store

    async def __call__(self) -> Probe:
        try:
            return Probe(True, await self._store.check())
        except OSError as exc:
            return Probe(False, str(exc))
