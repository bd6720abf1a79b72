"""The dashboard's "Ban author": by email, by network address or both; the banner after it
shows its own result only; the bans page names the author and the comment."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from rostra.services.registry import Services
from tests.api.helpers import new_comment, post_comment
from tests.api.staff_helpers import MODERATOR, add_staff, sign_in


@pytest.fixture
async def moderator(client: httpx.AsyncClient, services: Services) -> httpx.AsyncClient:
    await add_staff(services, MODERATOR, "moderator")
    await sign_in(client, MODERATOR)
    return client


async def ban(moderator: httpx.AsyncClient, comment_id: str, by: str, back: str) -> list[str]:
    """Ban from the queue page at ``back``; the banner messages of the page it returns to."""
    response = await moderator.post(
        "/admin/decide",
        data={
            "csrf_token": moderator.headers["X-CSRF-Token"],
            "single": f"ban:{comment_id}",
            f"by:{comment_id}": by,
            f"days:{comment_id}": "7",
            "back": back,
        },
    )
    assert response.status_code == 303, response.text
    return parse_qs(urlsplit(response.headers["location"]).query).get("message", [])


async def test_ban_by_email_only_and_the_banner_shows_this_result(
    moderator: httpx.AsyncClient,
) -> None:
    comment = await new_comment(
        moderator, body="The new lights on the bridge look great", author_email="seller@example.org"
    )
    back = "/admin?site=news&message=Done+for+3%3B+failed+for+0."
    messages = await ban(moderator, comment["id"], "email", back)
    assert messages == ["The author is banned by email address."]
    bans = (await moderator.get("/api/v1/moderation/bans")).json()["bans"]
    assert [b["kind"] for b in bans] == ["email"]
    # The same address from the same computer, with another email: not banned by address.
    other = await post_comment(moderator, body="Hello again", author_email="other@example.org")
    assert other.status_code == 201, other.text
    refused = await post_comment(moderator, body="Hello again", author_email="seller@example.org")
    assert refused.status_code == 403
    page = await moderator.get("/admin/bans")
    assert page.status_code == 200
    for shown in (
        "The new lights on the bridge look great",
        "email address",
        MODERATOR,
        "shares that address",
    ):
        assert shown in page.text, shown


async def test_ban_by_network_address_and_an_unknown_choice(
    moderator: httpx.AsyncClient,
) -> None:
    comment = await new_comment(moderator, body="Spam from a shared office")
    assert await ban(moderator, comment["id"], "sideways", "/admin") == ["Unknown action."]
    assert (await moderator.get("/api/v1/moderation/bans")).json()["bans"] == []
    assert await ban(moderator, comment["id"], "ip", "/admin") == [
        "The author is banned by network address."
    ]
    bans = (await moderator.get("/api/v1/moderation/bans")).json()["bans"]
    assert [b["kind"] for b in bans] == ["ip"]
