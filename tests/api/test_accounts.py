"""Signed-in readers: sessions and CSRF, posting, voting, editing and deleting as the
account, history, claiming guest comments, and the purge of IP digests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from rostra.config import Settings
from rostra.services.housekeeping import Housekeeper
from rostra.services.registry import Services
from rostra.storage.database import async_url
from rostra.storage.tables import comments, reader_sessions
from rostra.web.app import create_app
from tests.api.account_helpers import enable_sso, mint, sign_in
from tests.api.helpers import assert_error, comment_body, new_comment, read_thread
from tests.conftest import MovableClock


@pytest.fixture
async def reader(
    client: httpx.AsyncClient, services: Services, clock: MovableClock
) -> dict[str, object]:
    """``client`` signed in as Zebulon (CSRF header set)."""
    await enable_sso(services)
    return await sign_in(client, mint(clock.now()))


async def _client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(services))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def guest(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    async for client in _client(services):
        yield client


async def test_guest_is_not_signed_in(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/api/v1/me"), 401, "sign_in_required")
    assert_error(await client.get("/api/v1/me/export"), 401, "sign_in_required")
    assert_error(await client.delete("/api/v1/me"), 401, "sign_in_required")


async def test_forged_or_ended_session_cookie_is_a_guest(
    client: httpx.AsyncClient, reader: dict[str, object], clock: MovableClock
) -> None:
    client.cookies.set("rostra_reader", "forged.value.here", path="/api/")
    assert_error(await client.get("/api/v1/me"), 401, "sign_in_required")
    # A forged cookie does not block guest actions either.
    posted = await client.post("/api/v1/comments", json=comment_body(author_name="Guest"))
    assert posted.status_code == 201, posted.text
    assert posted.json()["author"]["name"] == "Guest"


async def test_session_ends_after_thirty_days(
    client: httpx.AsyncClient, reader: dict[str, object], clock: MovableClock
) -> None:
    assert (await client.get("/api/v1/me")).status_code == 200
    clock.advance(days=31)
    assert_error(await client.get("/api/v1/me"), 401, "sign_in_required")


async def test_signed_in_reader_posts_as_the_account(
    client: httpx.AsyncClient, reader: dict[str, object]
) -> None:
    posted = await new_comment(client, author_name="Someone Else", author_url="https://x.example")
    author = posted["author"]
    assert author["name"] == "Zebulon Quixote"
    assert author["avatar"] == "https://news.example/avatars/42.png"
    assert author["url"] is None
    [shown] = (await read_thread(client))["comments"]
    assert shown["author"]["name"] == "Zebulon Quixote"
    assert shown["author"]["avatar"] == "https://news.example/avatars/42.png"


@pytest.mark.parametrize("csrf", [None, "wrong-token", ""])
async def test_state_changing_requests_without_the_csrf_token_are_refused(
    client: httpx.AsyncClient, reader: dict[str, object], csrf: str | None
) -> None:
    posted = await new_comment(client)
    if csrf is None:
        del client.headers["X-CSRF-Token"]
    else:
        client.headers["X-CSRF-Token"] = csrf
    for response in (
        await client.post("/api/v1/comments", json=comment_body()),
        await client.post(f"/api/v1/comments/{posted['id']}/vote", json={"value": 1}),
        await client.patch(f"/api/v1/comments/{posted['id']}", json={"body": "Changed"}),
        await client.delete(f"/api/v1/comments/{posted['id']}"),
        await client.post("/api/v1/me/claim"),
        await client.delete("/api/v1/auth/session"),
        await client.delete("/api/v1/me"),
    ):
        assert_error(response, 403, "csrf_failed", "x-csrf-token")
    # Reading needs no token, and nothing above happened.
    me = await client.get("/api/v1/me")
    assert me.status_code == 200
    [shown] = (await read_thread(client))["comments"]
    assert shown["body_html"] == posted["body_html"]
    assert shown["score"] == 0


async def test_csrf_token_of_another_session_is_refused(
    client: httpx.AsyncClient, guest: httpx.AsyncClient, services: Services, clock: MovableClock
) -> None:
    await enable_sso(services)
    mine = await sign_in(client, mint(clock.now()))
    theirs = await sign_in(guest, mint(clock.now(), sub="reader-43"))
    assert mine["csrf_token"] != theirs["csrf_token"]
    client.headers["X-CSRF-Token"] = str(theirs["csrf_token"])
    assert_error(await client.post("/api/v1/comments", json=comment_body()), 403, "csrf_failed")


async def test_one_vote_per_account_across_sessions(
    client: httpx.AsyncClient,
    guest: httpx.AsyncClient,
    services: Services,
    clock: MovableClock,
    reader: dict[str, object],
) -> None:
    posted = await new_comment(guest, author_name="Guest")
    second = await sign_in(guest, mint(clock.now()))  # the same account in another browser
    assert second["reader"] == reader["reader"]
    first_vote = await client.post(f"/api/v1/comments/{posted['id']}/vote", json={"value": 1})
    assert first_vote.json() == {"score": 1, "upvotes": 1, "downvotes": 0, "my_vote": 1}
    assert "rostra_voter" not in first_vote.headers.get("set-cookie", "")
    again = await guest.post(f"/api/v1/comments/{posted['id']}/vote", json={"value": 1})
    assert again.json() == {"score": 1, "upvotes": 1, "downvotes": 0, "my_vote": 1}
    [shown] = (await read_thread(guest))["comments"]
    assert shown["my_vote"] == 1


async def test_signed_in_author_edits_and_deletes_without_edit_token(
    client: httpx.AsyncClient,
    guest: httpx.AsyncClient,
    reader: dict[str, object],
    clock: MovableClock,
) -> None:
    posted = await new_comment(client)
    edited = await client.patch(f"/api/v1/comments/{posted['id']}", json={"body": "Better."})
    assert edited.status_code == 200, edited.text
    assert edited.json()["body"] == "Better."
    # Someone else (a guest, or another account) may not.
    assert_error(
        await guest.patch(f"/api/v1/comments/{posted['id']}", json={"body": "Mine now"}), 403
    )
    # After the edit window: no more edits, but the author may still delete.
    clock.advance(minutes=20)
    assert_error(
        await client.patch(f"/api/v1/comments/{posted['id']}", json={"body": "Late"}),
        403,
        "edit_window_closed",
    )
    deleted = await client.delete(f"/api/v1/comments/{posted['id']}")
    assert deleted.status_code == 204, deleted.text
    assert (await read_thread(client))["comments"] == []


async def test_another_account_cannot_change_my_comment(
    client: httpx.AsyncClient,
    guest: httpx.AsyncClient,
    reader: dict[str, object],
    clock: MovableClock,
) -> None:
    posted = await new_comment(client)
    await sign_in(guest, mint(clock.now(), sub="reader-43", name="Other Reader"))
    assert_error(await guest.delete(f"/api/v1/comments/{posted['id']}"), 403)
    assert_error(
        await guest.patch(f"/api/v1/comments/{posted['id']}", json={"body": "Mine now"}), 403
    )


async def test_sign_out_ends_the_session(
    client: httpx.AsyncClient, reader: dict[str, object]
) -> None:
    response = await client.delete("/api/v1/auth/session")
    assert response.status_code == 204, response.text
    assert "max-age=0" in response.headers["set-cookie"].lower()
    assert_error(await client.get("/api/v1/me"), 401, "sign_in_required")


async def test_history_and_claiming_guest_comments(
    client: httpx.AsyncClient, services: Services, clock: MovableClock
) -> None:
    await enable_sso(services)
    guest_comment = await new_comment(
        client, author_name="Zeb", author_email="Zebulon.Q7731@MAIL.example", body="As a guest."
    )
    await new_comment(client, author_name="Someone", author_email="x@mail.example", body="Not me")
    await sign_in(client, mint(clock.now()))
    clock.advance(seconds=1)
    mine = await new_comment(client, body="Signed in.")
    history = await client.get("/api/v1/me/comments")
    assert history.status_code == 200, history.text
    assert [item["id"] for item in history.json()["comments"]] == [mine["id"], guest_comment["id"]]
    assert history.json()["next_before"] is None
    paged = (await client.get("/api/v1/me/comments", params={"limit": 1})).json()
    assert [item["id"] for item in paged["comments"]] == [mine["id"]]
    rest = await client.get(
        "/api/v1/me/comments", params={"limit": 1, "before": paged["next_before"]}
    )
    assert [item["id"] for item in rest.json()["comments"]] == [guest_comment["id"]]
    assert_error(await client.get("/api/v1/me/comments", params={"limit": 0}), 400, "invalid")
    assert_error(await client.get("/api/v1/me/comments", params={"before": "soon"}), 400)
    # Claiming makes the guest comment the account's: deletable without its edit token.
    clock.advance(minutes=20)
    claimed = await client.post("/api/v1/me/claim")
    assert claimed.json() == {"claimed": 1}
    assert (await client.post("/api/v1/me/claim")).json() == {"claimed": 0}
    assert (await client.delete(f"/api/v1/comments/{guest_comment['id']}")).status_code == 204


async def test_account_without_email_has_nothing_to_claim(
    client: httpx.AsyncClient, services: Services, clock: MovableClock
) -> None:
    await enable_sso(services)
    await sign_in(client, mint(clock.now(), email=None))
    assert_error(await client.post("/api/v1/me/claim"), 400, "invalid", "email")


async def test_ip_digests_expire_and_ended_sessions_are_purged(
    client: httpx.AsyncClient,
    services: Services,
    settings: Settings,
    clock: MovableClock,
    reader: dict[str, object],
) -> None:
    old = await new_comment(client, body="Old.")
    clock.advance(days=31)
    fresh = await new_comment(client, body="Fresh.")  # the session ended: as a guest
    assert services.accounts is not None
    purged = await services.accounts.purge_expired()
    assert purged["ip_hashes"] == 1
    assert purged["sessions"] == 1  # the reader's session ended after 30 days
    assert purged["used_tokens"] == 1  # the sign-in token's id, kept until it expired
    engine = create_async_engine(async_url(settings.database_url))
    try:
        async with engine.connect() as conn:
            result = await conn.execute(sa.select(comments.c.id, comments.c.ip_hash))
            rows = {row.id: row.ip_hash for row in result}
            sessions = await conn.scalar(sa.select(sa.func.count()).select_from(reader_sessions))
    finally:
        await engine.dispose()
    assert rows[old["id"]] is None
    assert rows[fresh["id"]] is not None
    assert sessions == 0
    assert await services.accounts.purge_expired() == {
        "ip_hashes": 0,
        "sessions": 0,
        "used_tokens": 0,
        "oidc_logins": 0,
    }


async def test_background_purge_runs_at_start_and_stops(
    client: httpx.AsyncClient,
    services: Services,
    settings: Settings,
    clock: MovableClock,
) -> None:
    old = await new_comment(client, body="Old.")
    clock.advance(days=31)
    assert services.accounts is not None
    housekeeper = Housekeeper(services.accounts, interval=3600)
    await housekeeper.start()
    engine = create_async_engine(async_url(settings.database_url))
    try:
        async with asyncio.timeout(10):
            while True:
                async with engine.connect() as conn:
                    digest = await conn.scalar(
                        sa.select(comments.c.ip_hash).where(comments.c.id == old["id"])
                    )
                if digest is None:
                    break
                await asyncio.sleep(0.02)  # polling a condition with a deadline
    finally:
        await engine.dispose()
        async with asyncio.timeout(5):
            await housekeeper.stop()


async def test_an_account_writes_as_itself_only_on_its_own_site(
    client: httpx.AsyncClient, reader: dict[str, object], other_site: str
) -> None:
    elsewhere = await new_comment(client, site=other_site, author_name="Guest Name")
    assert elsewhere["author"]["name"] == "Guest Name"
    assert elsewhere["author"]["avatar"] is None
    history = (await client.get("/api/v1/me/comments")).json()["comments"]
    assert history == []


async def test_an_account_cannot_vote_on_its_own_comment_from_any_browser(
    client: httpx.AsyncClient,
    guest: httpx.AsyncClient,
    clock: MovableClock,
    reader: dict[str, object],
) -> None:
    mine = await new_comment(client, author_name="Zebulon")
    await sign_in(guest, mint(clock.now()))  # the same account in another browser
    for browser in (client, guest):
        answer = await browser.post(f"/api/v1/comments/{mine['id']}/vote", json={"value": 1})
        assert_error(answer, 403, "own_comment", "id")
    [shown] = (await read_thread(guest))["comments"]
    assert shown["upvotes"] == 0
