"""A state-changing request from a page that is not one of the site's origins is refused with
403 ``origin_not_allowed``, on every POST, PUT, PATCH and DELETE route of the route table.

The admin persona makes each call (the most a session can do), so the Origin is the only
reason left to refuse it; the same call from our own pages is the control.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import FOREIGN_ORIGIN
from tests.api.staff_helpers import ADMIN, MODERATOR, sign_in
from tests.security.access import ACCESS, SQLITE_ONLY, World, routes

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Server-to-server calls: no browser sends them, their signature is their proof.
EXEMPT = {("POST", "/api/v1/payments/webhook/{provider}")}
FIRST_PARTY = ("/admin", "/api/v1/moderation/")
SIGNS_OUT = {("DELETE", "/api/v1/moderation/session"), ("POST", "/admin/sign-out")}
OWN_ORIGIN = "http://testserver"


def state_changing_routes() -> list[tuple[str, str]]:
    return sorted(
        (key for key in routes() if key[0] in WRITES and key not in EXEMPT),
        key=lambda key: key[::-1],
    )


def test_the_table_covers_every_state_changing_route() -> None:
    assert set(state_changing_routes()) <= set(ACCESS)
    assert len(state_changing_routes()) >= 30


async def _call(world: World, method: str, path: str, origin: str) -> Any:
    call_method, url, kwargs = await ACCESS[(method, path)].build(world, "admin")
    headers = {**kwargs.pop("headers", {}), "Origin": origin}
    response = await world.clients["admin"].request(call_method, url, headers=headers, **kwargs)
    if (method, path) in SIGNS_OUT:
        world.csrf["moderator"] = await sign_in(world.clients["moderator"], MODERATOR)
        world.csrf["admin"] = await sign_in(world.clients["admin"], ADMIN)
    return response


def _refused(response: Any) -> bool:
    return (
        response.status_code == 403
        and response.headers.get("content-type", "").startswith("application/json")
        and response.json()["error"]["code"] == "origin_not_allowed"
    )


@SQLITE_ONLY
async def test_every_write_from_a_foreign_page_is_refused(world: World) -> None:
    wrong = []
    for method, path in state_changing_routes():
        for origin in (FOREIGN_ORIGIN, "null"):
            response = await _call(world, method, path, origin)
            if not _refused(response):
                wrong.append(f"{method} {path} from {origin}: {response.status_code}")
        # Control: from our own pages the same call is not refused for its origin.
        response = await _call(world, method, path, OWN_ORIGIN)
        if _refused(response):
            wrong.append(f"{method} {path} from our own pages was refused")
    assert not wrong, "\n".join(wrong)


@SQLITE_ONLY
async def test_staff_writes_from_a_registered_publisher_page_are_refused(world: World) -> None:
    # The staff API and the dashboard are first-party: a publisher's page (even one of a
    # registered site, which may be same-site with the staff cookie) may not drive them.
    wrong = []
    for method, path in state_changing_routes():
        if not path.startswith(FIRST_PARTY):
            continue
        response = await _call(world, method, path, "https://news.example")
        if not _refused(response):
            wrong.append(f"{method} {path}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param(method, path, id=f"{method} {path}")
        for method, path in (
            ("POST", "/api/v1/comments"),
            ("PATCH", "/api/v1/comments/{comment_id}"),
            ("DELETE", "/api/v1/comments/{comment_id}"),
            ("POST", "/api/v1/comments/{comment_id}/vote"),
            ("POST", "/api/v1/comments/{comment_id}/report"),
            ("POST", "/api/v1/subscriptions"),
        )
    ],
)
async def test_pages_of_site_b_cannot_write_to_site_a(world: World, method: str, path: str) -> None:
    # A reader (no staff session), with the author's own edit token where one is needed:
    # only the page's origin is wrong.
    call_method, url, kwargs = await ACCESS[(method, path)].build(world, "anonymous")
    if "{comment_id}" in path:
        comment = await world.comment()
        url = url.rsplit("/api/v1/comments/", 1)[0] + f"/api/v1/comments/{comment['id']}"
        url += path.split("{comment_id}", 1)[1]
        kwargs["headers"] = {"X-Edit-Token": comment["edit_token"]}
    kwargs["headers"] = {**kwargs.get("headers", {}), "Origin": "https://other.example"}
    response = await world.clients["anonymous"].request(call_method, url, **kwargs)
    assert _refused(response), f"{response.status_code} {response.text[:200]}"
    kwargs["headers"]["Origin"] = "https://news.example"
    response = await world.clients["anonymous"].request(call_method, url, **kwargs)
    assert not _refused(response), response.text[:200]


@SQLITE_ONLY
async def test_preflights_for_the_staff_api_get_no_cors_answer(world: World) -> None:
    for origin in ("https://news.example", FOREIGN_ORIGIN):
        response = await world.clients["admin"].options(
            "/api/v1/moderation/queue",
            headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
        )
        assert _refused(response)
        assert "access-control-allow-origin" not in response.headers
        read = await world.clients["admin"].get(
            "/api/v1/moderation/queue", headers={"Origin": origin}
        )
        # The answer is the same-origin one: a publisher's script cannot read it.
        assert "access-control-allow-origin" not in read.headers
