"""Fixtures of the security tests: the browser fixtures of tests/e2e, staff sign-in helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from rostra.config import Settings
from rostra.services.registry import Services
from rostra.web.app import create_app
from tests.api.staff_helpers import ADMIN, MODERATOR, add_staff, sign_in
from tests.conftest import SECRET_KEY

# The Playwright fixtures (a real `rostra demo` server and Debian's Chromium) live with the
# browser tests; importing them here registers them for this package too.
from tests.e2e.conftest import browser, new_page, server  # noqa: F401
from tests.security.access import BASE, PERSONAS, World


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The tests' settings, with room for the table's many failed sign-ins (the limit itself
    is tested in tests/api/test_staff_auth.py)."""
    return Settings(
        database_url=database_url,
        secret_key=SECRET_KEY,
        rate_limits=False,
        rate_limit_login="1000/minute",
        # Mail on, so subscriptions reach their checks; nothing is sent (no outbox worker).
        smtp_url="smtp://127.0.0.1:9",
        notify_worker=False,
    )


@pytest.fixture
async def world(services: Services) -> AsyncIterator[World]:
    await services.sites.add_site("other", ["https://other.example"], "The Other Paper")
    await add_staff(services, MODERATOR, "moderator")
    await add_staff(services, ADMIN, "admin")
    app = create_app(services)
    clients = {
        persona: httpx.AsyncClient(
            # Each persona its own address, so a ban of one is not a ban of all.
            transport=httpx.ASGITransport(app=app, client=(f"10.0.0.{n}", 4000)),  # type: ignore[arg-type]
            base_url=BASE,
            follow_redirects=False,
        )
        for n, persona in enumerate((*PERSONAS, "author"), start=1)
    }
    world = World(services, {p: clients[p] for p in PERSONAS}, clients["author"], app)
    world.csrf["moderator"] = await sign_in(clients["moderator"], MODERATOR)
    world.csrf["admin"] = await sign_in(clients["admin"], ADMIN)
    # The other reader has a voter cookie of its own and a wrong edit token.
    first = await world.comment()
    vote = await clients["reader"].post(f"/api/v1/comments/{first['id']}/vote", json={"value": 1})
    assert vote.status_code == 200 and "rostra_voter" in clients["reader"].cookies
    clients["reader"].headers["X-Edit-Token"] = "a-wrong-edit-token-of-another-reader"
    try:
        yield world
    finally:
        for client in clients.values():
            await client.aclose()
