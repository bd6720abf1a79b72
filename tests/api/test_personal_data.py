"""A reader's data rights: export everything, then delete it, and check by reading
EVERY table of the schema that nothing personal is left, under both site policies, on SQLite and
PostgreSQL. Mail goes through the real outbox to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from rostra.config import Settings
from rostra.services.registry import Services
from rostra.storage.database import async_url
from rostra.storage.tables import metadata
from rostra.web.app import create_app
from tests.api.account_helpers import enable_sso, mint, sign_in
from tests.api.helpers import PAGE, assert_error, comment_count, new_comment, read_thread
from tests.api.test_oidc import _callback, _posted, _to_provider
from tests.conftest import MovableClock
from tests.notify.smtp import SmtpServer, deliver, link, mail_settings, smtp_server
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, start_provider

__all__ = ["smtp_server"]
READER_IP = "10.9.8.7"
NAME = "Zebulon Quixote"
EMAIL = "zebulon.q7731@mail.example"
FOLLOWER = "follower@mail.example"
PROVIDER_SUBJECT = "oidc-subject-7731"


@pytest.fixture
def provider() -> Iterator[Provider]:
    """An OpenID Connect provider whose user has the reader's (verified) address."""
    found, server = start_provider()
    found.user.sub, found.user.email = PROVIDER_SUBJECT, EMAIL
    found.client.redirect_hosts.add("comments.example")  # ROSTRA_PUBLIC_URL of mail_settings
    yield found
    server.shutdown()
    server.server_close()


@pytest.fixture
def settings(database_url: str, smtp_server: SmtpServer) -> Settings:
    return mail_settings(database_url, smtp_server)


@pytest.fixture
async def reader_client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """The reader's browser, at an address nobody else in the test uses."""
    app = create_app(services)
    transport = httpx.ASGITransport(app=app, client=(READER_IP, 40000))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def every_row(url: str) -> dict[str, list[str]]:
    """Every row of every table in ``rostra.storage.tables``, each as one JSON text."""
    engine = create_async_engine(async_url(url))
    found: dict[str, list[str]] = {}
    try:
        async with engine.connect() as conn:
            for table in metadata.sorted_tables:
                result = await conn.execute(sa.select(table))
                found[table.name] = [
                    json.dumps(dict(row._mapping), default=str, ensure_ascii=False)
                    for row in result
                ]
    finally:
        await engine.dispose()
    return found


async def a_readers_life(
    services: Services,
    reader_client: httpx.AsyncClient,
    guest: httpx.AsyncClient,
    smtp: SmtpServer,
    clock: MovableClock,
    provider: Provider | None = None,
) -> dict[str, Any]:
    """A guest comment with the reader's address, sign-in, a comment with replies, one without,
    a vote, a subscription, a follower who is mailed the reader's comment."""
    await enable_sso(services)
    # Someone follows the page and confirms: new comments get mailed to them (with the name).
    assert (
        await guest.post(
            "/api/v1/subscriptions",
            json={"site": "news", "page": PAGE, "email": FOLLOWER, "kind": "all"},
        )
    ).status_code == 202
    await deliver(services)
    assert (await guest.post(link(smtp.messages[-1], "confirm"))).status_code == 200
    as_guest = await new_comment(
        reader_client, author_name="Zeb", author_email=EMAIL, body="First, as a guest."
    )
    session = await sign_in(reader_client, mint(clock.now()))
    if provider is not None:  # the same reader also signs in with a provider (linked by address)
        assert services.oidc is not None
        await services.oidc.configure("news", provider.url, CLIENT_ID, CLIENT_SECRET, "ID", "t")
        message, _ = _posted(await _callback(reader_client, await _to_provider(reader_client)))
        redeemed = await reader_client.post(
            "/api/v1/auth/oidc/redeem", json={"site": "news", "token": message["token"]}
        )
        assert redeemed.json()["reader"]["id"] == session["reader"]["id"]
        reader_client.headers["X-CSRF-Token"] = redeemed.json()["csrf_token"]
    answered = await new_comment(reader_client, body="Signed in, and answered.", notify="replies")
    alone = await new_comment(reader_client, body="Signed in, no replies.")
    reply = await new_comment(guest, author_name="Guest", parent_id=answered["id"], body="Reply")
    vote = await reader_client.post(f"/api/v1/comments/{reply['id']}/vote", json={"value": 1})
    assert vote.status_code == 200, vote.text
    reaction = await reader_client.post(
        f"/api/v1/comments/{reply['id']}/reaction", json={"reaction": "😮"}
    )
    assert reaction.status_code == 200, reaction.text
    return {
        "session": session,
        "as_guest": as_guest,
        "answered": answered,
        "alone": alone,
        "reply": reply,
    }


def traces(services: Services, life: dict[str, Any]) -> dict[str, str]:
    """Every form in which the reader could still be found."""
    keyring = services.keyring
    return {
        "name": NAME,
        "email": EMAIL,
        "email digest": keyring.digest("email", EMAIL),
        "ip digest": keyring.digest("ip", READER_IP),
        "account id": life["session"]["reader"]["id"],
        "sign-on subject": "reader-42",
        "avatar": "avatars/42.png",
        "provider subject": PROVIDER_SUBJECT,
    }


