"""Registering sites and the origins allowed to embed them."""

from __future__ import annotations

from collections.abc import Sequence

from rostra.domain.errors import ConflictError, NotFoundError
from rostra.domain.moderation import ModerationSettings
from rostra.domain.screening import validate_settings
from rostra.domain.sites import Site, normalize_origin, validate_site_name
from rostra.services.ports import Storage


class SiteService:
    """Site administration, used by the CLI and the dashboard."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def add_site(self, name: str, origins: Sequence[str], title: str = "") -> Site:
        """Register a new site; its name must be free."""
        site = Site(validate_site_name(name), _origins(origins), title.strip())
        async with self._storage.write() as tx:
            if await tx.sites.get(site.name) is not None:
                raise ConflictError(f"A site called {site.name!r} exists already.", field="site")
            await tx.sites.add(site)
        return site

    async def allow_origins(self, name: str, origins: Sequence[str]) -> Site:
        """Add origins to an existing site, keeping the ones it has."""
        async with self._storage.write() as tx:
            site = await tx.sites.get(name)
            if site is None:
                raise NotFoundError(f"There is no site called {name!r}.", field="site")
            merged = tuple(dict.fromkeys((*site.origins, *_origins(origins))))
            await tx.sites.set_origins(name, merged)
        return Site(site.name, merged, site.title)

    async def get_site(self, name: str) -> Site:
        """The site called ``name``; raises ``NotFoundError`` for an unknown name."""
        async with self._storage.read() as tx:
            site = await tx.sites.get(name)
        if site is None:
            raise NotFoundError(f"There is no site called {name!r}.", field="site")
        return site

    async def moderation_settings(self, name: str) -> ModerationSettings:
        """The site's moderation settings (defaults until an admin saves some)."""
        async with self._storage.read() as tx:
            if await tx.sites.get(name) is None:
                raise NotFoundError(f"There is no site called {name!r}.", field="site")
            return await tx.sites.moderation_settings(name)

    async def update_moderation(
        self, name: str, settings: ModerationSettings
    ) -> ModerationSettings:
        """Replace the site's moderation settings after checking every value; raises
        ``ValidationError`` naming the bad field, ``NotFoundError`` for an unknown site."""
        validate_settings(settings)
        async with self._storage.write() as tx:
            if await tx.sites.get(name) is None:
                raise NotFoundError(f"There is no site called {name!r}.", field="site")
            await tx.sites.set_moderation_settings(name, settings)
        return settings

    async def list_sites(self) -> list[Site]:
        """Every registered site."""
        async with self._storage.read() as tx:
            return await tx.sites.list_all()

    async def allowed_origins(self) -> frozenset[str]:
        """Every origin of every site: what CORS may answer."""
        return frozenset(origin for site in await self.list_sites() for origin in site.origins)


def _origins(origins: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(normalize_origin(origin) for origin in origins))
