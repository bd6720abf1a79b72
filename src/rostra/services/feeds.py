"""Feeds: the latest published comments of a thread or of a whole site, for RSS and Atom
readers. A feed is as fresh as its version (the highest version of the threads it covers), so
adapters can cache a rendered feed under it and answer ``304`` to a reader that has it."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from rostra.domain.comments import Comment
from rostra.domain.errors import NotFoundError, ValidationError
from rostra.domain.sites import Site
from rostra.domain.threads import validate_page
from rostra.services.callers import Caller, check_origin
from rostra.services.ports import SiteRepository

FEED_SIZE = 30
MAX_LATEST = 20  # the "latest comments" element of a home page


@dataclass(frozen=True, slots=True)
class FeedItem:
    comment: Comment
    page: str
    page_title: str | None


@dataclass(frozen=True, slots=True)
class Feed:
    """The newest published comments, newest first, of one page (``page``) or the site."""

    site: Site
    page: str | None
    version: int
    items: tuple[FeedItem, ...]

    @property
    def page_title(self) -> str | None:
        return next((item.page_title for item in self.items if item.page_title), None)


class FeedRepository(Protocol):
    async def version(self, site: str, page: str | None) -> int:
        """The highest version of the site's threads (or of the page's thread); 0 for none."""

    async def latest(self, site: str, page: str | None, limit: int) -> list[FeedItem]:
        """The newest published comments, newest first."""


class FeedTransaction(Protocol):
    sites: SiteRepository
    feeds: FeedRepository


class FeedStorage(Protocol):
    def read(self) -> AbstractAsyncContextManager[FeedTransaction]: ...


class FeedService:
    """What a feed of a site or page holds, and the version it is valid for."""

    def __init__(self, storage: FeedStorage) -> None:
        self._storage = storage

    async def version(self, site: str, page: str | None = None) -> int:
        """The feed's version: one indexed read, to answer a cached copy."""
        page = validate_page(page) if page is not None else None
        async with self._storage.read() as tx:
            await self._site(tx, site)
            return await tx.feeds.version(site, page)

    async def feed(self, site: str, page: str | None = None, limit: int = FEED_SIZE) -> Feed:
        page = validate_page(page) if page is not None else None
        async with self._storage.read() as tx:
            found = await self._site(tx, site)
            version = await tx.feeds.version(site, page)
            items = await tx.feeds.latest(site, page, limit)
        return Feed(found, page, version, tuple(items))

    async def latest(self, site: str, limit: int, caller: Caller) -> Feed:
        """The site's newest published comments for its own pages' "latest comments"
        element: a browser on another site's page is refused."""
        if not 1 <= limit <= MAX_LATEST:
            raise ValidationError(f"'limit' is 1 to {MAX_LATEST}.", field="limit")
        async with self._storage.read() as tx:
            found = await self._site(tx, site)
            check_origin(found, caller)
            version = await tx.feeds.version(site, None)
            items = await tx.feeds.latest(site, None, limit)
        return Feed(found, None, version, tuple(items))

    @staticmethod
    async def _site(tx: FeedTransaction, name: str) -> Site:
        site = await tx.sites.get(name)
        if site is None:
            raise NotFoundError(f"There is no site called {name!r}.", field="site")
        return site
