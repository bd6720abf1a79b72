"""Deciding with context: an author's history beside a comment, staff notes on readers, and
trust levels for first-time pre-moderation."""

from __future__ import annotations

import httpx
import pytest

from rostra.services.registry import Services
from tests.api.helpers import assert_error, new_comment, post_comment
from tests.api.staff_helpers import ADMIN, MODERATOR, add_staff, api_client, sign_in
from tests.conftest import MovableClock

SETTINGS = {
    "mode": "pre_first_time",
    "min_seconds_to_submit": 0,
    "trust_approved": 2,
    "trust_clean_days": 10,
}


@pytest.fixture
async def staff(services: Services) -> httpx.AsyncClient:
    """A moderator's client, beside the readers' ``client``."""
    await add_staff(services, MODERATOR, "moderator")
    staff = await api_client(services)
    await sign_in(staff, MODERATOR)
    return staff


async def _history(staff: httpx.AsyncClient, comment_id: str) -> dict:  # type: ignore[type-arg]
    response = await staff.get(f"/api/v1/moderation/comments/{comment_id}/author")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_history_counts_comments_decisions_bans_and_notes_of_one_author(
    client: httpx.AsyncClient, staff: httpx.AsyncClient, clock: MovableClock
) -> None:
    first = await new_comment(client, author_email="ann@example.org", body="First words here.")
    clock.advance(minutes=5)
    second = await new_comment(client, author_email="Ann@example.org", body="Second thoughts.")
    other = await new_comment(client, author_email="bob@example.org", body="Bob writes.")
    rejected = await staff.post(
        f"/api/v1/moderation/comments/{second['id']}/reject", json={"reason": "insults"}
    )
    assert rejected.status_code == 200, rejected.text
    banned = await staff.post(
        f"/api/v1/moderation/comments/{second['id']}/ban", json={"by": ["email"], "days": 3}
    )
    assert banned.status_code == 201, banned.text
    note = await staff.post(
        f"/api/v1/moderation/comments/{first['id']}/author/notes",
        json={"body": "  Warned by mail about insults.  "},
    )
    assert note.status_code == 201, note.text
    assert note.json()["body"] == "Warned by mail about insults."
    assert note.json()["created_by"] == MODERATOR

    history = await _history(staff, first["id"])
    assert history["site"] == "news"
    assert history["identified_by"] == "email"
    assert history["counts"]["published"] == 1
    assert history["counts"]["rejected"] == 1
    assert history["counts"]["pending"] == 0
    assert [c["id"] for c in history["comments"]] == [second["id"], first["id"]]
    assert history["comments"][0]["status"] == "rejected"
    assert history["first_seen"] == first["created_at"]
    assert [(d["comment_id"], d["verdict"], d["actor"]) for d in history["decisions"]] == [
        (second["id"], "reject", MODERATOR)
    ]
    assert history["decisions"][0]["reason"] == "insults"
    assert [(b["kind"], b["in_force"]) for b in history["bans"]] == [("email", True)]
    assert [n["body"] for n in history["notes"]] == ["Warned by mail about insults."]
    # No digest of the author's address or email is shown.
    assert "value" not in history["bans"][0]
    # Another author's history shares nothing, and the note is audited.
    bob = await _history(staff, other["id"])
    assert bob["counts"]["published"] == 1 and bob["counts"]["rejected"] == 0
    assert bob["notes"] == [] and bob["bans"] == [] and bob["decisions"] == []
    audit = (await staff.get("/api/v1/moderation/audit")).json()["entries"]
    assert (audit[0]["action"], audit[0]["target"]) == ("note", first["id"])
    # Expired bans stay in the history, no longer in force.
    clock.advance(days=4)
    await sign_in(staff, MODERATOR)  # the session ended meanwhile
    assert [b["in_force"] for b in (await _history(staff, first["id"]))["bans"]] == [False]


async def test_guests_without_email_are_known_by_their_address_digest(
    client: httpx.AsyncClient, staff: httpx.AsyncClient
) -> None:
    comment = await new_comment(client)
    history = await _history(staff, comment["id"])
    assert history["identified_by"] == "address"
    assert history["counts"]["published"] == 1
    assert "testclient" not in str(history) and "127.0.0.1" not in str(history)


