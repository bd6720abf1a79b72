"""Applying the Alembic revisions shipped inside the package."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import create_async_engine

from rostra.storage.database import async_url


def alembic_config(url: str) -> Config:
    """An Alembic configuration for ``url`` that needs no alembic.ini on disk."""
    config = Config()
    config.set_main_option("script_location", "rostra.storage:migrations")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision``, blocking until done.

    Alembic's environment runs its own event loop, so from inside a running loop the work moves
    to a helper thread.
    """
    config = alembic_config(url)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        command.upgrade(config, revision)
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(command.upgrade, config, revision).result()


def head_revision() -> str:
    """The newest revision shipped with this version."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    return str(head)


async def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is at; None before the first migration."""
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()
