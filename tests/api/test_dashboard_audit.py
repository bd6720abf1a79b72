"""The dashboard's audit log names what each entry acted on: the comment (author, words, a link
to it on its page), the site, the campaign, the staff member, in words instead of ids."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import httpx
import pytest

from rostra.domain.staff import StaffAction
from rostra.services.registry import Services
from rostra.storage.database import Database
from tests.api.helpers import ORIGIN, PAGE, new_comment
from tests.api.staff_helpers import ADMIN, MODERATOR, add_staff, sign_in


@pytest.fixture
async def moderator(client: httpx.AsyncClient, services: Services) -> httpx.AsyncClient:
    await add_staff(services, MODERATOR, "moderator")
    await sign_in(client, MODERATOR)
    return client


async def decide(moderator: httpx.AsyncClient, single: str, **fields: str) -> None:
    response = await moderator.post(
        "/admin/decide",
        data={"csrf_token": moderator.headers["X-CSRF-Token"], "single": single, **fields},
    )
    assert response.status_code == 303, response.text


def rows(page: str) -> list[str]:
    """The table rows of the audit page, newest first."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [row for row in body.split("<tr>")[1:]]


async def test_entries_show_the_comment_its_author_page_and_staff_member(
    moderator: httpx.AsyncClient,
) -> None:
    rejected = await new_comment(
        moderator,
        author_name="Rita Reader",
        body="The <b>bridge</b> was never safe & cost too much",
    )
    banned = await new_comment(
        moderator,
        author_name="Sam Seller",
        body="Visit my shop for garden chairs",
        author_email="s@example.org",
    )
    await decide(moderator, f"reject:{rejected['id']}", reason="off topic")
    await decide(moderator, f"ban:{banned['id']}", **{f"by:{banned['id']}": "email"})

    page = await moderator.get("/admin/audit")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    ban_row, reject_row, sign_in_row = rows(page.text)[:3]
    assert "Banned the author by email address" in ban_row
    assert "Sam Seller" in ban_row and "Visit my shop for garden chairs" in ban_row
    assert f'href="{ORIGIN}{PAGE}#comment-{banned["id"]}"' in ban_row
    assert "Rejected" in reject_row and "Rita Reader" in reject_row and "off topic" in reject_row
    assert MODERATOR in reject_row and "news" in reject_row
    # The comment's words are escaped text, never markup.
    assert html.escape("The <b>bridge</b> was never safe & cost too much") in reject_row
    assert "<b>bridge" not in page.text
    assert f'href="{ORIGIN}{PAGE}#comment-{rejected["id"]}"' in reject_row
    assert "Signed in" in sign_in_row and "sign_in" not in sign_in_row
    # No bare comment ids as the target: each id appears only inside its link.
    assert page.text.count(rejected["id"]) == 1


async def test_settings_learning_and_a_comment_no_longer_stored(
    client: httpx.AsyncClient, services: Services, database_url: str
) -> None:
    await add_staff(services, ADMIN, "admin")
    await sign_in(client, ADMIN)
    comment = await new_comment(
        client, author_name="Troll", body="The council may regret this plan"
    )
    await decide(client, f"learn:{comment['id']}", **{f"learn:{comment['id']}": "threat"})
    changed = await client.post(
        "/admin/settings/news",
        data={"csrf_token": client.headers["X-CSRF-Token"], "mode": "pre", "reason": "fewer links"},
    )
    assert changed.status_code == 303, changed.text
    storage = Database(database_url)
    try:
        async with storage.write() as tx:  # the newest entry names a comment that is gone
            await tx.staff_records.audit(
                ADMIN, StaffAction.APPROVE, "gone-comment-id", "", datetime(2026, 1, 1, tzinfo=UTC)
            )
    finally:
        await storage.close()

    page = (await client.get("/admin/audit")).text
    gone_row, settings_row, learn_row, reject_row = rows(page)[:4]
    assert "Changed site settings" in settings_row and "Site news" in settings_row
    assert "fewer links" in settings_row
    assert "Taught the screen" in learn_row and "Threat" in learn_row
    assert "The council may regret this plan" in learn_row and "Troll" in learn_row
    assert "Rejected" in reject_row
    assert "A comment that is no longer stored" in gone_row
    assert "gone-comment-id" not in page


async def test_audit_page_needs_a_session_and_bad_offsets_read_as_the_start(
    client: httpx.AsyncClient, services: Services
) -> None:
    signed_out = await client.get("/admin/audit")
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == "/admin/sign-in"
    await add_staff(services, MODERATOR, "moderator")
    await sign_in(client, MODERATOR)
    for offset in ("-5", "many", ""):
        page = await client.get("/admin/audit", params={"offset": offset})
        assert page.status_code == 200
        assert "Signed in" in rows(page.text)[0]
    beyond = await client.get("/admin/audit", params={"offset": "5000"})
    assert "No staff actions yet." in beyond.text
