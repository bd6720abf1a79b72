"""GET /healthz: the probe load balancers use."""

from __future__ import annotations

import httpx

from tests.api.helpers import assert_error


async def test_healthz_answers_ok_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"status": "ok"}


async def test_healthz_refuses_writes(client: httpx.AsyncClient) -> None:
    assert_error(await client.post("/healthz"), 405, code="method_not_allowed")
