"""The staff API: who may call what, the queue, decisions, bans, reports, pins and the audit log."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from rostra.services.registry import Services
from tests.api.helpers import (
    PAGE,
    assert_error,
    comment_count,
    new_comment,
    post_comment,
    read_thread,
)
from tests.api.staff_helpers import ADMIN, MODERATOR, add_staff, sign_in

PRE_MODERATION = {
    "mode": "pre",
    "hold_threshold": 0.5,
    "reject_threshold": 0.9,
    "banned_words": [],
    "watched_words": [],
    "max_links": 3,
    "min_seconds_to_submit": 0,
    "report_threshold": 2,
}

# (method, path, JSON body, admin only). "{id}" is a published comment's id.
STAFF_ENDPOINTS: list[tuple[str, str, Any, bool]] = [
    ("GET", "/api/v1/moderation/session", None, False),
    ("DELETE", "/api/v1/moderation/session", None, False),
    ("GET", "/api/v1/moderation/queue", None, False),
    ("POST", "/api/v1/moderation/comments/{id}/approve", {}, False),
    ("POST", "/api/v1/moderation/comments/{id}/reject", {"reason": "off topic"}, False),
    ("POST", "/api/v1/moderation/comments/{id}/spam", None, False),
    ("POST", "/api/v1/moderation/comments/{id}/learn", {"category": "threat"}, False),
    ("POST", "/api/v1/moderation/comments/{id}/ban", {"by": ["ip"], "days": 1}, False),
    ("POST", "/api/v1/moderation/comments/{id}/pin", None, False),
    ("DELETE", "/api/v1/moderation/comments/{id}/pin", None, False),
    ("POST", "/api/v1/moderation/bulk", {"action": "approve", "ids": ["{id}"]}, False),
    ("GET", "/api/v1/moderation/bans", None, False),
    ("DELETE", "/api/v1/moderation/bans/999999", None, False),
    ("GET", "/api/v1/moderation/audit", None, False),
    ("GET", "/api/v1/moderation/sites/news/settings", None, True),
    ("PUT", "/api/v1/moderation/sites/news/settings", PRE_MODERATION, True),
    ("GET", "/api/v1/moderation/comments/{id}/author", None, False),
    ("POST", "/api/v1/moderation/comments/{id}/author/notes", {"body": "Known troll."}, False),
    ("GET", "/api/v1/moderation/dsa/notices", None, False),
    (
        "POST",
        "/api/v1/moderation/dsa/notices/N0/decision",
        {"action": "keep", "reason": "ok"},
        False,
    ),
    ("GET", "/api/v1/moderation/dsa/export", None, True),
]


def _fill(value: Any, comment_id: str) -> Any:
    if isinstance(value, str):
        return value.replace("{id}", comment_id)
    if isinstance(value, list):
        return [_fill(item, comment_id) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, comment_id) for key, item in value.items()}
    return value


async def _call(
    client: httpx.AsyncClient, method: str, path: str, body: Any, comment_id: str
) -> httpx.Response:
    return await client.request(
        method, _fill(path, comment_id), json=_fill(body, comment_id) if body is not None else None
    )


@pytest.mark.parametrize(("method", "path", "body", "admin_only"), STAFF_ENDPOINTS)
async def test_anonymous_and_readers_get_401_from_every_staff_endpoint(
    client: httpx.AsyncClient, method: str, path: str, body: Any, admin_only: bool
) -> None:
    comment = await new_comment(client)
    # A reader with a voter cookie (from a vote) is still no staff member.
    vote = await client.post(f"/api/v1/comments/{comment['id']}/vote", json={"value": 1})
    assert vote.status_code == 200
    assert "rostra_voter" in client.cookies
    assert_error(await _call(client, method, path, body, comment["id"]), 401, "unauthorized")
    client.cookies.clear()
    assert_error(await _call(client, method, path, body, comment["id"]), 401, "unauthorized")
    assert (await read_thread(client))["comments"][0]["status"] == "published"


@pytest.mark.parametrize(("method", "path", "body", "admin_only"), STAFF_ENDPOINTS)
async def test_moderators_reach_staff_endpoints_but_not_admin_ones(
    client: httpx.AsyncClient,
    services: Services,
    method: str,
    path: str,
    body: Any,
    admin_only: bool,
) -> None:
    comment = await new_comment(client, author_email="ann@example.org")
    await add_staff(services, MODERATOR, "moderator")
    await sign_in(client, MODERATOR)
    response = await _call(client, method, path, body, comment["id"])
    if admin_only:
        assert_error(response, 403, "admin_required")
    else:
        assert response.status_code not in (401, 403), response.text


@pytest.mark.parametrize(("method", "path", "body", "admin_only"), STAFF_ENDPOINTS)
async def test_admins_reach_every_staff_endpoint(
    client: httpx.AsyncClient,
    services: Services,
    method: str,
    path: str,
    body: Any,
    admin_only: bool,
) -> None:
    comment = await new_comment(client, author_email="ann@example.org")
    await add_staff(services, ADMIN, "admin")
    await sign_in(client, ADMIN)
    response = await _call(client, method, path, body, comment["id"])
    assert response.status_code not in (401, 403), response.text


@pytest.fixture
async def admin(client: httpx.AsyncClient, services: Services) -> httpx.AsyncClient:
    """``client`` signed in as an admin, with site "news" in pre-moderation."""
    await add_staff(services, ADMIN, "admin")
    await sign_in(client, ADMIN)
    response = await client.put("/api/v1/moderation/sites/news/settings", json=PRE_MODERATION)
    assert response.status_code == 200, response.text
    assert response.json()["mode"] == "pre"
    return client


async def test_held_comment_is_hidden_until_approved_then_counted_and_announced(
    admin: httpx.AsyncClient, second_client: httpx.AsyncClient
) -> None:
    posted = await post_comment(second_client, body="Please check the numbers.")
    assert posted.status_code == 202, posted.text
    held = posted.json()
    assert held["status"] == "pending"
    assert (await read_thread(second_client))["comments"] == []
    assert await comment_count(second_client) == 0

    queue = (await admin.get("/api/v1/moderation/queue")).json()
    assert [item["comment"]["id"] for item in queue["items"]] == [held["id"]]
    assert queue["items"][0]["site"] == "news"
    assert queue["items"][0]["page"] == PAGE

    approved = await admin.post(
        f"/api/v1/moderation/comments/{held['id']}/approve", json={"reason": "fine"}
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "published"
    listed = await read_thread(second_client)
    assert [c["id"] for c in listed["comments"]] == [held["id"]]
    assert await comment_count(second_client) == 1
    assert (await admin.get("/api/v1/moderation/queue")).json()["items"] == []
    entries = (await admin.get("/api/v1/moderation/audit")).json()["entries"]
    assert (entries[0]["actor"], entries[0]["action"], entries[0]["target"]) == (
        ADMIN,
        "approve",
        held["id"],
    )
    assert entries[0]["reason"] == "fine"


async def test_rejecting_a_published_comment_removes_it_and_its_count(
    client: httpx.AsyncClient, services: Services
) -> None:
    comment = await new_comment(client)
    await add_staff(services, MODERATOR, "moderator")
    await sign_in(client, MODERATOR)
    response = await client.post(f"/api/v1/moderation/comments/{comment['id']}/reject")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "rejected"
    assert (await read_thread(client))["comments"] == []
    assert await comment_count(client) == 0
    again = await client.post(f"/api/v1/moderation/comments/{comment['id']}/approve")
    assert_error(again, 400, "invalid", "id")


async def test_queue_search_and_site_filter(
    admin: httpx.AsyncClient, second_client: httpx.AsyncClient, other_site: str
) -> None:
    first = (await post_comment(second_client, author_name="Zed Smith", body="About trams")).json()
    second = (await post_comment(second_client, author_name="Amy", body="About BUSES")).json()
    search = await admin.get("/api/v1/moderation/queue", params={"search": "buses"})
    assert [i["comment"]["id"] for i in search.json()["items"]] == [second["id"]]
    by_name = await admin.get("/api/v1/moderation/queue", params={"search": "zed"})
    assert [i["comment"]["id"] for i in by_name.json()["items"]] == [first["id"]]
    wildcard = await admin.get("/api/v1/moderation/queue", params={"search": "%"})
    assert wildcard.json()["items"] == []
    other = await admin.get("/api/v1/moderation/queue", params={"site": other_site})
    assert other.json()["items"] == []
    paged = await admin.get("/api/v1/moderation/queue", params={"limit": 1})
    assert paged.json()["next_offset"] == 1
    assert_error(
        await admin.get("/api/v1/moderation/queue", params={"limit": 0}), 400, "invalid", "limit"
    )
    assert_error(
        await admin.get("/api/v1/moderation/queue", params={"site": "nope"}), 404, "not_found"
    )


async def test_banned_author_is_refused_by_email_with_author_banned(
    client: httpx.AsyncClient, second_client: httpx.AsyncClient, services: Services
) -> None:
    comment = await new_comment(second_client, author_email="Troll@Example.org")
    await add_staff(services, MODERATOR, "moderator")
    await sign_in(client, MODERATOR)
    response = await client.post(
        f"/api/v1/moderation/comments/{comment['id']}/ban",
        json={"by": ["email"], "days": 30, "reason": "insults"},
    )
    assert response.status_code == 201, response.text
    (ban,) = response.json()["bans"]
    assert ban["kind"] == "email"
    assert "value" not in ban
    refused = await post_comment(second_client, author_email="troll@example.org")
    error = assert_error(refused, 403, "author_banned")
    assert "blocked" in error["message"]
    # Another author from the same address is not affected by an email ban.
    assert (await post_comment(second_client, author_email="ann@example.org")).status_code == 201

    lifted = await client.delete(f"/api/v1/moderation/bans/{ban['id']}")
    assert lifted.status_code == 204
    assert (await post_comment(second_client, author_email="troll@example.org")).status_code == 201


async def test_ban_expires(
    client: httpx.AsyncClient, second_client: httpx.AsyncClient, services: Services, clock: Any
) -> None:
    comment = await new_comment(second_client)
    await add_staff(services, MODERATOR, "moderator")
    await sign_in(client, MODERATOR)
    response = await client.post(
        f"/api/v1/moderation/comments/{comment['id']}/ban", json={"by": ["ip"], "days": 1}
    )
    assert response.status_code == 201, response.text
    assert_error(await post_comment(second_client), 403, "author_banned")
    clock.advance(days=1, seconds=1)
    await sign_in(client, MODERATOR)
    assert (await post_comment(second_client)).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"by": []}, "by"),
        ({"by": ["phone"]}, "by.0"),
        ({"by": ["ip"], "days": 0}, "days"),
        ({"by": ["email"]}, "by"),  # the comment has no email to ban
    ],
)
async def test_bad_bans_are_refused(
    client: httpx.AsyncClient, services: Services, body: dict[str, Any], field: str
) -> None:
    comment = await new_comment(client)
    await add_staff(services, MODERATOR, "moderator")
    await sign_in(client, MODERATOR)
    response = await client.post(f"/api/v1/moderation/comments/{comment['id']}/ban", json=body)
    assert_error(response, 400, "invalid", field)


async def test_spam_rejects_and_bans_the_author(
    client: httpx.AsyncClient, second_client: httpx.AsyncClient, services: Services
) -> None:
    comment = await new_comment(second_client, author_email="seller@example.org")
    await add_staff(services, MODERATOR, "moderator")
    await sign_in(client, MODERATOR)
    response = await client.post(f"/api/v1/moderation/comments/{comment['id']}/spam")
    assert response.json()["status"] == "rejected"
    bans = (await client.get("/api/v1/moderation/bans")).json()["bans"]
    assert sorted(ban["kind"] for ban in bans) == ["email", "ip"]
    assert_error(await post_comment(second_client), 403, "author_banned")


async def test_bulk_decisions_report_each_comment(
    admin: httpx.AsyncClient, second_client: httpx.AsyncClient
) -> None:
    ids = [(await post_comment(second_client, body=f"Held {n}")).json()["id"] for n in range(3)]
    response = await admin.post(
        "/api/v1/moderation/bulk", json={"action": "approve", "ids": [*ids, "unknown"]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["done"] == ids
    assert list(response.json()["failed"]) == ["unknown"]
    assert await comment_count(second_client) == 3
    assert_error(
        await admin.post("/api/v1/moderation/bulk", json={"action": "approve", "ids": []}),
        400,
        "invalid",
    )
    assert_error(
        await admin.post("/api/v1/moderation/bulk", json={"action": "delete", "ids": ids}),
        400,
        "invalid",
        "action",
    )


async def test_reports_put_a_comment_in_the_queue_at_the_threshold_once_per_reader(
    admin: httpx.AsyncClient, services: Services
) -> None:
    settings = {**PRE_MODERATION, "mode": "post"}
    assert (
        await admin.put("/api/v1/moderation/sites/news/settings", json=settings)
    ).status_code == 200
    comment = await new_comment(admin)
    from rostra.web.app import create_app

    # Readers without the voter cookie are told apart by their address.
    readers = [
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(services), client=(f"10.7.0.{n}", 4000)),  # type: ignore[arg-type]
            base_url="http://testserver",
        )
        for n in range(2)
    ]
    try:
        path = f"/api/v1/comments/{comment['id']}/report"
        first = await readers[0].post(path, json={"reason": "insulting"})
        assert first.status_code == 200, first.text
        assert "rostra_voter" not in readers[0].cookies  # reports hand out no identity
        again = await readers[0].post(path)
        assert again.status_code == 200
        assert (await admin.get("/api/v1/moderation/queue")).json()["items"] == []
        assert (await readers[1].post(path, json={})).status_code == 200
    finally:
        for reader in readers:
            await reader.aclose()
    (item,) = (await admin.get("/api/v1/moderation/queue")).json()["items"]
    assert item["comment"]["id"] == comment["id"]
    assert item["report_count"] == 2
    assert item["report_reasons"] == ["insulting"]
    # Approving keeps it published and clears the reports.
    await admin.post(f"/api/v1/moderation/comments/{comment['id']}/approve")
    assert (await admin.get("/api/v1/moderation/queue")).json()["items"] == []
    assert (await read_thread(admin))["comments"][0]["id"] == comment["id"]


async def test_reporting_unknown_comment_is_404(client: httpx.AsyncClient) -> None:
    assert_error(await client.post("/api/v1/comments/nope/report"), 404, "not_found")
    comment = await new_comment(client)
    long_reason = {"reason": "x" * 501}
    assert_error(
        await client.post(f"/api/v1/comments/{comment['id']}/report", json=long_reason),
        400,
        "invalid",
        "reason",
    )


async def test_pinned_comment_leads_the_first_page_in_every_sort_and_paging_stays_exact(
    client: httpx.AsyncClient, services: Services, clock: Any
) -> None:
    ids = []
    for n in range(5):
        clock.advance(seconds=1)
        ids.append((await new_comment(client, body=f"Post {n}"))["id"])
    await add_staff(services, MODERATOR, "moderator")
    await sign_in(client, MODERATOR)
    pinned = ids[2]
    response = await client.post(f"/api/v1/moderation/comments/{pinned}/pin")
    assert response.status_code == 200, response.text
    assert response.json()["pinned"] is True
    for sort in ("newest", "oldest", "votes"):
        seen: list[str] = []
        page = await read_thread(client, sort=sort, limit=2)
        assert page["comments"][0]["id"] == pinned
        assert page["comments"][0]["pinned"] is True
        seen += [c["id"] for c in page["comments"]]
        while page["next_cursor"]:
            page = await read_thread(client, sort=sort, limit=2, cursor=page["next_cursor"])
            seen += [c["id"] for c in page["comments"]]
        assert sorted(seen) == sorted(ids), sort
        assert len(seen) == len(ids), sort
    assert (await client.delete(f"/api/v1/moderation/comments/{pinned}/pin")).status_code == 204
    newest = await read_thread(client)
    assert [c["id"] for c in newest["comments"]] == list(reversed(ids))


async def test_only_published_top_level_comments_can_be_pinned(
    client: httpx.AsyncClient, services: Services
) -> None:
    root = await new_comment(client)
    reply = await new_comment(client, parent_id=root["id"])
    await add_staff(services, MODERATOR, "moderator")
    await sign_in(client, MODERATOR)
    response = await client.post(f"/api/v1/moderation/comments/{reply['id']}/pin")
    assert_error(response, 400, "invalid", "id")
    assert_error(await client.post("/api/v1/moderation/comments/nope/pin"), 404, "not_found")


async def test_staff_reply_is_marked_as_staff(
    client: httpx.AsyncClient, second_client: httpx.AsyncClient, services: Services
) -> None:
    reader = await new_comment(second_client)
    assert reader["author"]["is_staff"] is False
    await add_staff(services, MODERATOR, "moderator")
    await sign_in(client, MODERATOR)
    staff = await new_comment(client, parent_id=reader["id"], author_name="Newsroom")
    assert staff["author"]["is_staff"] is True
    listed = await read_thread(second_client)
    assert listed["comments"][0]["replies"][0]["author"]["is_staff"] is True
    # A forged staff cookie does not make a staff reply.
    second_client.cookies.set("rostra_staff", "forged")
    again = await new_comment(second_client, parent_id=reader["id"])
    assert again["author"]["is_staff"] is False


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hold_threshold": 0.95, "reject_threshold": 0.9}, "hold_threshold"),
        ({"report_threshold": 0}, "report_threshold"),
        ({"mode": "never"}, "mode"),
        ({"hold_threshold": "high"}, "hold_threshold"),
        ({"category_holds": {"spam": 2}}, "category_holds"),
        ({"category_holds": {"Not A Category": 0.5}}, "category_holds"),
        ({"category_holds": {"spam": "high"}}, "category_holds"),
    ],
)
async def test_bad_site_settings_are_refused(
    admin: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    response = await admin.put(
        "/api/v1/moderation/sites/news/settings", json={**PRE_MODERATION, **change}
    )
    assert_error(response, 400, "invalid", field)
    current = (await admin.get("/api/v1/moderation/sites/news/settings")).json()
    assert current["mode"] == "pre"


async def test_a_category_hold_threshold_is_saved_and_read_back(admin: httpx.AsyncClient) -> None:
    body = {**PRE_MODERATION, "category_holds": {"spam": 0.8}}
    response = await admin.put("/api/v1/moderation/sites/news/settings", json=body)
    assert response.status_code == 200, response.text
    current = (await admin.get("/api/v1/moderation/sites/news/settings")).json()
    assert current["category_holds"] == {"spam": 0.8}


async def test_settings_of_unknown_site_are_404(admin: httpx.AsyncClient) -> None:
    assert_error(
        await admin.get("/api/v1/moderation/sites/nope/settings"), 404, "not_found", "site"
    )


async def test_settings_change_is_audited_with_word_lists_kept(admin: httpx.AsyncClient) -> None:
    body = {**PRE_MODERATION, "banned_words": ["spam", " "], "watched_words": ["idiot"]}
    response = await admin.put("/api/v1/moderation/sites/news/settings", json=body)
    assert response.json()["banned_words"] == ["spam"]
    assert response.json()["watched_words"] == ["idiot"]
    entries = (await admin.get("/api/v1/moderation/audit")).json()["entries"]
    assert [e["action"] for e in entries[:2]] == ["settings", "settings"]
    assert entries[0]["target"] == "news"


async def test_a_report_says_what_the_comment_is_and_the_queue_counts_it(
    admin: httpx.AsyncClient, services: Services
) -> None:
    """Readers pick a category (and may add a note); moderators see how many said what."""
    from rostra.domain.staff import REPORT_CATEGORIES
    from rostra.web.admin.views import REPORT_LABELS
    from rostra.web.app import create_app

    assert set(REPORT_LABELS) == set(REPORT_CATEGORIES)  # every category has an editor's label
    settings = {**PRE_MODERATION, "mode": "post", "report_threshold": 3}
    await admin.put("/api/v1/moderation/sites/news/settings", json=settings)
    comment = await new_comment(admin)
    path = f"/api/v1/comments/{comment['id']}/report"
    bodies = [
        {"category": "spam"},
        {"category": "spam", "reason": "links to a shop"},
        {"category": "abuse"},
    ]
    for n, body in enumerate(bodies):
        transport = httpx.ASGITransport(app=create_app(services), client=(f"10.8.0.{n}", 4000))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as reader:
            assert (await reader.post(path, json=body)).status_code == 200
    (item,) = (await admin.get("/api/v1/moderation/queue")).json()["items"]
    assert item["report_categories"] == {"spam": 2, "abuse": 1}
    assert list(item["report_categories"]) == ["spam", "abuse"]  # most given first
    assert item["report_reasons"] == ["links to a shop"]
    page = await admin.get("/admin")
    assert "Reported as: Spam (2), Abuse or harassment" in page.text


@pytest.mark.parametrize("category", ["insult", "SPAM", "", 3, ["spam"]])
async def test_a_report_with_an_unknown_category_is_refused(
    client: httpx.AsyncClient, category: Any
) -> None:
    comment = await new_comment(client)
    path = f"/api/v1/comments/{comment['id']}/report"
    assert_error(await client.post(path, json={"category": category}), 400, None, "category")
    other = await new_comment(client)  # nothing was stored: the same reader may still report
    assert (await client.post(path, json={"category": "other"})).status_code == 200
    assert (await client.post(f"/api/v1/comments/{other['id']}/report")).status_code == 200
