"""Webhook endpoints in SQL, and their deliveries: the outbox rows of kind ``webhook`` whose
``recipient`` is the endpoint's id."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from rostra.domain.subscriptions import JobStatus, MailKind
from rostra.domain.times import from_us, to_us
from rostra.domain.webhooks import Delivery, WebhookEndpoint
from rostra.storage.prebuilt import prebuilt
from rostra.storage.tables import outbox, sites, webhook_endpoints

_ENDPOINT_COLUMNS = (
    webhook_endpoints.c.id,
    sites.c.name.label("site"),
    webhook_endpoints.c.url,
    webhook_endpoints.c.events,
    webhook_endpoints.c.description,
    webhook_endpoints.c.secret,
    webhook_endpoints.c.created_us,
)
_JOINED = webhook_endpoints.join(sites, sites.c.id == webhook_endpoints.c.site_id)
_ORDER = (webhook_endpoints.c.created_us, webhook_endpoints.c.id)
# Every comment posted asks for its site's endpoints: built once.
_FOR_SITE = prebuilt(
    sa.select(*_ENDPOINT_COLUMNS)
    .select_from(_JOINED)
    .where(sites.c.name == sa.bindparam("site"))
    .order_by(*_ORDER)
)


def _endpoint(row: Any) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=row.id,
        site=row.site,
        url=row.url,
        events=tuple(row.events),
        description=row.description,
        created_at=from_us(row.created_us),
        sealed_secret=row.secret,
    )


def _delivery(row: Any) -> Delivery:
    event = dict(row.payload).get("event") or {}
    pending = row.status == JobStatus.PENDING.value
    return Delivery(
        id=int(row.id),
        endpoint_id=row.recipient,
        event_id=str(event.get("id", "")),
        event_type=str(event.get("type", "")),
        status=row.status,
        attempts=int(row.attempts),
        response_code=row.response_code,
        last_error=row.last_error,
        created_at=from_us(row.created_us),
        next_attempt_at=from_us(row.available_us) if pending else None,
        sent_at=from_us(row.sent_us) if row.sent_us is not None else None,
    )


class SqlWebhookRepository:
    """``WebhookRepository`` on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_endpoint(self, endpoint: WebhookEndpoint) -> None:
        site_id = sa.select(sites.c.id).where(sites.c.name == endpoint.site).scalar_subquery()
        await self._conn.execute(
            webhook_endpoints.insert().values(
                id=endpoint.id,
                site_id=site_id,
                url=endpoint.url,
                events=list(endpoint.events),
                description=endpoint.description,
                secret=endpoint.sealed_secret,
                created_us=to_us(endpoint.created_at),
            )
        )

    async def get_endpoint(self, endpoint_id: str) -> WebhookEndpoint | None:
        row = (
            await self._conn.execute(
                sa.select(*_ENDPOINT_COLUMNS)
                .select_from(_JOINED)
                .where(webhook_endpoints.c.id == endpoint_id)
            )
        ).first()
        return _endpoint(row) if row is not None else None

    async def list_endpoints(self, site: str | None = None) -> list[WebhookEndpoint]:
        if site is not None:
            result = await self._conn.execute(_FOR_SITE, {"site": site})
        else:
            result = await self._conn.execute(
                sa.select(*_ENDPOINT_COLUMNS).select_from(_JOINED).order_by(*_ORDER)
            )
        return [_endpoint(row) for row in result]

    async def remove_endpoint(self, endpoint_id: str) -> bool:
        result = await self._conn.execute(
            webhook_endpoints.delete().where(webhook_endpoints.c.id == endpoint_id)
        )
        return bool(result.rowcount)

    async def endpoints_for(self, site: str, event_type: str) -> list[WebhookEndpoint]:
        # Few endpoints per site (at most 20): the event filter runs here, the same on
        # both databases, rather than as a JSON query.
        return [e for e in await self.list_endpoints(site) if event_type in e.events]

    async def deliveries(self, endpoint_ids: Sequence[str], limit: int) -> list[Delivery]:
        if not endpoint_ids:
            return []
        result = await self._conn.execute(
            sa.select(outbox)
            .where(
                outbox.c.kind == MailKind.WEBHOOK.value,
                outbox.c.recipient.in_(list(endpoint_ids)),
            )
            .order_by(outbox.c.id.desc())
            .limit(limit)
        )
        return [_delivery(row) for row in result]

    async def delivery(self, delivery_id: int) -> tuple[Delivery, dict[str, object]] | None:
        row = (
            await self._conn.execute(
                sa.select(outbox).where(
                    outbox.c.id == delivery_id, outbox.c.kind == MailKind.WEBHOOK.value
                )
            )
        ).first()
        return (_delivery(row), dict(row.payload)) if row is not None else None

    async def set_response(self, delivery_id: int, status_code: int | None) -> None:
        await self._conn.execute(
            outbox.update().where(outbox.c.id == delivery_id).values(response_code=status_code)
        )

    async def any_due(self, kinds: Sequence[str], now: datetime) -> bool:
        now_us = to_us(now)
        found = await self._conn.scalar(
            sa.select(outbox.c.id)
            .where(
                outbox.c.status == JobStatus.PENDING.value,
                outbox.c.available_us <= now_us,
                outbox.c.kind.in_(list(kinds)),
                sa.or_(outbox.c.lease_until_us.is_(None), outbox.c.lease_until_us < now_us),
            )
            .limit(1)
        )
        return found is not None