async def test_trust_needs_enough_approvals_and_a_clean_period_and_a_rejection_resets_it(
    client: httpx.AsyncClient,
    services: Services,
    staff: httpx.AsyncClient,
    clock: MovableClock,
) -> None:
    await add_staff(services, ADMIN, "admin")
    admin = await api_client(services)
    await sign_in(admin, ADMIN)
    saved = await admin.put("/api/v1/moderation/sites/news/settings", json=SETTINGS)
    assert saved.status_code == 200, saved.text
    assert (saved.json()["trust_approved"], saved.json()["trust_clean_days"]) == (2, 10)

    async def post(text: str) -> dict:  # type: ignore[type-arg]
        clock.advance(minutes=2)
        response = await post_comment(client, author_email="cy@example.org", body=text)
        assert response.status_code in (201, 202), response.text
        return response.json()  # type: ignore[no-any-return]

    async def approve(comment_id: str) -> None:
        response = await staff.post(f"/api/v1/moderation/comments/{comment_id}/approve")
        assert response.status_code == 200, response.text

    one = await post("One first comment.")
    assert one["status"] == "pending"
    await approve(one["id"])
    two = await post("Two comments now.")
    assert two["status"] == "pending"  # one approval is not enough with trust_approved 2
    await approve(two["id"])
    trust = (await _history(staff, two["id"]))["trust"]
    assert trust == {
        "trusted": True,
        "approved_since_rejection": 2,
        "needed": 2,
        "last_rejection": None,
        "clean_days": 10,
    }
    three = await post("Three is published.")
    assert three["status"] == "published"
    rejected = await staff.post(f"/api/v1/moderation/comments/{three['id']}/reject")
    assert rejected.status_code == 200
    trust = (await _history(staff, three["id"]))["trust"]
    assert trust["trusted"] is False and trust["approved_since_rejection"] == 0
    assert trust["last_rejection"] == three["created_at"]
    # Approvals after the rejection count again, but the clean period must pass too.
    for text in ("Four after that.", "Five after that."):
        held = await post(text)
        assert held["status"] == "pending"
        await approve(held["id"])
    assert (await post("Six, still held."))["status"] == "pending"
    clock.advance(days=10)
    await sign_in(staff, MODERATOR)  # the session ended meanwhile
    assert (await post("Seven, trusted again."))["status"] == "published"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("trust_approved", 0),
        ("trust_approved", 1001),
        ("trust_clean_days", -1),
        ("trust_clean_days", 3651),
        ("trust_approved", "3"),
    ],
)
async def test_trust_settings_out_of_range_are_refused_and_nothing_changes(
    services: Services, field: str, value: object
) -> None:
    await add_staff(services, ADMIN, "admin")
    admin = await api_client(services)
    await sign_in(admin, ADMIN)
    response = await admin.put(
        "/api/v1/moderation/sites/news/settings", json={**SETTINGS, field: value}
    )
    assert_error(response, 400, field=field)
    kept = (await admin.get("/api/v1/moderation/sites/news/settings")).json()
    assert (kept["trust_approved"], kept["trust_clean_days"]) == (1, 30)


async def test_history_and_notes_refuse_bad_input(
    client: httpx.AsyncClient, staff: httpx.AsyncClient
) -> None:
    comment = await new_comment(client, author_email="ann@example.org")
    assert_error(await staff.get("/api/v1/moderation/comments/nope/author"), 404, field="id")
    path = f"/api/v1/moderation/comments/{comment['id']}/author/notes"
    assert_error(await staff.post(path, json={"body": "   "}), 400, field="body")
    assert_error(await staff.post(path, json={"body": "x" * 2001}), 400, field="body")
    assert_error(await staff.post(path, json={"body": 5}), 400)
    assert_error(await staff.post(path, json={"body": "ok", "pin": True}), 400)
    assert_error(
        await staff.post("/api/v1/moderation/comments/nope/author/notes", json={"body": "ok"}),
        404,
        field="id",
    )
    assert (await _history(staff, comment["id"]))["notes"] == []
    # Readers and strangers see nothing.
    assert_error(await client.get(f"/api/v1/moderation/comments/{comment['id']}/author"), 401)
    assert_error(await client.post(path, json={"body": "ok"}), 401)
