"""Security headers on every page we serve, cookie flags, CSRF on the dashboard's forms and
CORS answers (what tests/api/test_cors_and_headers.py and test_staff_auth.py do not cover)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from rostra.services.registry import Services
from rostra.web.app import create_app
from tests.api.helpers import FOREIGN_ORIGIN, ORIGIN, new_comment, read_thread
from tests.api.staff_helpers import ADMIN, add_staff, sign_in
from tests.security.access import ACCESS, SQLITE_ONLY, World

pytestmark = SQLITE_ONLY


def directives(csp: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}


@pytest.fixture
async def https_client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """The app as a browser reaches it in production: over https, under a real host name."""
    transport = httpx.ASGITransport(app=create_app(services))  # type: ignore[arg-type]
    async with httpx.AsyncClient(
        transport=transport, base_url="https://comments.news.example"
    ) as client:
        yield client


@pytest.fixture
async def demo_client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(services, demo=True))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


# Headers


async def test_every_dashboard_page_forbids_framing_and_inline_script(world: World) -> None:
    pages = sorted(
        path
        for (method, path), rule in ACCESS.items()
        if method == "GET" and path.startswith("/admin") and "{" not in path
        and path != "/admin/static/{name}"
    )  # fmt: skip
    assert "/admin/sign-in" in pages and "/admin" in pages
    for path in pages:
        response = await world.clients["admin"].get(path)
        assert response.status_code == 200, (path, response.status_code)
        csp = directives(response.headers["content-security-policy"])
        assert csp["frame-ancestors"] == ["'none'"], path
        assert csp["script-src"] == ["'self'"], path
        assert csp["object-src"] == ["'none'"], path
        assert csp["form-action"] == ["'self'"], path
        assert response.headers["x-frame-options"] == "DENY", path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin", path
        assert response.headers["cache-control"] == "no-store", path


async def test_the_demo_article_has_a_strict_policy(demo_client: httpx.AsyncClient) -> None:
    response = await demo_client.get("/")
    assert response.status_code == 200
    csp = directives(response.headers["content-security-policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert "frame-ancestors" in csp
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/widget.js", "/widget/thread.js", "/admin/static/admin.js"])
async def test_scripts_we_serve_are_not_sniffed(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_the_openapi_document_is_inert(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/openapi.json")
    csp = directives(response.headers["content-security-policy"])
    assert csp["default-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]


# Cookies


async def test_the_voter_cookie_is_cross_site_secure_and_partitioned_over_https(
    https_client: httpx.AsyncClient,
) -> None:
    comment = await new_comment(https_client)
    response = await https_client.post(
        f"/api/v1/comments/{comment['id']}/vote", json={"value": 1}, headers={"Origin": ORIGIN}
    )
    assert response.status_code == 200
    attributes = {part.strip().lower() for part in response.headers["set-cookie"].split(";")}
    assert {"httponly", "secure", "samesite=none", "partitioned", "path=/api/"} <= attributes


async def test_the_voter_cookie_is_lax_over_plain_http(client: httpx.AsyncClient) -> None:
    comment = await new_comment(client)
    response = await client.post(f"/api/v1/comments/{comment['id']}/vote", json={"value": 1})
    attributes = {part.strip().lower() for part in response.headers["set-cookie"].split(";")}
    assert {"httponly", "samesite=lax", "path=/api/"} <= attributes
    assert "secure" not in attributes


async def test_staff_cookies_are_secure_strict_and_http_only_over_https(
    https_client: httpx.AsyncClient, services: Services
) -> None:
    await add_staff(services, ADMIN, "admin")
    page = await https_client.get("/admin/sign-in")
    sign_in_cookie = {part.strip().lower() for part in page.headers["set-cookie"].split(";")}
    assert {"httponly", "secure", "samesite=strict", "path=/admin/sign-in"} <= sign_in_cookie
    response = await https_client.post(
        "/api/v1/moderation/session",
        json={"email": ADMIN, "password": "correct horse battery staple"},
    )
    assert response.status_code == 200
    staff_cookie = {part.strip().lower() for part in response.headers["set-cookie"].split(";")}
    assert {"httponly", "secure", "samesite=strict", "path=/"} <= staff_cookie
    assert "partitioned" not in staff_cookie  # first-party only: never in a publisher's frame


# CSRF on the dashboard's forms


@pytest.mark.parametrize("token", [None, "", "not-the-token"], ids=["missing", "empty", "wrong"])
async def test_a_dashboard_decision_without_the_csrf_token_changes_nothing(
    client: httpx.AsyncClient, services: Services, token: str | None
) -> None:
    comment = await new_comment(client)
    await add_staff(services, ADMIN, "admin")
    await sign_in(client, ADMIN)
    del client.headers["X-CSRF-Token"]  # a form post carries no header
    form = {"single": f"reject:{comment['id']}"}
    if token is not None:
        form["csrf_token"] = token
    response = await client.post("/admin/decide", data=form)
    assert response.status_code == 403
    assert [c["id"] for c in (await read_thread(client))["comments"]] == [comment["id"]]


async def test_a_dashboard_settings_form_without_the_csrf_token_changes_nothing(
    client: httpx.AsyncClient, services: Services
) -> None:
    await add_staff(services, ADMIN, "admin")
    csrf = await sign_in(client, ADMIN)
    del client.headers["X-CSRF-Token"]
    response = await client.post("/admin/settings/news", data={"mode": "pre"})
    assert response.status_code == 403
    settings = await client.get(
        "/api/v1/moderation/sites/news/settings", headers={"X-CSRF-Token": csrf}
    )
    assert settings.json()["mode"] != "pre"


# CORS


@pytest.mark.parametrize(
    "path", ["/api/v1/comments?site=news&page=/a", "/api/v1/moderation/queue", "/healthz"]
)
async def test_no_answer_allows_every_origin(client: httpx.AsyncClient, path: str) -> None:
    for origin in (ORIGIN, FOREIGN_ORIGIN, "null"):
        response = await client.get(path, headers={"Origin": origin})
        assert response.headers.get("access-control-allow-origin") in (None, ORIGIN)
        assert response.headers.get("access-control-allow-origin") != "*"


async def test_an_origin_added_to_a_site_is_answered_within_seconds(
    client: httpx.AsyncClient, services: Services
) -> None:
    new_origin = "https://late.example"
    before = await client.options(
        "/api/v1/comments",
        headers={"Origin": new_origin, "Access-Control-Request-Method": "POST"},
    )
    assert before.status_code == 403
    await services.sites.add_site("late", [new_origin], "Late Paper")
    # The middleware re-reads an unknown origin at most every half second; wait for it with a
    # deadline rather than a fixed sleep.
    async with asyncio.timeout(5):
        while True:
            after = await client.options(
                "/api/v1/comments",
                headers={"Origin": new_origin, "Access-Control-Request-Method": "POST"},
            )
            if after.status_code == 204:
                break
            await asyncio.sleep(0.1)
    assert after.headers["access-control-allow-origin"] == new_origin
