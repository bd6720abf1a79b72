"""EU DSA Art. 16 notices: anyone sends one (API and the plain page), staff list and decide
them, admins export them as CSV."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import httpx
import pytest

from rostra.services.registry import Services
from tests.api.helpers import ORIGIN, assert_error, new_comment, read_thread
from tests.api.staff_helpers import ADMIN, MODERATOR, add_staff, api_client, sign_in
from tests.conftest import MovableClock

NOTICE = {
    "category": "defamation",
    "explanation": "It says falsely that I was convicted of fraud.",
    "name": "Dana Example",
    "email": "dana@example.org",
    "good_faith": True,
}


async def _notice(client: httpx.AsyncClient, about: str, **changes: Any) -> httpx.Response:
    return await client.post("/api/v1/dsa/notices", json={**NOTICE, "comment_id": about, **changes})


@pytest.fixture
async def staff(services: Services) -> httpx.AsyncClient:
    await add_staff(services, MODERATOR, "moderator")
    staff = await api_client(services)
    await sign_in(staff, MODERATOR)
    return staff


async def test_anyone_sends_a_notice_and_staff_remove_the_comment(
    client: httpx.AsyncClient, staff: httpx.AsyncClient
) -> None:
    comment = await new_comment(client, body="Dana was convicted of fraud.")
    sent = await _notice(client, comment["id"])
    assert sent.status_code == 201, sent.text
    ack = sent.json()
    assert re.fullmatch(r"N[0-9A-Z_-]{15}", ack["reference"]), ack
    assert ack["status"] == "open" and ack["mailed"] is False
    assert ack["reference"] in ack["message"]

    listed = (await staff.get("/api/v1/moderation/dsa/notices?status=open")).json()
    [notice] = listed["notices"]
    assert notice["id"] == ack["reference"]
    assert notice["comment_body"] == "Dana was convicted of fraud."
    assert (notice["category"], notice["category_label"]) == ("defamation", "Defamation")
    assert notice["notifier_email"] == "dana@example.org"

    decided = await staff.post(
        f"/api/v1/moderation/dsa/notices/{notice['id']}/decision",
        json={"action": "remove", "reason": "A false statement of fact about a person."},
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "actioned"
    assert decided.json()["decided_by"] == MODERATOR
    assert (await read_thread(client))["comments"] == []
    audit = (await staff.get("/api/v1/moderation/audit")).json()["entries"]
    assert [(e["action"], e["target"]) for e in audit[:2]] == [
        ("notice_decided", notice["id"]),
        ("reject", comment["id"]),
    ]
    again = await staff.post(
        f"/api/v1/moderation/dsa/notices/{notice['id']}/decision",
        json={"action": "keep", "reason": "Changed my mind."},
    )
    assert_error(again, 400, field="id")
    assert (await staff.get("/api/v1/moderation/dsa/notices?status=open")).json()["notices"] == []


async def test_keeping_the_comment_leaves_it_published(
    client: httpx.AsyncClient, staff: httpx.AsyncClient
) -> None:
    comment = await new_comment(client, body="A harsh but lawful review.")
    reference = (await _notice(client, comment["id"])).json()["reference"]
    decided = await staff.post(
        f"/api/v1/moderation/dsa/notices/{reference}/decision",
        json={"action": "keep", "reason": "An opinion, not a statement of fact."},
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "dismissed"
    assert [c["id"] for c in (await read_thread(client))["comments"]] == [comment["id"]]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"good_faith": False}, "good_faith"),
        ({"good_faith": None}, None),
        ({"category": "rude"}, "category"),
        ({"category": None}, "category"),
        ({"explanation": "short"}, "explanation"),
        ({"explanation": "x" * 5001}, "explanation"),
        ({"name": "  "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"email": "not-an-address"}, "email"),
        ({"email": ""}, "email"),
        ({"comment_id": ""}, "comment_id"),
    ],
)
async def test_bad_notices_are_refused_naming_the_field(
    client: httpx.AsyncClient, staff: httpx.AsyncClient, changes: dict[str, Any], field: str | None
) -> None:
    comment = await new_comment(client)
    response = await _notice(client, comment["id"], **changes)
    if field is None:
        assert_error(response, 400)
    else:
        assert_error(response, 400, field=field)
    assert (await staff.get("/api/v1/moderation/dsa/notices")).json()["notices"] == []


async def test_notices_about_unknown_comments_or_from_foreign_pages_are_refused(
    client: httpx.AsyncClient, staff: httpx.AsyncClient
) -> None:
    assert_error(await _notice(client, "no-such-comment"), 404, field="comment_id")
    comment = await new_comment(client)
    foreign = await client.post(
        "/api/v1/dsa/notices",
        json={**NOTICE, "comment_id": comment["id"]},
        headers={"Origin": "https://evil.example"},
    )
    assert_error(foreign, 403, "origin_not_allowed")
    own = await client.post(
        "/api/v1/dsa/notices",
        json={**NOTICE, "comment_id": comment["id"]},
        headers={"Origin": ORIGIN},
    )
    assert own.status_code == 201, own.text
    assert_error(
        await client.post(
            "/api/v1/dsa/notices", json={**NOTICE, "comment_id": comment["id"], "extra": 1}
        ),
        400,
    )


async def test_decisions_refuse_bad_input_and_strangers(
    client: httpx.AsyncClient, staff: httpx.AsyncClient
) -> None:
    comment = await new_comment(client)
    reference = (await _notice(client, comment["id"])).json()["reference"]
    path = f"/api/v1/moderation/dsa/notices/{reference}/decision"
    assert_error(await staff.post(path, json={"action": "burn", "reason": "x"}), 400)
    assert_error(
        await staff.post(path, json={"action": "keep", "reason": "  "}), 400, field="reason"
    )
    assert_error(await staff.post(path, json={"action": "keep"}), 400)
    assert_error(
        await staff.post(
            "/api/v1/moderation/dsa/notices/NOPE/decision", json={"action": "keep", "reason": "x"}
        ),
        404,
        field="id",
    )
    assert_error(
        await staff.get("/api/v1/moderation/dsa/notices?status=maybe"), 400, field="status"
    )
    assert_error(await staff.get("/api/v1/moderation/dsa/notices?limit=0"), 400, field="limit")
    # Readers and strangers: no session, 401; a moderator cannot export (admins only), 403.
    assert_error(await client.post(path, json={"action": "keep", "reason": "x"}), 401)
    assert_error(await client.get("/api/v1/moderation/dsa/notices"), 401)
    assert_error(await client.get("/api/v1/moderation/dsa/export"), 401)
    assert_error(await staff.get("/api/v1/moderation/dsa/export"), 403, "admin_required")
    listed = (await staff.get("/api/v1/moderation/dsa/notices")).json()["notices"]
    assert [n["status"] for n in listed] == ["open"]


async def test_admins_export_notices_and_decisions_as_csv_without_personal_data(
    client: httpx.AsyncClient, services: Services, staff: httpx.AsyncClient, clock: MovableClock
) -> None:
    first = await new_comment(client, body="=HYPERLINK(1) first.")
    second = await new_comment(client, body="Second one here.")
    one = (await _notice(client, first["id"])).json()["reference"]
    clock.advance(seconds=1)  # rows come in order of arrival; the same moment would tie
    two = (await _notice(client, second["id"], category="scam_fraud")).json()["reference"]
    await staff.post(
        f"/api/v1/moderation/dsa/notices/{one}/decision",
        json={"action": "remove", "reason": "=cmd| looks like a formula"},
    )
    await add_staff(services, ADMIN, "admin")
    admin = await api_client(services)
    await sign_in(admin, ADMIN)
    response = await admin.get("/api/v1/moderation/dsa/export", params={"site": "news"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["reference"], r["status"], r["category"]) for r in rows] == [
        (one, "actioned", "defamation"),
        (two, "open", "scam_fraud"),
    ]
    assert rows[0]["decided_by"] == MODERATOR
    assert rows[0]["decision_reason"] == "'=cmd| looks like a formula"
    assert rows[0]["automated_detection"] == "no"
    assert "dana" not in response.text.lower()
    # Dates bound the export: nothing before today's notices, nothing in the future.
    empty = await admin.get("/api/v1/moderation/dsa/export", params={"to": "2000-01-01"})
    assert empty.text.count("\n") == 1
    for params, field in (
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "from"),
        ({"site": "nowhere"}, "site"),
    ):
        assert_error(
            await admin.get("/api/v1/moderation/dsa/export", params=params),
            400 if field != "site" else 404,
            field=field,
        )


async def test_the_plain_page_takes_a_notice_with_its_form_token(
    client: httpx.AsyncClient, staff: httpx.AsyncClient
) -> None:
    comment = await new_comment(client, body="Shown on the notice page.")
    page = await client.get("/dsa/notice", params={"comment": comment["id"]})
    assert page.status_code == 200
    assert "Shown on the notice page." in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    form = {
        "csrf_token": token.group(1),
        "comment": comment["id"],
        "category": "privacy_violation",
        "explanation": "It publishes my home address.",
        "name": "Eve Example",
        "email": "eve@example.org",
    }
    missing = await client.post("/dsa/notice", data=form)  # no good-faith box ticked
    assert missing.status_code == 400
    assert "good faith" in missing.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', missing.text)
    assert token is not None
    form["csrf_token"] = token.group(1)
    sent = await client.post("/dsa/notice", data={**form, "good_faith": "yes"})
    assert sent.status_code == 201, sent.text
    reference = re.search(r"reference is (N[0-9A-Z_-]+)", sent.text)
    assert reference is not None
    listed = (await staff.get("/api/v1/moderation/dsa/notices")).json()["notices"]
    assert [(n["id"], n["category"]) for n in listed] == [(reference.group(1), "privacy_violation")]
    # Without the cookie's token (another site's form), nothing is stored.
    client.cookies.clear()
    forged = await client.post("/dsa/notice", data={**form, "good_faith": "yes"})
    assert forged.status_code == 403
    assert len((await staff.get("/api/v1/moderation/dsa/notices")).json()["notices"]) == 1
    unknown = await client.get("/dsa/notice", params={"comment": "nope"})
    assert unknown.status_code == 404
