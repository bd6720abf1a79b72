"""Sites in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from rostra.domain.moderation import ModerationSettings
from rostra.domain.reactions import site_reactions
from rostra.domain.screening import settings_from_json, settings_to_json
from rostra.domain.sites import Site
from rostra.domain.times import to_us
from rostra.services.clock import SystemClock
from rostra.storage.prebuilt import prebuilt
from rostra.storage.tables import sites

# Built once: every new comment reads its site and settings (a statement object keeps its cache
# key; building one per call cost several times running it, docs/performance.md).
_GET = prebuilt(
    sa.select(sites.c.name, sites.c.title, sites.c.origins, sites.c.reactions).where(
        sites.c.name == sa.bindparam("name")
    )
)
_MODERATION = prebuilt(sa.select(sites.c.moderation).where(sites.c.name == sa.bindparam("name")))
_GET_WITH_SETTINGS = prebuilt(
    sa.select(
        sites.c.name, sites.c.title, sites.c.origins, sites.c.reactions, sites.c.moderation
    ).where(sites.c.name == sa.bindparam("name"))
)


def _site(row: Any) -> Site:
    return Site(row.name, tuple(row.origins or ()), row.title, site_reactions(row.reactions))


class SqlSiteRepository:
    """``SiteRepository`` on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, name: str) -> Site | None:
        row = (await self._conn.execute(_GET, {"name": name})).first()
        return _site(row) if row else None

    async def add(self, site: Site) -> None:
        await self._conn.execute(
            sites.insert().values(
                name=site.name,
                title=site.title,
                origins=list(site.origins),
                created_us=to_us(SystemClock().now()),
            )
        )

    async def set_origins(self, name: str, origins: Sequence[str]) -> None:
        await self._conn.execute(
            sites.update().where(sites.c.name == name).values(origins=list(origins))
        )

    async def set_reactions(self, name: str, reactions: Sequence[str] | None) -> None:
        value = None if reactions is None else list(reactions)
        await self._conn.execute(sites.update().where(sites.c.name == name).values(reactions=value))

    async def list_all(self) -> list[Site]:
        result = await self._conn.execute(
            sa.select(sites.c.name, sites.c.title, sites.c.origins, sites.c.reactions).order_by(
                sites.c.name
            )
        )
        return [_site(row) for row in result]

    async def moderation_settings(self, name: str) -> ModerationSettings:
        stored = await self._conn.scalar(_MODERATION, {"name": name})
        return settings_from_json(stored)

    async def get_with_settings(self, name: str) -> tuple[Site, ModerationSettings] | None:
        row = (await self._conn.execute(_GET_WITH_SETTINGS, {"name": name})).first()
        return (_site(row), settings_from_json(row.moderation)) if row else None

    async def set_moderation_settings(self, name: str, settings: ModerationSettings) -> None:
        await self._conn.execute(
            sites.update().where(sites.c.name == name).values(moderation=settings_to_json(settings))
        )
