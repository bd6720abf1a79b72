"""Campaigns, the donation ledger and seen payment events in SQL.

Idempotency lives in the schema: ``payment_events`` has the provider's event id as its primary
key and is written with ``INSERT … ON CONFLICT DO NOTHING``, so of two concurrent deliveries of
one event exactly one inserts (PostgreSQL makes the second wait for the first to commit, SQLite
runs one writer at a time). Ledger lines are upserts keyed by the provider's payment id, and a
refund only ever raises the refunded total, so events applied in any order end the same.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from rostra.domain.campaigns import (
    Campaign,
    CampaignTotals,
    Donation,
    PaymentEvent,
    currency,
)
from rostra.domain.times import from_us, to_us
from rostra.storage.tables import campaigns, donations, payment_events, sites

CAMPAIGN_COLUMNS = (*campaigns.c, sites.c.name.label("site"))
# What one ledger line adds to the total: the amount less refunds, never below zero.
NET = sa.case(
    (
        donations.c.amount_minor > donations.c.refunded_minor,
        donations.c.amount_minor - donations.c.refunded_minor,
    ),
    else_=0,
)


def _us(moment: datetime | None) -> int | None:
    return to_us(moment) if moment is not None else None


def _time(us: int | None) -> datetime | None:
    return from_us(us) if us is not None else None


def _campaign(row: Any) -> Campaign:
    return Campaign(
        id=row.id,
        site=row.site,
        goal=row.goal_minor,
        currency=currency(row.currency),
        milestones=tuple(int(m) for m in row.milestones or ()),
        preset_amounts=tuple(int(p) for p in row.preset_amounts or ()),
        title=row.title,
        starts_at=_time(row.starts_us),
        ends_at=_time(row.ends_us),
        thank_you=row.thank_you,
        created_by=row.created_by,
        created_at=from_us(row.created_us),
    )


def _donation(row: Any) -> Donation:
    return Donation(
        id=row.id,
        provider=row.provider,
        reference=row.reference,
        amount=row.amount_minor,
        refunded=row.refunded_minor,
        currency=row.currency,
        completed_at=_time(row.completed_us),
        donor_name=row.donor_name,
        entered_by=row.entered_by,
        note=row.note,
        created_at=from_us(row.created_us),
    )


def _settings(campaign: Campaign) -> dict[str, Any]:
    return {
        "title": campaign.title,
        "goal_minor": campaign.goal,
        "currency": campaign.currency.code,
        "milestones": list(campaign.milestones),
        "preset_amounts": list(campaign.preset_amounts),
        "starts_us": _us(campaign.starts_at),
        "ends_us": _us(campaign.ends_at),
        "thank_you": campaign.thank_you,
    }


class SqlCampaignRepository:
    """``CampaignRepository`` on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    def _insert(self) -> Any:
        return postgresql.insert if self._conn.dialect.name == "postgresql" else sqlite.insert

    def _select(self) -> sa.Select[Any]:
        return sa.select(*CAMPAIGN_COLUMNS).join(sites, sites.c.id == campaigns.c.site_id)

    async def add(self, campaign: Campaign, updated_at: datetime) -> None:
        site_id = sa.select(sites.c.id).where(sites.c.name == campaign.site).scalar_subquery()
        await self._conn.execute(
            campaigns.insert().values(
                id=campaign.id,
                site_id=site_id,
                created_by=campaign.created_by,
                created_us=to_us(campaign.created_at),
                updated_us=to_us(updated_at),
                **_settings(campaign),
            )
        )

    async def update(self, campaign: Campaign, updated_at: datetime) -> None:
        await self._conn.execute(
            campaigns.update()
            .where(campaigns.c.id == campaign.id)
            .values(updated_us=to_us(updated_at), **_settings(campaign))
        )

    async def get(self, campaign_id: str) -> Campaign | None:
        row = (
            await self._conn.execute(self._select().where(campaigns.c.id == campaign_id))
        ).first()
        return _campaign(row) if row else None

    async def current(self, site: str, now: datetime) -> Campaign | None:
        started = sa.or_(campaigns.c.starts_us.is_(None), campaigns.c.starts_us <= to_us(now))
        query = (
            self._select()
            .where(sites.c.name == site, started)
            .order_by(campaigns.c.created_us.desc(), campaigns.c.id.desc())
            .limit(1)
        )
        row = (await self._conn.execute(query)).first()
        return _campaign(row) if row else None

    async def list_for_site(self, site: str) -> list[Campaign]:
        query = (
            self._select()
            .where(sites.c.name == site)
            .order_by(campaigns.c.created_us.desc(), campaigns.c.id.desc())
        )
        return [_campaign(row) for row in await self._conn.execute(query)]

    async def totals(self, campaign: Campaign, *, public_donors: int = 5) -> CampaignTotals:
        counted = sa.and_(
            donations.c.campaign_id == campaign.id,
            donations.c.completed_us.is_not(None),
            donations.c.currency == campaign.currency.code,
        )
        row = (
            await self._conn.execute(
                sa.select(
                    sa.func.coalesce(sa.func.sum(NET), 0).label("raised"),
                    sa.func.count().filter(NET > 0).label("donors"),
                ).where(counted)
            )
        ).one()
        names = await self._conn.scalars(
            sa.select(donations.c.donor_name)
            .where(counted, donations.c.donor_name.is_not(None), NET > 0)
            .order_by(donations.c.completed_us.desc(), donations.c.id.desc())
            .limit(public_donors)
        )
        return CampaignTotals(int(row.raised), int(row.donors), tuple(str(n) for n in names))

    async def remember_event(self, event: PaymentEvent, outcome: str, at: datetime) -> bool:
        result = await self._conn.execute(
            self._insert()(payment_events)
            .values(
                provider=event.provider,
                event_id=event.event_id,
                type=event.type[:64],
                reference=event.reference,
                outcome=outcome,
                received_us=to_us(at),
            )
            .on_conflict_do_nothing(index_elements=["provider", "event_id"])
        )
        return bool(result.rowcount == 1)

    async def apply_payment(self, event: PaymentEvent, at: datetime) -> None:
        assert event.reference is not None  # noqa: S101 - the provider adapter guarantees it
        insert = self._insert()(donations).values(
            campaign_id=event.campaign_id,
            provider=event.provider,
            reference=event.reference,
            currency=event.currency,
            amount_minor=event.amount,
            refunded_minor=0,
            completed_us=to_us(at),
            donor_name=event.donor_name,
            note="",
            created_us=to_us(at),
            updated_us=to_us(at),
        )
        # A refund seen first made the line already: complete it, keep its refunded total.
        await self._conn.execute(
            insert.on_conflict_do_update(
                index_elements=["provider", "reference"],
                set_={
                    "campaign_id": insert.excluded.campaign_id,
                    "currency": insert.excluded.currency,
                    "amount_minor": insert.excluded.amount_minor,
                    "completed_us": sa.func.coalesce(
                        donations.c.completed_us, insert.excluded.completed_us
                    ),
                    "donor_name": insert.excluded.donor_name,
                    "updated_us": insert.excluded.updated_us,
                },
            )
        )

    async def apply_refund(self, event: PaymentEvent, at: datetime) -> str | None:
        assert event.reference is not None  # noqa: S101 - the provider adapter guarantees it
        insert = self._insert()(donations).values(
            campaign_id=None,
            provider=event.provider,
            reference=event.reference,
            currency=event.currency,
            amount_minor=0,
            refunded_minor=event.refunded,
            completed_us=None,
            note="",
            created_us=to_us(at),
            updated_us=to_us(at),
        )
        await self._conn.execute(
            insert.on_conflict_do_update(
                index_elements=["provider", "reference"],
                set_={
                    "refunded_minor": sa.case(
                        (
                            donations.c.refunded_minor < insert.excluded.refunded_minor,
                            insert.excluded.refunded_minor,
                        ),
                        else_=donations.c.refunded_minor,
                    ),
                    "updated_us": insert.excluded.updated_us,
                },
            )
        )
        campaign_id = await self._conn.scalar(
            sa.select(donations.c.campaign_id).where(
                donations.c.provider == event.provider, donations.c.reference == event.reference
            )
        )
        return str(campaign_id) if campaign_id is not None else None

    async def add_manual(
        self,
        campaign: Campaign,
        reference: str,
        amount: int,
        donor_name: str | None,
        entered_by: str,
        note: str,
        at: datetime,
    ) -> Donation:
        result = await self._conn.execute(
            donations.insert()
            .values(
                campaign_id=campaign.id,
                provider="manual",
                reference=reference,
                currency=campaign.currency.code,
                amount_minor=amount,
                refunded_minor=0,
                completed_us=to_us(at),
                donor_name=donor_name,
                entered_by=entered_by,
                note=note,
                created_us=to_us(at),
                updated_us=to_us(at),
            )
            .returning(*donations.c)
        )
        return _donation(result.one())

    async def donations(self, campaign_id: str, limit: int) -> list[Donation]:
        result = await self._conn.execute(
            sa.select(*donations.c)
            .where(donations.c.campaign_id == campaign_id)
            .order_by(donations.c.created_us.desc(), donations.c.id.desc())
            .limit(limit)
        )
        return [_donation(row) for row in result]
