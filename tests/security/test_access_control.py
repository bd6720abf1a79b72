"""Who may call what: every route of the route table, tried as an anonymous reader, another
reader, a moderator and an admin, against the expected answer of its access rule.

``ACCESS`` has one entry per route of ``rostra.web.routes.route_table``; a new route without an
entry fails ``test_every_route_has_an_access_rule``, so nobody adds an endpoint without saying
who may call it. Staff accounts are instance-wide: there is no per-site moderator scoping to
test (docs/security.md says so).
"""

from __future__ import annotations

from typing import Any

from tests.api.helpers import PAGE, read_thread
from tests.api.staff_helpers import ADMIN, MODERATOR, sign_in
from tests.security.access import ACCESS, PERSONAS, SQLITE_ONLY, World, routes


def test_every_route_has_an_access_rule() -> None:
    missing = routes() - set(ACCESS)
    assert not missing, f"routes without an entry in ACCESS: {sorted(missing)}"
    stale = set(ACCESS) - routes()
    assert not stale, f"ACCESS entries for routes that are gone: {sorted(stale)}"


def expected(kind: str, persona: str, ok: frozenset[int]) -> frozenset[int] | str:
    """The status codes a persona may get from a route of ``kind`` ("sign-in": a redirect to
    the sign-in page)."""
    staff = persona in ("moderator", "admin")
    table: dict[str, Any] = {
        "public": ok,
        "author": ok if staff else frozenset({403}),
        "staff": ok if staff else frozenset({401}),
        "admin": ok if persona == "admin" else frozenset({403} if staff else {401}),
        "staff-page": ok if staff else "sign-in",
        "admin-page": ok if persona == "admin" else frozenset({403}) if staff else "sign-in",
        "staff-form": ok if staff else "sign-in",
        "admin-form": ok if persona == "admin" else frozenset({403}) if staff else "sign-in",
        "reader-account": frozenset({401}),
        "signed-link": frozenset({400}),
        "webhook": frozenset({400, 404, 503}),
        "operator": frozenset({403}),
    }
    return table[kind]  # type: ignore[no-any-return]


# Routes after which a persona must sign in again.
SIGNS_OUT = {("DELETE", "/api/v1/moderation/session"), ("POST", "/admin/sign-out")}


@SQLITE_ONLY
async def test_each_persona_gets_the_answer_its_access_rule_gives(world: World) -> None:
    """One server for the whole table (fresh resources for every call): the failures are
    listed together, as a table, rather than one test each."""
    wrong: list[str] = []
    for (method, path), rule in sorted(ACCESS.items(), key=lambda item: item[0][::-1]):
        for persona in PERSONAS:
            call_method, url, kwargs = await rule.build(world, persona)
            assert call_method == method
            response = await world.clients[persona].request(call_method, url, **kwargs)
            want = expected(rule.kind, persona, rule.ok)
            if want == "sign-in":
                good = response.status_code in (302, 303) and response.headers.get(
                    "location", ""
                ).startswith("/admin/sign-in")
                want_text = "303 to /admin/sign-in"
            else:
                assert isinstance(want, frozenset)
                good = response.status_code in want
                want_text = "/".join(map(str, sorted(want)))
            if not good:
                wrong.append(
                    f"{method} {path} as {persona}: {response.status_code}, expected "
                    f"{want_text}: {response.text[:160]}"
                )
        if (method, path) in SIGNS_OUT:
            world.csrf["moderator"] = await sign_in(world.clients["moderator"], MODERATOR)
            world.csrf["admin"] = await sign_in(world.clients["admin"], ADMIN)
    assert not wrong, "\n".join(wrong)


# Author-only endpoints, beyond the personas: the right token, another site's token, a
# staff session without its CSRF token.


@SQLITE_ONLY
async def test_the_author_edits_and_deletes_with_the_edit_token(world: World) -> None:
    comment = await world.comment(body="mine")
    headers = {"X-Edit-Token": comment["edit_token"]}
    edited = await world.author.patch(
        f"/api/v1/comments/{comment['id']}", json={"body": "still mine"}, headers=headers
    )
    assert edited.status_code == 200, edited.text
    deleted = await world.author.delete(f"/api/v1/comments/{comment['id']}", headers=headers)
    assert deleted.status_code == 204


