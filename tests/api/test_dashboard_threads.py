"""The dashboard's article pages: finding an article, closing it in one click (from its page
and from the queue), its settings form, and featuring comments."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from rostra.services.registry import Services
from tests.api.helpers import PAGE, assert_error, new_comment, post_comment, read_thread
from tests.api.staff_helpers import MODERATOR, add_staff, sign_in


@pytest.fixture
async def moderator(client: httpx.AsyncClient, services: Services) -> httpx.AsyncClient:
    await add_staff(services, MODERATOR, "moderator")
    await sign_in(client, MODERATOR)
    return client


def _message(response: httpx.Response) -> list[str]:
    assert response.status_code == 303, response.text
    return parse_qs(urlsplit(response.headers["location"]).query).get("message", [])


async def test_find_an_article_and_close_it_in_one_click(
    moderator: httpx.AsyncClient, second_client: httpx.AsyncClient
) -> None:
    await new_comment(second_client, body="Before the hold.")
    found = await moderator.get("/admin/threads", params={"site": "news", "page": PAGE})
    assert found.status_code == 303
    thread_page = found.headers["location"]
    assert thread_page.startswith("/admin/threads/")
    page = await moderator.get(thread_page)
    assert "Comments are open" in page.text
    assert "Close comments" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")

    csrf = moderator.headers["X-CSRF-Token"]
    closed = await moderator.post(
        f"{thread_page}/close", data={"csrf_token": csrf, "reason": "legal hold"}
    )
    assert _message(closed) == ["Comments are closed on this article."]
    assert (await read_thread(second_client))["thread"]["settings"]["closed"] is True
    assert_error(await post_comment(second_client), 403, "thread_closed")
    assert "Reopen comments" in (await moderator.get(thread_page)).text
    audit = (await moderator.get("/api/v1/moderation/audit")).json()["entries"][0]
    assert (audit["action"], audit["actor"], audit["reason"]) == (
        "close_thread",
        MODERATOR,
        "legal hold",
    )
    reopened = await moderator.post(f"{thread_page}/open", data={"csrf_token": csrf})
    assert _message(reopened) == ["Comments are open on this article again."]
    assert (await post_comment(second_client, body="Open again.")).status_code == 201


async def test_close_from_the_queue_returns_to_the_queue(
    moderator: httpx.AsyncClient, services: Services, second_client: httpx.AsyncClient
) -> None:
    comment = await new_comment(second_client, body="Reported here.")
    for reader in range(3):
        assert services.moderation is not None
        from rostra.services.callers import Caller

        await services.moderation.report(comment["id"], Caller(voter=f"voter{reader}"))
    queue = await moderator.get("/admin")
    assert "Close comments on this article" in queue.text
    thread_id = comment_thread = None
    for line in queue.text.splitlines():
        if "formaction=" in line:
            comment_thread = line.split('formaction="')[1].split('"')[0]
    assert comment_thread is not None and comment_thread.endswith("/close")
    thread_id = comment_thread.split("/")[3]
    response = await moderator.post(
        comment_thread,
        data={
            "csrf_token": moderator.headers["X-CSRF-Token"],
            "back": "/admin?site=news",
            "reason": "",
        },
    )
    assert response.headers["location"].startswith("/admin?site=news&")
    assert _message(response) == ["Comments are closed on this article."]
    settings = (await moderator.get(f"/api/v1/moderation/threads/{thread_id}")).json()
    assert settings["closed_by_staff"] is True


async def test_settings_form_and_featuring_from_the_article_page(
    moderator: httpx.AsyncClient, second_client: httpx.AsyncClient
) -> None:
    comment = await new_comment(second_client)
    thread_page = (
        await moderator.get("/admin/threads", params={"site": "news", "page": PAGE})
    ).headers["location"]
    csrf = moderator.headers["X-CSRF-Token"]
    saved = await moderator.post(
        f"{thread_page}/settings",
        data={
            "csrf_token": csrf,
            "premoderated": "on",
            "slow_minutes": "10",
            "message": "Please keep it civil.",
        },
    )
    assert _message(saved) == ["Saved."]
    settings = (await read_thread(second_client))["thread"]["settings"]
    assert settings["premoderated"] is True
    assert settings["images"] is False  # the box was left unticked
    assert settings["slow_mode_minutes"] == 10
    bad = await moderator.post(f"{thread_page}/settings", data={"csrf_token": csrf,
                                                               "slow_minutes": "-5"})  # fmt: skip
    assert "'slow_mode_minutes' must be" in _message(bad)[0]
    assert (await read_thread(second_client))["thread"]["settings"]["slow_mode_minutes"] == 10

    featured = await moderator.post(
        f"/admin/comments/{comment['id']}/feature", data={"csrf_token": csrf, "note": "Worth it."}
    )
    assert _message(featured) == ["Featured."]
    page = (await moderator.get(thread_page)).text
    assert "Featured: Worth it." in page
    assert "Unfeature" in page
    picks = await read_thread(second_client, sort="featured")
    assert [c["id"] for c in picks["comments"]] == [comment["id"]]


async def test_forms_without_the_csrf_token_change_nothing(
    moderator: httpx.AsyncClient, second_client: httpx.AsyncClient
) -> None:
    comment = await new_comment(second_client)
    thread_page = (
        await moderator.get("/admin/threads", params={"site": "news", "page": PAGE})
    ).headers["location"]
    del moderator.headers["X-CSRF-Token"]
    assert (await moderator.post(f"{thread_page}/close", data={})).status_code == 403
    assert (
        await moderator.post(f"/admin/comments/{comment['id']}/feature", data={})
    ).status_code == 403
    assert (await read_thread(second_client))["thread"].get("settings") is None
    assert (await moderator.get("/admin/threads/99999")).status_code == 404


async def test_an_article_without_comments_is_set_up_by_a_post_not_by_finding_it(
    moderator: httpx.AsyncClient, second_client: httpx.AsyncClient
) -> None:
    params = {"site": "news", "page": "/2026/11/not-yet"}
    found = await moderator.get("/admin/threads", params=params)
    assert found.status_code == 200
    assert "Nobody has commented on this article yet." in found.text
    assert_error(await moderator.get("/api/v1/moderation/threads", params=params), 404)
    made = await moderator.post(
        "/admin/threads", data={**params, "csrf_token": moderator.headers["X-CSRF-Token"]}
    )
    assert made.status_code == 303
    closed = await moderator.post(
        f"{made.headers['location']}/close", data={"csrf_token": moderator.headers["X-CSRF-Token"]}
    )
    assert _message(closed) == ["Comments are closed on this article."]
    assert_error(await post_comment(second_client, page="/2026/11/not-yet"), 403, "thread_closed")
