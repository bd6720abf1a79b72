"""The dashboard's author history (with moderator notes) and its EU DSA notices page."""

from __future__ import annotations

import html
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from rostra.services.registry import Services
from tests.api.helpers import new_comment, read_thread
from tests.api.staff_helpers import ADMIN, MODERATOR, add_staff, api_client, sign_in


@pytest.fixture
async def moderator(services: Services) -> httpx.AsyncClient:
    await add_staff(services, MODERATOR, "moderator")
    staff = await api_client(services)
    await sign_in(staff, MODERATOR)
    return staff


def _message(response: httpx.Response) -> list[str]:
    assert response.status_code == 303, response.text
    return parse_qs(urlsplit(response.headers["location"]).query).get("message", [])


async def test_author_page_shows_the_record_and_takes_notes(
    client: httpx.AsyncClient, moderator: httpx.AsyncClient
) -> None:
    first = await new_comment(client, author_email="ann@example.org", body="Earlier remark.")
    second = await new_comment(client, author_email="ann@example.org", body="Later remark.")
    await moderator.post(f"/api/v1/moderation/comments/{first['id']}/reject", json={})
    queue = await moderator.get("/admin")
    assert queue.status_code == 200
    page = await moderator.get(f"/admin/comments/{second['id']}/author")
    assert page.status_code == 200
    text = html.unescape(page.text)
    for shown in ("Ann Reader", "Earlier remark.", "Later remark.", "Not trusted yet", MODERATOR):
        assert shown in text, shown
    assert "No notes." in text
    saved = await moderator.post(
        f"/admin/comments/{second['id']}/notes",
        data={"csrf_token": moderator.headers["X-CSRF-Token"], "body": "Asked to <calm> down."},
    )
    assert _message(saved) == ["The note is saved."]
    again = await moderator.get(f"/admin/comments/{first['id']}/author")
    assert "Asked to &lt;calm&gt; down." in again.text  # escaped, and on every comment of hers
    # A form without the session's CSRF token stores nothing.
    forged = await moderator.post(
        f"/admin/comments/{second['id']}/notes",
        data={"csrf_token": "x", "body": "forged"},
        headers={"X-CSRF-Token": ""},  # the form's token only, as a browser sends it
    )
    assert forged.status_code == 403
    empty = await moderator.post(
        f"/admin/comments/{second['id']}/notes",
        data={"csrf_token": moderator.headers["X-CSRF-Token"], "body": " "},
    )
    assert empty.status_code == 400
    history = (await moderator.get(f"/api/v1/moderation/comments/{second['id']}/author")).json()
    assert [n["body"] for n in history["notes"]] == ["Asked to <calm> down."]
    missing = await moderator.get("/admin/comments/nope/author")
    assert missing.status_code == 404
    signed_out = await client.get(f"/admin/comments/{second['id']}/author")
    assert signed_out.status_code == 303


async def test_notices_page_decides_and_admins_download_the_csv(
    client: httpx.AsyncClient, services: Services, moderator: httpx.AsyncClient
) -> None:
    comment = await new_comment(client, body="Allegedly illegal words.")
    sent = await client.post(
        "/api/v1/dsa/notices",
        json={
            "comment_id": comment["id"],
            "category": "terrorist_content",
            "explanation": "Praises a recent attack.",
            "name": "Fay",
            "email": "fay@example.org",
            "good_faith": True,
        },
    )
    reference = sent.json()["reference"]
    page = await moderator.get("/admin/notices")
    assert page.status_code == 200
    for shown in (
        "Terrorist content",
        "Allegedly illegal words.",
        "Praises a recent attack.",
        reference,
    ):
        assert shown in page.text, shown
    assert "Download CSV" not in page.text  # admins only
    csrf = moderator.headers["X-CSRF-Token"]
    no_reason = await moderator.post(
        f"/admin/notices/{reference}/decide", data={"csrf_token": csrf, "action": "remove"}
    )
    assert _message(no_reason) == ["The reason for the decision is required."]
    removed = await moderator.post(
        f"/admin/notices/{reference}/decide",
        data={"csrf_token": csrf, "action": "remove", "reason": "Glorifies terrorism."},
    )
    assert _message(removed) == ["The comment is removed; the notifier is told."]
    assert (await read_thread(client))["comments"] == []
    done = await moderator.get("/admin/notices?status=actioned")
    assert "Glorifies terrorism." in done.text
    refused = await moderator.get("/admin/notices/export")
    assert refused.status_code == 403

    await add_staff(services, ADMIN, "admin")
    admin = await api_client(services)
    await sign_in(admin, ADMIN)
    assert "Download CSV" in (await admin.get("/admin/notices")).text
    csv = await admin.get("/admin/notices/export", params={"site": "news", "from": "", "to": ""})
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert reference in csv.text and "actioned" in csv.text
    bad = await admin.get("/admin/notices/export", params={"from": "soon"})
    assert bad.status_code == 400