@SQLITE_ONLY
async def test_an_edit_token_from_site_a_does_not_open_a_comment_of_site_b(world: World) -> None:
    on_a = await world.comment(site="news")
    on_b = await world.comment(site="other", body="the other paper's comment")
    headers = {"X-Edit-Token": on_a["edit_token"]}
    edited = await world.author.patch(
        f"/api/v1/comments/{on_b['id']}", json={"body": "hijacked"}, headers=headers
    )
    assert edited.status_code == 403
    assert edited.json()["error"]["field"] == "X-Edit-Token"
    deleted = await world.author.delete(f"/api/v1/comments/{on_b['id']}", headers=headers)
    assert deleted.status_code == 403
    listed = await world.author.get("/api/v1/comments", params={"site": "other", "page": PAGE})
    assert [c["body_html"] for c in listed.json()["comments"]] == [
        "<p>the other paper's comment</p>"
    ]


@SQLITE_ONLY
async def test_site_a_pages_cannot_use_a_valid_token_on_site_b(world: World) -> None:
    on_b = await world.comment(site="other")
    headers = {"X-Edit-Token": on_b["edit_token"], "Origin": "https://news.example"}
    edited = await world.author.patch(
        f"/api/v1/comments/{on_b['id']}", json={"body": "from the wrong site"}, headers=headers
    )
    assert edited.status_code == 403
    assert edited.json()["error"]["code"] == "origin_not_allowed"
    headers["Origin"] = "https://other.example"
    edited = await world.author.patch(
        f"/api/v1/comments/{on_b['id']}", json={"body": "from its own site"}, headers=headers
    )
    assert edited.status_code == 200, edited.text


@SQLITE_ONLY
async def test_a_staff_session_without_its_csrf_token_is_a_reader_on_comments(
    world: World,
) -> None:
    comment = await world.comment(body="kept")
    moderator = world.clients["moderator"]
    token = moderator.headers.pop("X-CSRF-Token")
    try:
        response = await moderator.delete(f"/api/v1/comments/{comment['id']}")
        assert response.status_code == 403
        response = await moderator.delete(
            f"/api/v1/comments/{comment['id']}", headers={"X-CSRF-Token": "wrong"}
        )
        assert response.status_code == 403
    finally:
        moderator.headers["X-CSRF-Token"] = token
    assert comment["id"] in [c["id"] for c in (await read_thread(moderator))["comments"]]
    response = await moderator.delete(f"/api/v1/comments/{comment['id']}")
    assert response.status_code == 204


@SQLITE_ONLY
async def test_staff_may_change_a_comment_after_the_edit_window(world: World, clock: Any) -> None:
    comment = await world.comment(body="old")
    clock.advance(hours=1)  # past the 15-minute window, inside the 12-hour staff session
    late = await world.author.patch(
        f"/api/v1/comments/{comment['id']}",
        json={"body": "too late"},
        headers={"X-Edit-Token": comment["edit_token"]},
    )
    assert late.status_code == 403
    assert late.json()["error"]["code"] == "edit_window_closed"
    by_staff = await world.clients["admin"].patch(
        f"/api/v1/comments/{comment['id']}", json={"body": "moderated"}
    )
    assert by_staff.status_code == 200, by_staff.text
    assert by_staff.json()["body_html"] == "<p>moderated</p>"


STAFF_BODIES = {
    "/api/v1/moderation/bulk": [{"action": "nonsense"}, {"ids": 5}, "not an object"],
    "/api/v1/moderation/comments/x/reject": [{"reason": 5}],
    "/api/v1/moderation/comments/x/learn": [{"category": []}],
    "/api/v1/moderation/comments/x/ban": [{"by": "everyone", "days": "many"}],
}


@SQLITE_ONLY
async def test_the_staff_api_checks_the_session_before_the_body(world: World) -> None:
    # A bad body answered 400 before the session was checked, telling anonymous
    # callers the body's shape; now 401 comes first, whatever the body.
    for path, bodies in STAFF_BODIES.items():
        for body in bodies:
            response = await world.clients["anonymous"].post(path, json=body)
            assert response.status_code == 401, (path, body, response.text)
            assert response.json()["error"]["code"] == "unauthorized"
            reader = await world.clients["reader"].post(path, content=b"{not json")
            assert reader.status_code == 401, (path, reader.text)
    put = await world.clients["anonymous"].put(
        "/api/v1/moderation/sites/news/settings", json={"mode": 7}
    )
    assert put.status_code == 401
    # Signed in, the body is checked as before.
    response = await world.clients["moderator"].post(
        "/api/v1/moderation/bulk", json={"action": "nonsense", "ids": []}
    )
    assert response.status_code == 400
