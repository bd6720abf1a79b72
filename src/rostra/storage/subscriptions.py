"""Subscriptions in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from rostra.domain.subscriptions import (
    NewSubscription,
    Recipient,
    Subscription,
    SubscriptionKind,
    SubscriptionStatus,
)
from rostra.domain.times import from_us, to_us
from rostra.storage.tables import comments, sites, subscriptions

_COLUMNS = (
    subscriptions.c.id,
    sites.c.name.label("site"),
    subscriptions.c.page,
    subscriptions.c.kind,
    subscriptions.c.email,
    subscriptions.c.status,
    subscriptions.c.created_us,
    subscriptions.c.lang,
)


def _subscription(row: Any) -> Subscription:
    return Subscription(
        id=row.id,
        site=row.site,
        page=row.page,
        kind=SubscriptionKind(row.kind),
        email=row.email,
        status=SubscriptionStatus(row.status),
        created_at=from_us(row.created_us),
        lang=row.lang,
    )


class SqlSubscriptionRepository:
    """``SubscriptionRepository`` on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_pending(self, subscription: NewSubscription) -> tuple[str, SubscriptionStatus]:
        site_id = sa.select(sites.c.id).where(sites.c.name == subscription.site).scalar_subquery()
        insert = postgresql.insert if self._conn.dialect.name == "postgresql" else sqlite.insert
        statement = insert(subscriptions).values(
            id=subscription.id,
            site_id=site_id,
            page=subscription.page,
            kind=subscription.kind.value,
            scope=subscription.scope,
            email=subscription.email,
            email_hash=subscription.email_hash,
            status=SubscriptionStatus.PENDING.value,
            created_us=to_us(subscription.created_at),
            lang=subscription.lang,
        )
        await self._conn.execute(
            statement.on_conflict_do_nothing(
                index_elements=["site_id", "email_hash", "kind", "scope"]
            )
        )
        row = (
            await self._conn.execute(
                sa.select(subscriptions.c.id, subscriptions.c.status)
                .join(sites, sites.c.id == subscriptions.c.site_id)
                .where(
                    sites.c.name == subscription.site,
                    subscriptions.c.email_hash == subscription.email_hash,
                    subscriptions.c.kind == subscription.kind.value,
                    subscriptions.c.scope == subscription.scope,
                )
            )
        ).one()
        # The address may have changed case in its local part, the reader their language:
        # the latest is used.
        await self._conn.execute(
            subscriptions.update()
            .where(subscriptions.c.id == row.id)
            .values(email=subscription.email, lang=subscription.lang)
        )
        return row.id, SubscriptionStatus(row.status)

    async def get(self, subscription_id: str) -> Subscription | None:
        row = (
            await self._conn.execute(
                sa.select(*_COLUMNS)
                .join(sites, sites.c.id == subscriptions.c.site_id)
                .where(subscriptions.c.id == subscription_id)
            )
        ).first()
        return _subscription(row) if row else None

    async def confirm(self, subscription_id: str, now: datetime) -> bool:
        result = await self._conn.execute(
            subscriptions.update()
            .where(subscriptions.c.id == subscription_id)
            .values(
                status=SubscriptionStatus.CONFIRMED.value,
                confirmed_us=sa.func.coalesce(subscriptions.c.confirmed_us, to_us(now)),
            )
        )
        return bool(result.rowcount)

    async def remove(self, subscription_id: str) -> bool:
        result = await self._conn.execute(
            subscriptions.delete().where(subscriptions.c.id == subscription_id)
        )
        return bool(result.rowcount)

    async def list_for_address(self, email_hash: str) -> list[Subscription]:
        result = await self._conn.execute(
            sa.select(*_COLUMNS)
            .join(sites, sites.c.id == subscriptions.c.site_id)
            .where(subscriptions.c.email_hash == email_hash)
            .order_by(sites.c.name, subscriptions.c.kind, subscriptions.c.page)
        )
        return [_subscription(row) for row in result]

    async def author_subscription(self, site: str, comment_id: str) -> Recipient | None:
        site_id = sa.select(sites.c.id).where(sites.c.name == site).scalar_subquery()
        author = (
            sa.select(comments.c.author_email_hash)
            .where(comments.c.id == comment_id)
            .scalar_subquery()
        )
        row = (
            await self._conn.execute(
                sa.select(
                    subscriptions.c.id,
                    subscriptions.c.kind,
                    subscriptions.c.email,
                    subscriptions.c.next_digest_us,
                    subscriptions.c.lang,
                )
                .where(
                    subscriptions.c.site_id == site_id,
                    subscriptions.c.status == SubscriptionStatus.CONFIRMED.value,
                    subscriptions.c.email_hash == author,
                )
                # "replies" before "all": the author asked to hear about their own comments.
                .order_by(subscriptions.c.kind.desc(), subscriptions.c.id)
                .limit(1)
            )
        ).first()
        if row is None:
            return None
        return Recipient(
            row.id, SubscriptionKind(row.kind), row.email, from_us(row.next_digest_us), row.lang
        )

    async def recipients(
        self, site: str, page: str, comment_id: str, parent_id: str | None
    ) -> list[Recipient]:
        site_id = sa.select(sites.c.id).where(sites.c.name == site).scalar_subquery()
        wanted = sa.and_(
            subscriptions.c.kind == SubscriptionKind.ALL.value, subscriptions.c.scope == page
        )
        if parent_id is not None:
            parent_author = (
                sa.select(comments.c.author_email_hash)
                .where(comments.c.id == parent_id)
                .scalar_subquery()
            )
            wanted = sa.or_(
                wanted,
                sa.and_(
                    subscriptions.c.kind == SubscriptionKind.REPLIES.value,
                    subscriptions.c.scope == "",
                    subscriptions.c.email_hash == parent_author,
                ),
            )
        own_author = (
            sa.select(comments.c.author_email_hash)
            .where(comments.c.id == comment_id)
            .scalar_subquery()
        )
        result = await self._conn.execute(
            sa.select(
                subscriptions.c.id,
                subscriptions.c.kind,
                subscriptions.c.email,
                subscriptions.c.next_digest_us,
            )
            .where(
                subscriptions.c.site_id == site_id,
                subscriptions.c.status == SubscriptionStatus.CONFIRMED.value,
                wanted,
                # IS DISTINCT FROM: an anonymous comment (no address) excludes nobody.
                subscriptions.c.email_hash.is_distinct_from(own_author),
            )
            .order_by(subscriptions.c.id)
        )
        return [
            Recipient(row.id, SubscriptionKind(row.kind), row.email, from_us(row.next_digest_us))
            for row in result
        ]

    async def mentioned(
        self, site: str, page: str, comment_id: str, mentioned_ids: Sequence[str]
    ) -> list[Recipient]:
        if not mentioned_ids:
            return []
        site_id = sa.select(sites.c.id).where(sites.c.name == site).scalar_subquery()
        authors = sa.select(comments.c.author_email_hash).where(
            comments.c.id.in_(list(mentioned_ids)), comments.c.author_email_hash.is_not(None)
        )
        own_author = (
            sa.select(comments.c.author_email_hash)
            .where(comments.c.id == comment_id)
            .scalar_subquery()
        )
        s = subscriptions.c
        result = await self._conn.execute(
            sa.select(s.id, s.kind, s.email, s.next_digest_us)
            .where(
                s.site_id == site_id,
                s.status == SubscriptionStatus.CONFIRMED.value,
                s.email_hash.in_(authors),
                sa.or_(
                    sa.and_(s.kind == SubscriptionKind.REPLIES.value, s.scope == ""),
                    sa.and_(s.kind == SubscriptionKind.ALL.value, s.scope == page),
                ),
                s.email_hash.is_distinct_from(own_author),
            )
            .order_by(s.id)
        )
        return [
            Recipient(row.id, SubscriptionKind(row.kind), row.email, from_us(row.next_digest_us))
            for row in result
        ]

    async def set_next_digest(self, subscription_id: str, moment: datetime) -> None:
        await self._conn.execute(
            subscriptions.update()
            .where(subscriptions.c.id == subscription_id)
            .values(next_digest_us=to_us(moment))
        )
