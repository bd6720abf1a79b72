"""Staff accounts and sign-in for the staff API tests."""

from __future__ import annotations

from typing import Any

import httpx

from rostra.services.registry import Services
from rostra.storage.database import Database
from rostra.web.app import create_app

PASSWORD = "correct horse battery staple"
MODERATOR = "mod@news.example"
ADMIN = "admin@news.example"


async def add_staff(services: Services, email: str, role: str) -> None:
    """Create a staff account with the shared test password."""
    assert services.staff is not None
    await services.staff.add_user(email, role, PASSWORD)


async def sign_in(client: httpx.AsyncClient, email: str, **extra: Any) -> str:
    """Sign ``client`` in; returns the CSRF token (also set as the client's default header)."""
    response = await client.post(
        "/api/v1/moderation/session", json={"email": email, "password": PASSWORD, **extra}
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["csrf_token"]
    client.headers["X-CSRF-Token"] = token
    return token


async def api_client(services: Services) -> httpx.AsyncClient:
    """A client of the app built on ``services`` (another worker's, when a test has two)."""
    transport = httpx.ASGITransport(app=create_app(services))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def automatic_rules(database_url: str, comment_id: str) -> list[str]:
    """The rules of the automatic screen's reasons for a comment."""
    storage = Database(database_url)
    try:
        async with storage.read() as tx:
            decisions = await tx.screening.decisions(comment_id)
    finally:
        await storage.close()
    return [reason.rule for d in decisions if d.actor is None for reason in d.reasons]
