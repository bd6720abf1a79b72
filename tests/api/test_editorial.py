"""Editorial controls over the API, on both databases: per-article settings (closed, the site's
read-only age, pre-moderation, images off, slow mode, the newsroom's message) and editor's
picks (featured comments), with their bad inputs and the audit log."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from rostra.services.registry import Services
from tests.api.helpers import PAGE, assert_error, new_comment, post_comment, read_thread
from tests.api.staff_helpers import ADMIN, MODERATOR, add_staff, sign_in

OTHER_PAGE = "/2026/11/other-article"


@pytest.fixture
async def staff(client: httpx.AsyncClient, services: Services) -> httpx.AsyncClient:
    """``client`` signed in as a moderator."""
    await add_staff(services, MODERATOR, "moderator")
    await sign_in(client, MODERATOR)
    return client


async def _thread_id(client: httpx.AsyncClient, page: str = PAGE) -> int:
    response = await client.get("/api/v1/moderation/threads", params={"site": "news", "page": page})
    assert response.status_code == 200, response.text
    thread_id: int = response.json()["id"]
    return thread_id


async def _patch(client: httpx.AsyncClient, thread_id: int, **changes: Any) -> httpx.Response:
    return await client.patch(f"/api/v1/moderation/threads/{thread_id}", json=changes)


async def _reader_post(services: Services, **overrides: Any) -> httpx.Response:
    """A post from a reader without a staff session (staff are not bound by the settings)."""
    from tests.api.staff_helpers import api_client

    async with await api_client(services) as reader:
        return await post_comment(reader, **overrides)


async def test_closing_keeps_comments_readable_and_refuses_new_comments_and_replies(
    staff: httpx.AsyncClient, services: Services, second_client: httpx.AsyncClient
) -> None:
    first = await new_comment(second_client, body="Before the hold.")
    thread_id = await _thread_id(staff)
    before = await read_thread(second_client)  # an anonymous read, kept until the next change
    assert before["thread"].get("settings") is None

    response = await _patch(staff, thread_id, closed=True, reason="legal hold")
    assert response.status_code == 200, response.text
    assert response.json()["closed"] is True
    assert response.json()["closed_by_staff"] is True

    after = await read_thread(second_client)
    assert after["thread"]["settings"]["closed"] is True
    assert [c["id"] for c in after["comments"]] == [first["id"]]
    assert_error(await post_comment(second_client), 403, "thread_closed", None)
    assert_error(
        await post_comment(second_client, parent_id=first["id"]), 403, "thread_closed", None
    )
    # Votes stay open: reading and weighing what is there is not commenting.
    vote = await second_client.post(f"/api/v1/comments/{first['id']}/vote", json={"value": 1})
    assert vote.status_code == 200, vote.text
    # Another article of the site still takes comments.
    assert (await post_comment(second_client, page=OTHER_PAGE)).status_code == 201

    audit = (await staff.get("/api/v1/moderation/audit")).json()["entries"]
    assert audit[0]["action"] == "close_thread"
    assert audit[0]["actor"] == MODERATOR
    assert audit[0]["target"] == f"thread:{thread_id}"
    assert audit[0]["reason"] == "legal hold"

    reopened = await _patch(staff, thread_id, closed=False)
    assert reopened.json()["closed"] is False
    assert (await post_comment(second_client, body="After the hold.")).status_code == 201
    assert (await read_thread(second_client))["thread"].get("settings") is None
    actions = [e["action"] for e in (await staff.get("/api/v1/moderation/audit")).json()["entries"]]
    assert actions[:2] == ["open_thread", "close_thread"]


async def test_an_article_without_comments_can_be_closed_before_the_first(
    staff: httpx.AsyncClient, second_client: httpx.AsyncClient
) -> None:
    params = {"site": "news", "page": "https://news.example/2026/11/fresh?x=1"}
    missing = await staff.get("/api/v1/moderation/threads", params=params)
    assert_error(missing, 404, "not_found", "page")
    made = await staff.post("/api/v1/moderation/threads", json=params)
    assert made.status_code == 200, made.text
    assert made.json()["page"] == "/2026/11/fresh?x=1"
    assert (await _patch(staff, made.json()["id"], closed=True)).status_code == 200
    assert_error(await post_comment(second_client, page="/2026/11/fresh?x=1"), 403, "thread_closed")
    # Asking again finds the same thread; bad articles and sites are refused.
    again = await staff.post("/api/v1/moderation/threads", json=params)
    assert again.json()["id"] == made.json()["id"]
    unknown_site = await staff.post("/api/v1/moderation/threads", json={**params, "site": "nope"})
    assert_error(unknown_site, 404, "not_found", "site")
    assert_error(
        await staff.post("/api/v1/moderation/threads", json={"site": "news", "page": ""}),
        400,
        "invalid",
    )
    assert_error(
        await staff.post("/api/v1/moderation/threads", json={"site": "news", "page": "  "}),
        400,
        "invalid",
        "page",
    )


async def test_the_sites_read_only_age_closes_threads_after_their_first_comment(
    client: httpx.AsyncClient, services: Services, clock: Any
) -> None:
    await new_comment(client)
    await add_staff(services, ADMIN, "admin")
    await sign_in(client, ADMIN)
    settings = (await client.get("/api/v1/moderation/sites/news/settings")).json()
    assert settings["read_only_after_days"] == 0
    for bad in (-1, 3651, "2"):
        response = await client.put(
            "/api/v1/moderation/sites/news/settings", json={**settings, "read_only_after_days": bad}
        )
        assert_error(response, 400, "invalid", "read_only_after_days")
    saved = await client.put(
        "/api/v1/moderation/sites/news/settings", json={**settings, "read_only_after_days": 2}
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["read_only_after_days"] == 2
    client.cookies.clear()
    clock.advance(days=1)
    assert (await post_comment(client, body="Still open.")).status_code == 201
    assert (await read_thread(client))["thread"].get("settings") is None
    clock.advance(days=1, seconds=1)  # two days and a second after the first comment
    page = await read_thread(client)
    assert page["thread"]["settings"]["closed"] is True
    assert len(page["comments"]) == 2
    assert_error(await post_comment(client, body="Too late."), 403, "thread_closed")
    # A new article starts its own clock.
    assert (await post_comment(client, page=OTHER_PAGE)).status_code == 201


async def test_pre_moderating_one_article_holds_its_comments_only(
    staff: httpx.AsyncClient, services: Services
) -> None:
    await new_comment(staff)
    thread_id = await _thread_id(staff)
    assert (await _patch(staff, thread_id, premoderated=True)).json()["premoderated"] is True
    held = await _reader_post(services, body="Held for a look.")
    assert held.status_code == 202, held.text
    assert held.json()["status"] == "pending"
    assert (await _reader_post(services, page=OTHER_PAGE)).status_code == 201
    queue = (await staff.get("/api/v1/moderation/queue")).json()["items"]
    assert [item["comment"]["id"] for item in queue] == [held.json()["id"]]
    # Staff's own comments are not held.
    assert (await post_comment(staff, body="From the newsroom.")).status_code == 201


async def test_images_off_refuses_images_on_that_article(
    staff: httpx.AsyncClient, services: Services
) -> None:
    await new_comment(staff)
    thread_id = await _thread_id(staff)
    assert (await _patch(staff, thread_id, images=False)).json()["images"] is False
    page = await read_thread(staff)
    assert page["thread"]["settings"]["images"] is False
    refused = await _reader_post(services, images=["img1234567890"])
    assert_error(refused, 400, "invalid", "images")
    assert (await _reader_post(services, body="Words only.")).status_code == 201


async def test_slow_mode_allows_one_comment_per_reader_per_interval(
    staff: httpx.AsyncClient, services: Services, clock: Any
) -> None:
    await new_comment(staff)
    thread_id = await _thread_id(staff)
    changed = await _patch(staff, thread_id, slow_mode_minutes=5)
    assert changed.json()["slow_mode_minutes"] == 5
    clock.advance(minutes=5)  # the test's readers share one address with the first comment
    assert (await _reader_post(services, body="My first point.")).status_code == 201
    clock.advance(minutes=2)
    slowed = await _reader_post(services, body="And another point.")
    error = assert_error(slowed, 429, "slow_mode", None)
    assert error["retry_after"] == 180
    assert slowed.headers["Retry-After"] == "180"
    assert "3 minutes" in error["message"]
    # Other articles are not slowed.
    assert (await _reader_post(services, page=OTHER_PAGE)).status_code == 201
    clock.advance(minutes=3)
    assert (await _reader_post(services, body="And another point.")).status_code == 201
    off = await _patch(staff, thread_id, slow_mode_minutes=0)
    assert off.json()["slow_mode_minutes"] == 0
    assert (await _reader_post(services, body="Right away again.")).status_code == 201


async def test_the_newsrooms_message_is_sanitized_markdown_above_the_thread(
    staff: httpx.AsyncClient,
) -> None:
    await new_comment(staff)
    thread_id = await _thread_id(staff)
    message = "**Please keep it civil**: this story concerns a death. <script>alert(1)</script>"
    response = await _patch(staff, thread_id, message=message)
    assert response.status_code == 200, response.text
    assert response.json()["message"] == message
    html = (await read_thread(staff))["thread"]["settings"]["message_html"]
    assert "<strong>Please keep it civil</strong>" in html
    assert "<script" not in html
    cleared = await _patch(staff, thread_id, message="")
    assert cleared.json()["message_html"] is None
    assert (await read_thread(staff))["thread"].get("settings") is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"slow_mode_minutes": -1}, "slow_mode_minutes"),
        ({"slow_mode_minutes": 1441}, "slow_mode_minutes"),
        ({"slow_mode_minutes": "5"}, "slow_mode_minutes"),
        ({"message": "x" * 2001}, "message"),
        ({"closed": "yes"}, "closed"),
        ({"reason": "x" * 501}, "reason"),
        ({"colour": "red"}, None),  # the decoder names no field for an unknown one
    ],
)
async def test_bad_thread_settings_are_refused_and_nothing_changes(
    staff: httpx.AsyncClient, changes: dict[str, Any], field: str | None
) -> None:
    await new_comment(staff)
    thread_id = await _thread_id(staff)
    assert (await _patch(staff, thread_id, message="Kept.", slow_mode_minutes=2)).status_code == 200
    assert_error(await _patch(staff, thread_id, **changes), 400, "invalid", field)
    kept = (await staff.get(f"/api/v1/moderation/threads/{thread_id}")).json()
    assert (kept["message"], kept["slow_mode_minutes"], kept["closed"]) == ("Kept.", 2, False)


async def test_unknown_threads_and_sites_are_404(staff: httpx.AsyncClient) -> None:
    await new_comment(staff)
    assert_error(await staff.get("/api/v1/moderation/threads/999999"), 404, "not_found")
    assert_error(await _patch(staff, 999999, closed=True), 404, "not_found", "thread_id")
    assert_error(await _patch(staff, 2**40, closed=True), 404, "not_found")
    params = {"site": "nope", "page": PAGE}
    assert_error(await staff.get("/api/v1/moderation/threads", params=params), 404, "not_found")
    params = {"site": "news", "page": "999999"}
    assert_error(await staff.get("/api/v1/moderation/threads", params=params), 404, "not_found")


async def test_non_staff_cannot_change_settings_or_feature(
    client: httpx.AsyncClient, services: Services
) -> None:
    comment = await new_comment(client)
    await add_staff(services, MODERATOR, "moderator")
    await sign_in(client, MODERATOR)
    thread_id = await _thread_id(client)
    token = client.headers.pop("X-CSRF-Token")
    # A staff cookie without the session's CSRF token: refused before anything changes.
    assert_error(await _patch(client, thread_id, closed=True), 403, "csrf_failed")
    feature = f"/api/v1/moderation/comments/{comment['id']}/feature"
    assert_error(await client.post(feature), 403, "csrf_failed")
    client.headers["X-CSRF-Token"] = token
    client.cookies.clear()
    del client.headers["X-CSRF-Token"]
    assert_error(await _patch(client, thread_id, closed=True), 401, "unauthorized")
    assert_error(await client.post(feature), 401, "unauthorized")
    assert_error(await client.delete(feature), 401, "unauthorized")
    assert_error(await client.get(f"/api/v1/moderation/threads/{thread_id}"), 401, "unauthorized")
    assert (await read_thread(client))["thread"].get("settings") is None


async def test_featured_comments_get_a_tab_a_badge_and_a_note(
    staff: httpx.AsyncClient, second_client: httpx.AsyncClient, clock: Any
) -> None:
    ids = []
    for n in range(3):
        clock.advance(seconds=1)
        ids.append((await new_comment(second_client, body=f"Point {n}"))["id"])
    reply = await new_comment(second_client, body="A fine reply.", parent_id=ids[0])
    assert (await read_thread(second_client, sort="featured"))["comments"] == []

    picked = await staff.post(
        f"/api/v1/moderation/comments/{ids[1]}/feature", json={"note": "A nurse's view."}
    )
    assert picked.status_code == 200, picked.text
    assert picked.json()["featured"] is True
    clock.advance(seconds=1)
    assert (
        await staff.post(f"/api/v1/moderation/comments/{reply['id']}/feature")
    ).status_code == 200

    featured = await read_thread(second_client, sort="featured")
    assert [c["id"] for c in featured["comments"]] == [reply["id"], ids[1]]
    assert featured["comments"][1]["featured_note"] == "A nurse's view."
    assert featured["next_cursor"] is None
    assert featured["thread"]["settings"]["featured_count"] == 2
    newest = await read_thread(second_client)
    badges = {c["id"]: c["featured"] for c in newest["comments"]}
    assert badges == {ids[2]: False, ids[1]: True, ids[0]: False}
    assert newest["comments"][2]["replies"][0]["featured"] is True

    unpicked = await staff.delete(f"/api/v1/moderation/comments/{ids[1]}/feature")
    assert unpicked.status_code == 204
    featured = await read_thread(second_client, sort="featured")
    assert [c["id"] for c in featured["comments"]] == [reply["id"]]
    # A rejected pick leaves the tab; with none left, the settings are gone too.
    rejected = await staff.post(f"/api/v1/moderation/comments/{reply['id']}/reject")
    assert rejected.status_code == 200
    assert (await read_thread(second_client, sort="featured"))["comments"] == []
    assert (await read_thread(second_client))["thread"].get("settings") is None
    actions = [e["action"] for e in (await staff.get("/api/v1/moderation/audit")).json()["entries"]]
    assert actions[:4] == ["reject", "unfeature", "feature", "feature"]


async def test_bad_picks_are_refused(staff: httpx.AsyncClient, services: Services) -> None:
    comment = await new_comment(staff)
    url = f"/api/v1/moderation/comments/{comment['id']}/feature"
    assert_error(await staff.post(url, json={"note": "x" * 501}), 400, "invalid", "note")
    assert_error(await staff.post(url, json={"note": 5}), 400, "invalid", "note")
    assert_error(
        await staff.post("/api/v1/moderation/comments/nope/feature"), 404, "not_found", "id"
    )
    thread_id = await _thread_id(staff)
    await _patch(staff, thread_id, premoderated=True)
    held = await _reader_post(services, body="Waiting here.")
    assert held.status_code == 202
    assert_error(
        await staff.post(f"/api/v1/moderation/comments/{held.json()['id']}/feature"),
        400,
        "invalid",
        "id",
    )
    assert_error(
        await staff.get(
            "/api/v1/comments",
            params={"site": "news", "page": PAGE, "sort": "featured", "cursor": "abc"},
        ),
        400,
        "invalid",
        "cursor",
    )
    assert_error(
        await staff.get("/api/v1/comments", params={"site": "news", "page": PAGE, "sort": "x"}),
        400,
        "invalid",
        "sort",
    )


async def test_another_workers_kept_answers_give_way_to_settings_and_picks(
    staff: httpx.AsyncClient, other_worker: httpx.AsyncClient
) -> None:
    comment = await new_comment(staff)
    thread_id = await _thread_id(staff)
    for _ in range(2):  # the second read is answered from what the worker kept
        kept = await read_thread(other_worker)
        assert kept["thread"].get("settings") is None
    assert (await _patch(staff, thread_id, closed=True)).status_code == 200
    assert (await read_thread(other_worker))["thread"]["settings"]["closed"] is True
    picked = await staff.post(f"/api/v1/moderation/comments/{comment['id']}/feature")
    assert picked.status_code == 200
    seen = await read_thread(other_worker)
    assert seen["comments"][0]["featured"] is True
    assert seen["thread"]["settings"]["featured_count"] == 1
    featured = await read_thread(other_worker, sort="featured")
    assert [c["id"] for c in featured["comments"]] == [comment["id"]]