async def test_export_holds_everything_about_the_reader(
    services: Services,
    reader_client: httpx.AsyncClient,
    client: httpx.AsyncClient,
    smtp_server: SmtpServer,
    clock: MovableClock,
) -> None:
    life = await a_readers_life(services, reader_client, client, smtp_server, clock)
    response = await reader_client.get("/api/v1/me/export")
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["content-disposition"]
    data = response.json()
    assert data["account"]["name"] == NAME
    assert data["account"]["email"] == EMAIL
    assert data["account"]["subject"] == "reader-42"
    assert {item["id"] for item in data["comments"]} == {
        life["as_guest"]["id"],
        life["answered"]["id"],
        life["alone"]["id"],
    }
    assert [(vote["comment_id"], vote["value"]) for vote in data["votes"]] == [
        (life["reply"]["id"], 1)
    ]
    assert [(item["comment_id"], item["reaction"]) for item in data["reactions"]] == [
        (life["reply"]["id"], "😮")
    ]
    assert [(item["kind"], item["email"]) for item in data["subscriptions"]] == [("replies", EMAIL)]
    # Guests get nothing, and other readers' data is not in it.
    assert_error(await client.get("/api/v1/me/export"), 401, "sign_in_required")
    assert FOLLOWER not in response.text


@pytest.mark.parametrize("policy", ["anonymize", "remove"])
async def test_deleting_the_account_leaves_no_personal_data_in_any_table(
    services: Services,
    settings: Settings,
    reader_client: httpx.AsyncClient,
    client: httpx.AsyncClient,
    smtp_server: SmtpServer,
    clock: MovableClock,
    policy: str,
    provider: Provider,
) -> None:
    assert services.accounts is not None
    life = await a_readers_life(services, reader_client, client, smtp_server, clock, provider)
    await services.accounts.set_deletion_policy("news", policy, actor="admin@news.example")
    clues = traces(services, life)
    before = json.dumps(await every_row(settings.database_url))
    # The check can fail: before the deletion every trace is there.
    for what, value in clues.items():
        assert value in before, what
    count_before = await comment_count(client)

    response = await reader_client.delete("/api/v1/me")
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["votes_unlinked"] == 1
    assert report["subscriptions_deleted"] == 1
    if policy == "anonymize":
        assert (report["comments_anonymized"], report["comments_removed"]) == (3, 0)
    else:
        assert (report["comments_anonymized"], report["comments_removed"]) == (0, 3)

    rows = await every_row(settings.database_url)
    for table, texts in rows.items():
        for text in texts:
            for what, value in clues.items():
                assert value not in text, f"the reader's {what} is still in {table}: {text}"
    assert rows["readers"] == [] and rows["reader_sessions"] == []
    assert rows["reader_identities"] == []
    [audit] = [text for text in rows["audit_log"] if "forget_reader" in text]
    assert "reader" in json.loads(audit)["target"]
    assert_error(await reader_client.get("/api/v1/me"), 401, "sign_in_required")

    # The thread keeps its shape: the reply stays under its parent, votes still count.
    thread = await read_thread(client)
    by_id = {item["id"]: item for item in thread["comments"]}
    answered = by_id[life["answered"]["id"]]
    assert [reply["id"] for reply in answered["replies"]] == [life["reply"]["id"]]
    assert answered["replies"][0]["score"] == 1
    assert answered["replies"][0]["reactions"] == {"😮": 1}
    if policy == "anonymize":
        assert answered["author"] == {
            "name": "Former reader",
            "avatar": None,
            "is_staff": False,
            "url": None,
        }
        assert "Signed in, and answered." in answered["body_html"]
        assert await comment_count(client) == count_before
    else:
        assert answered["status"] == "deleted" and answered["body_html"] == ""
        assert answered["author"]["name"] == ""
        assert set(by_id) == {life["answered"]["id"]}  # comments without replies are gone
        assert await comment_count(client) == count_before - 3
    # Mail still waiting for the follower no longer tells of the reader's comments.
    await deliver(services)
    assert all(NAME not in message.as_string() for message in smtp_server.messages[1:])


async def test_staff_can_find_and_forget_an_account_on_request(
    services: Services,
    reader_client: httpx.AsyncClient,
    client: httpx.AsyncClient,
    smtp_server: SmtpServer,
    clock: MovableClock,
) -> None:
    assert services.accounts is not None
    await a_readers_life(services, reader_client, client, smtp_server, clock)
    [found] = await services.accounts.find_accounts(EMAIL.upper())
    assert found.name == NAME
    report = await services.accounts.forget(found.id, actor="admin@news.example")
    assert report.comments_anonymized == 3
    assert await services.accounts.find_accounts(EMAIL) == []
    assert await services.accounts.find_accounts("not an address") == []
