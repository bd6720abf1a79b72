"""Composition root: settings in, wired services and the ASGI app out."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, TypeVar

from rostra.config import Settings, load_settings
from rostra.services.clock import SystemClock
from rostra.services.comments import CommentPolicy, CommentService
from rostra.services.ports import Clock, EventBus
from rostra.services.registry import Services
from rostra.services.sites import SiteService
from rostra.services.tokens import Keyring
from rostra.services.votes import VoteService
from rostra.storage.database import Database
from rostra.web.app import create_app
from rostra.web.bus import LocalEventBus
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


def build_event_bus(settings: Settings) -> EventBus:
    """In-process fan-out for the embedded default."""
    del settings
    return LocalEventBus()


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
    return Services(
        comments=CommentService(database, events, clock, keyring, policy),
        votes=VoteService(database, events),
        sites=SiteService(database),
        events=events,
        keyring=keyring,
        check_health=database.ping,
        on_shutdown=[database.close],
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
