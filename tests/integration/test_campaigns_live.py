"""Campaign totals reach support widgets on every worker: the snapshot first, then each
change, in-process and through Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from rostra.bootstrap import build_services
from rostra.config import Settings
from rostra.domain.campaigns import Campaign, CampaignDraft, currency
from rostra.domain.errors import NotFoundError
from rostra.domain.events import CampaignUpdated
from rostra.domain.staff import Role, StaffUser
from rostra.services.registry import Services
from tests.conftest import REDIS_URL, SECRET_KEY, MovableClock, _answers, service_missing

WAIT = 5.0


async def take(events: AsyncIterator[CampaignUpdated]) -> CampaignUpdated:
    return await asyncio.wait_for(anext(events), WAIT)


@pytest.fixture
def admin(clock: MovableClock) -> StaffUser:
    return StaffUser(id=1, email="admin@news.example", role=Role.ADMIN, created_at=clock.now())


@pytest.fixture
async def campaign(services: Services, admin: StaffUser) -> Campaign:
    assert services.campaigns is not None
    return await services.campaigns.create_campaign(
        admin, "news", CampaignDraft(goal=100_000, currency=currency("EUR"))
    )


async def test_reader_gets_the_total_then_each_change(
    services: Services, campaign: Campaign, admin: StaffUser
) -> None:
    assert services.campaigns is not None
    events = await services.campaigns.follow_campaign("news")
    first = await take(events)
    assert (first.comment_id, first.raised, first.currency) == (campaign.id, "0.00", "EUR")
    await services.campaigns.record_manual_donation(admin, campaign.id, "12.34")
    changed = await take(events)
    assert (changed.raised, changed.donor_count) == ("12.34", 1)
    await events.aclose()  # type: ignore[attr-defined]


async def test_unknown_site_is_refused_before_streaming(services: Services) -> None:
    assert services.campaigns is not None
    with pytest.raises(NotFoundError):
        await services.campaigns.follow_campaign("nosuchsite")


@pytest.mark.redis
async def test_a_donation_on_one_worker_reaches_readers_of_another(
    settings: Settings, services: Services, campaign: Campaign, admin: StaffUser
) -> None:
    if not _answers(REDIS_URL, 6379):
        service_missing("Redis", REDIS_URL)
    redis_settings = settings.with_overrides(redis_url=REDIS_URL, secret_key=SECRET_KEY)
    workers = [build_services(redis_settings) for _ in range(2)]
    try:
        reading, writing = workers[1].campaigns, workers[0].campaigns
        assert reading is not None and writing is not None
        events = await reading.follow_campaign("news")
        assert (await take(events)).raised == "0.00"
        await writing.record_manual_donation(admin, campaign.id, "50")
        relayed = await take(events)
        assert (relayed.name, relayed.comment_id, relayed.raised) == (
            "campaign.updated",
            campaign.id,
            "50.00",
        )
        await events.aclose()  # type: ignore[attr-defined]
    finally:
        for worker in workers:
            for hook in worker.on_shutdown:
                await hook()
