"""Composition root: settings in, wired services and the ASGI app out."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, TypeVar

from rostra.config import Settings, load_settings
from rostra.live.local import LocalEventBus
from rostra.live.redis import RedisEventBus
from rostra.services.clock import SystemClock
from rostra.services.comments import CommentPolicy, CommentService
from rostra.services.live import LiveService
from rostra.services.ports import Clock, RateLimiter
from rostra.services.registry import Services
from rostra.services.sites import SiteService
from rostra.services.tokens import Keyring
from rostra.services.votes import VoteService
from rostra.storage.database import Database
from rostra.storage.rate_limits import LimitsRateLimiter, NoRateLimits
from rostra.web.app import create_app
from rostra.web.middleware.cors import ASGIApp

T = TypeVar("T")


def run_blocking(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion from sync code, even when an event loop is already running
    in this thread (ASGI servers call app factories from inside their loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _stored_secret(url: str) -> str:
    database = Database(url)
    try:
        return await database.secret_key()
    finally:
        await database.close()


def build_database(settings: Settings) -> Database:
    """The storage adapter for the configured URL."""
    return Database(settings.database_url)


def build_event_bus(settings: Settings) -> LocalEventBus | RedisEventBus:
    """Redis pub/sub when ``ROSTRA_REDIS_URL`` is set, in-process fan-out otherwise."""
    if settings.redis_url:
        return RedisEventBus(settings.redis_url)
    return LocalEventBus()


def build_rate_limiter(settings: Settings) -> RateLimiter:
    """Shared counters in Redis when configured, per-process memory otherwise, or none."""
    if not settings.rate_limits:
        return NoRateLimits()
    rules = {"comment": settings.rate_limit_comments, "vote": settings.rate_limit_votes}
    return LimitsRateLimiter(rules, settings.redis_url)


def build_keyring(settings: Settings) -> Keyring:
    """The configured secret key, or the one generated once and kept in the database."""
    key = settings.secret_key or run_blocking(_stored_secret(settings.database_url))
    return Keyring(key)


def build_services(settings: Settings, *, clock: Clock | None = None) -> Services:
    """Every service, wired to the adapters the settings choose (``clock`` for replaying
    history, as the demo's seed does)."""
    database = build_database(settings)
    events = build_event_bus(settings)
    keyring = build_keyring(settings)
    clock = clock or SystemClock()
    policy = CommentPolicy(
        edit_window=timedelta(minutes=settings.edit_window_minutes),
        max_depth=settings.max_reply_depth,
    )
    limiter = build_rate_limiter(settings)
    live = LiveService(database, events, clock)
    closers = [database.close]
    if isinstance(events, RedisEventBus):
        closers.append(events.close)
    return Services(
        comments=CommentService(database, live, clock, keyring, policy, limiter),
        votes=VoteService(database, live, limiter),
        sites=SiteService(database),
        live=live,
        keyring=keyring,
        check_health=database.ping,
        on_shutdown=closers,
    )


def build_app(settings: Settings) -> ASGIApp:
    """The ASGI app for ``settings``."""
    return create_app(
        build_services(settings), demo=settings.demo, max_request_bytes=settings.max_request_bytes
    )


def asgi_app_from_environment() -> ASGIApp:
    """App factory for ASGI servers, with settings from ``ROSTRA_*`` variables:
    ``uvicorn --factory rostra.bootstrap:asgi_app_from_environment``."""
    return build_app(load_settings(os.environ))
