"""Screening through the HTTP API: held comments answer 202 and stay invisible, refused ones
answer 422 and leave nothing behind, and each site's settings apply to it alone."""

from __future__ import annotations

import httpx
import pytest

from rostra.domain.moderation import ModerationMode, ModerationSettings, Verdict
from rostra.services.registry import Services
from rostra.storage.database import Database
from tests.api.helpers import (
    PAGE,
    all_ids,
    assert_error,
    comment_count,
    new_comment,
    post_comment,
    read_thread,
)


async def configure(services: Services, site: str = "news", **values: object) -> None:
    await services.sites.update_moderation(site, ModerationSettings(**values))  # type: ignore[arg-type]


async def test_held_comment_answers_202_pending_and_is_invisible_to_readers(
    client: httpx.AsyncClient, second_client: httpx.AsyncClient, services: Services
) -> None:
    await configure(services, watched_words=("traitor",))
    response = await post_comment(client, body="The mayor is a traitor.")
    assert response.status_code == 202, response.text
    held = response.json()
    assert held["status"] == "pending"
    assert held["edit_token"]
    assert held["id"] not in all_ids(await read_thread(second_client))
    assert await comment_count(second_client) == 0
    assert (await read_thread(second_client))["thread"]["comment_count"] == 0


async def test_rejected_comment_answers_422_and_stores_nothing(
    client: httpx.AsyncClient, services: Services
) -> None:
    await configure(services, banned_words=("idiot",))
    response = await post_comment(client, body="You 1d1ot.")
    error = assert_error(response, 422, "comment_rejected", "body")
    assert "words this site does not allow" in error["message"]
    listed = await read_thread(client)
    assert listed["comments"] == []
    assert listed["thread"]["title"] is None  # not even the thread was created
    assert await comment_count(client) == 0


async def test_abusive_comment_is_refused_by_the_default_model(client: httpx.AsyncClient) -> None:
    response = await post_comment(client, body="Shut the fuck up, you fucking moron.")
    error = assert_error(response, 422, "comment_rejected", "body")
    assert "abusive" in error["message"]


async def test_innocent_place_names_are_published(client: httpx.AsyncClient) -> None:
    posted = await new_comment(client, body="Scunthorpe and Penistone both voted for the plan.")
    assert posted["status"] == "published"


async def test_elapsed_ms_below_the_minimum_holds_the_comment(client: httpx.AsyncClient) -> None:
    fast = await post_comment(client, body="Quick one.", elapsed_ms=200)
    assert fast.status_code == 202
    slow = await post_comment(client, body="Slow one.", elapsed_ms=20_000)
    assert slow.status_code == 201


@pytest.mark.parametrize("elapsed", [-1, "soon", 1.5])
async def test_bad_elapsed_ms_is_refused(client: httpx.AsyncClient, elapsed: object) -> None:
    assert_error(await post_comment(client, elapsed_ms=elapsed), 400, "invalid", "elapsed_ms")


async def test_settings_of_one_site_do_not_apply_to_another(
    client: httpx.AsyncClient, services: Services, other_site: str
) -> None:
    await configure(services, mode=ModerationMode.PRE)
    held = await post_comment(client, body="Held here.")
    assert held.status_code == 202
    elsewhere = await client.post(
        "/api/v1/comments",
        json={"site": other_site, "page": PAGE, "author_name": "Ann", "body": "Shown there."},
    )
    assert elsewhere.status_code == 201, elsewhere.text


async def test_decisions_are_recorded_with_their_reasons(
    client: httpx.AsyncClient, services: Services, database_url: str
) -> None:
    await configure(services, max_links=0, watched_words=("traitor",))
    response = await post_comment(client, body="A traitor, see https://example.com")
    assert response.status_code == 202
    database = Database(database_url)
    try:
        async with database.read() as tx:
            [decision] = await tx.screening.decisions(response.json()["id"])
    finally:
        await database.close()
    assert decision.verdict is Verdict.HOLD
    assert decision.actor is None
    rules = {reason.rule for reason in decision.reasons}
    # The word list and the link rule, each with its reason; the model may add its own.
    assert {"watched_words", "links"} <= rules
    assert rules - {"watched_words", "links"} <= {"model:spam"}


async def test_edit_that_is_now_held_answers_pending_and_leaves_the_listing(
    client: httpx.AsyncClient, services: Services
) -> None:
    posted = await new_comment(client)
    await configure(services, watched_words=("vermin",))
    response = await client.patch(
        f"/api/v1/comments/{posted['id']}",
        json={"body": "They are vermin."},
        headers={"X-Edit-Token": posted["edit_token"]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "pending"
    assert all_ids(await read_thread(client)) == []
    assert await comment_count(client) == 0


async def test_edit_with_a_banned_word_answers_422_and_keeps_the_old_text(
    client: httpx.AsyncClient, services: Services
) -> None:
    posted = await new_comment(client, body="Original words.")
    await configure(services, banned_words=("scum",))
    response = await client.patch(
        f"/api/v1/comments/{posted['id']}",
        json={"body": "S.c.u.m"},
        headers={"X-Edit-Token": posted["edit_token"]},
    )
    assert_error(response, 422, "comment_rejected", "body")
    [shown] = (await read_thread(client))["comments"]
    assert "Original words." in shown["body_html"]
