"""Staff teach the semantic screen: POST /api/v1/moderation/comments/{id}/learn and the
dashboard's "Reject and learn" store a comment's text as an exemplar of a category."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from rostra.bootstrap import build_services
from rostra.config import Settings
from rostra.domain.staff import LEARN_CATEGORIES
from rostra.screening import semantic_available
from rostra.screening.weights import CATEGORIES
from rostra.services.registry import Services
from rostra.storage.database import Database
from tests.api.helpers import ORIGIN, assert_error, new_comment, post_comment, read_thread
from tests.api.staff_helpers import (
    MODERATOR,
    add_staff,
    api_client,
    automatic_rules,
    sign_in,
)
from tests.conftest import MovableClock

LEARNED = "Ghosting the gaffer in the car park tonight."
LIKE_IT = "Ghosting the gaffer in the car park, proper job."


async def stored_exemplars(database_url: str) -> list[tuple[str, str]]:
    storage = Database(database_url)
    try:
        async with storage.read() as tx:
            return await tx.screening.exemplars()
    finally:
        await storage.close()


@pytest.fixture
async def moderator(client: httpx.AsyncClient, services: Services) -> httpx.AsyncClient:
    await add_staff(services, MODERATOR, "moderator")
    await sign_in(client, MODERATOR)
    return client


def test_learnable_categories_are_the_trained_screens() -> None:
    assert LEARN_CATEGORIES == CATEGORIES


async def test_learning_stores_the_text_and_audits_it(
    moderator: httpx.AsyncClient, database_url: str
) -> None:
    comment = await new_comment(moderator, body=LEARNED)
    response = await moderator.post(
        f"/api/v1/moderation/comments/{comment['id']}/learn", json={"category": "threat"}
    )
    assert response.status_code == 200, response.text
    # The default trained screen learns it (every worker reads it from the database).
    assert response.json() == {"category": "threat", "screen_learned": True}
    assert await stored_exemplars(database_url) == [("threat", LEARNED)]
    audit = (await moderator.get("/api/v1/moderation/audit")).json()["entries"]
    assert audit[0]["action"] == "learn"
    assert audit[0]["target"] == comment["id"]
    assert audit[0]["reason"] == "threat"


async def test_unknown_category_is_400_and_nothing_is_stored(
    moderator: httpx.AsyncClient, database_url: str
) -> None:
    comment = await new_comment(moderator, body=LEARNED)
    for category in ("rudeness", "", "benign"):
        response = await moderator.post(
            f"/api/v1/moderation/comments/{comment['id']}/learn", json={"category": category}
        )
        assert_error(response, 400, "invalid", "category")
    missing = await moderator.post(f"/api/v1/moderation/comments/{comment['id']}/learn", json={})
    assert missing.status_code == 400
    assert await stored_exemplars(database_url) == []


async def test_learning_from_an_unknown_comment_is_404(moderator: httpx.AsyncClient) -> None:
    response = await moderator.post(
        "/api/v1/moderation/comments/nope/learn", json={"category": "spam"}
    )
    assert_error(response, 404, "not_found")


async def test_learning_needs_the_csrf_token(
    moderator: httpx.AsyncClient, database_url: str
) -> None:
    comment = await new_comment(moderator, body=LEARNED)
    del moderator.headers["X-CSRF-Token"]
    response = await moderator.post(
        f"/api/v1/moderation/comments/{comment['id']}/learn", json={"category": "threat"}
    )
    assert_error(response, 403, "csrf_failed")
    assert await stored_exemplars(database_url) == []


async def test_dashboard_reject_and_learn_rejects_and_stores(
    moderator: httpx.AsyncClient, database_url: str
) -> None:
    comment = await new_comment(moderator, body=LEARNED)
    token = moderator.headers["X-CSRF-Token"]
    response = await moderator.post(
        "/admin/decide",
        data={
            "csrf_token": token,
            "single": f"learn:{comment['id']}",
            f"learn:{comment['id']}": "harassment",
        },
    )
    assert response.status_code == 303, response.text
    # "harassment" is the semantic stage's name for what the trained screen calls "insult".
    assert "learned+as+Insult+or+harassment." in response.headers["location"]
    assert await stored_exemplars(database_url) == [("insult", LEARNED)]
    assert (await read_thread(moderator))["comments"] == []


async def test_dashboard_refuses_an_unknown_category_without_rejecting(
    moderator: httpx.AsyncClient, database_url: str
) -> None:
    comment = await new_comment(moderator, body=LEARNED)
    response = await moderator.post(
        "/admin/decide",
        data={
            "csrf_token": moderator.headers["X-CSRF-Token"],
            "single": f"learn:{comment['id']}",
            f"learn:{comment['id']}": "rudeness",
        },
    )
    assert response.status_code == 303
    assert await stored_exemplars(database_url) == []
    assert [c["id"] for c in (await read_thread(moderator))["comments"]] == [comment["id"]]
    audit = (await moderator.get("/api/v1/moderation/audit")).json()["entries"]
    assert [entry["action"] for entry in audit] == ["sign_in"]


@pytest.fixture
async def semantic_services(settings: Settings, clock: MovableClock) -> AsyncIterator[Services]:
    if not semantic_available():
        pytest.skip("the semantic extra is not installed")
    services = build_services(replace(settings, toxicity_model="semantic"), clock=clock)
    await services.sites.add_site("news", [ORIGIN], "The Example News")
    yield services
    for hook in services.on_shutdown:
        await hook()


async def test_a_learned_exemplar_holds_the_next_comment_like_it_even_after_a_restart(
    semantic_services: Services, settings: Settings, clock: MovableClock, database_url: str
) -> None:
    async with (
        await api_client(semantic_services) as reader,
        await api_client(semantic_services) as staff,
    ):
        before = await post_comment(reader, author_name="Dee", body=LIKE_IT)
        assert before.status_code == 201, before.text  # the seed exemplars let it through
        learned_from = await new_comment(reader, author_name="Cy", body=LEARNED)
        await add_staff(semantic_services, MODERATOR, "moderator")
        await sign_in(staff, MODERATOR)
        response = await staff.post(
            f"/api/v1/moderation/comments/{learned_from['id']}/learn", json={"category": "threat"}
        )
        assert response.json() == {"category": "threat", "screen_learned": True}
        after = await post_comment(reader, author_name="Eve", body=LIKE_IT + " Lads.")
        assert after.status_code == 202, after.text
        assert "model:threat" in await automatic_rules(database_url, after.json()["id"])
    # A new process (another worker, or a restart) reads the stored exemplar when it loads.
    restarted = build_services(replace(settings, toxicity_model="semantic"), clock=clock)
    try:
        async with await api_client(restarted) as api:
            again = await post_comment(api, author_name="Flo", body=LIKE_IT + " Sorted.")
            assert again.status_code == 202, again.text
            assert "model:threat" in await automatic_rules(database_url, again.json()["id"])
    finally:
        for hook in restarted.on_shutdown:
            await hook()
