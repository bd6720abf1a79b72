"""Staff teach the default (trained) screen, per site: a comment rejected and learned as a
category holds the next comment that reads like it, on every worker; approving a comment the
screen held teaches it what the site allows."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from rostra.bootstrap import build_services
from rostra.config import Settings
from rostra.services.registry import Services
from rostra.services.screening import TAUGHT_POLL
from rostra.storage.database import Database
from tests.api.helpers import post_comment
from tests.api.staff_helpers import (
    MODERATOR,
    add_staff,
    api_client,
    automatic_rules,
    sign_in,
)
from tests.conftest import MovableClock

# Local slang for a threat the shipped model does not know.
TAUGHT = "Ghosting the gaffer in the car park tonight, bring the lads."
NEAR = "Ghosting the gaffer in the car park tonight, bring all the lads."


@pytest.fixture
async def second_worker(settings: Settings, clock: MovableClock) -> AsyncIterator[Services]:
    """Another process's services on the same database (a second worker or host)."""
    services = build_services(settings, clock=clock)
    yield services
    for hook in services.on_shutdown:
        await hook()


def _by(author: str, body: str, site: str = "news") -> dict[str, str]:
    # A distinct author each time, so that the duplicate rule stays out of the way.
    return {
        "author_name": author,
        "author_email": f"{author}@example.org",
        "body": body,
        "site": site,
    }


async def test_a_taught_threat_holds_a_near_copy_on_every_worker_of_that_site_only(
    services: Services,
    second_worker: Services,
    clock: MovableClock,
    database_url: str,
) -> None:
    await services.sites.add_site("other", ["https://other.example"], "Other")
    async with await api_client(services) as first, await api_client(second_worker) as second:
        before = await post_comment(first, **_by("ann", TAUGHT))
        assert before.status_code == 201, before.text  # the shipped model lets it through
        warm = await post_comment(second, **_by("bo", "Lovely weather for the match."))
        assert warm.status_code == 201, warm.text  # the second worker has read the lessons
        await add_staff(services, MODERATOR, "moderator")
        await sign_in(first, MODERATOR)
        learned = await first.post(
            f"/api/v1/moderation/comments/{before.json()['id']}/learn", json={"category": "threat"}
        )
        assert learned.json() == {"category": "threat", "screen_learned": True}

        here = await post_comment(first, **_by("cy", NEAR))
        assert here.status_code == 202, here.text
        assert "model:threat" in await automatic_rules(database_url, here.json()["id"])

        clock.advance(seconds=TAUGHT_POLL.total_seconds())  # the other worker looks again
        there = await post_comment(second, **_by("dee", NEAR))
        assert there.status_code == 202, there.text
        assert "model:threat" in await automatic_rules(database_url, there.json()["id"])

        elsewhere = await post_comment(first, **_by("eve", NEAR, site="other"))
        assert elsewhere.status_code == 201, elsewhere.text  # another site's screen


async def test_approving_a_held_comment_lets_the_next_one_like_it_through(
    services: Services, database_url: str
) -> None:
    async with await api_client(services) as api:
        taught = await post_comment(api, **_by("ann", TAUGHT))
        await add_staff(services, MODERATOR, "moderator")
        await sign_in(api, MODERATOR)
        await api.post(
            f"/api/v1/moderation/comments/{taught.json()['id']}/learn", json={"category": "threat"}
        )
        held = await post_comment(api, **_by("bo", NEAR))
        assert held.status_code == 202, held.text
        approved = await api.post(f"/api/v1/moderation/comments/{held.json()['id']}/approve")
        assert approved.status_code == 200, approved.text
        storage = Database(database_url)
        try:
            async with storage.read() as tx:
                stored = await tx.screening.exemplars()
        finally:
            await storage.close()
        assert stored == [("threat", TAUGHT), ("benign", NEAR)]

        again = await post_comment(api, **_by("cy", NEAR + " Cheers."))
        assert again.status_code == 201, again.text
