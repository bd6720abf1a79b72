"""Staff accounts and sign-in for the staff API tests."""

from __future__ import annotations

from typing import Any

import httpx

from rostra.services.registry import Services

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
