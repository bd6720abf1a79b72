"""Non-canonical paths never reach a route.

The router skips empty segments, so ``/api/v1//moderation/...`` used to run the staff route
while the origin guard, which compared the raw path's prefix, took it for a reader route: a
publisher's page read the staff CSRF token and rejected comments. Every staff route is now sent
a generated family of variants of its path (doubled slashes, dot segments, encoded dots,
slashes and backslashes, at every separator), by a signed-in admin from a registered
publisher's page, on both databases: each answers ``400 path_not_canonical``, with no CORS
headers, and changes nothing.

The requests are made on the ASGI app directly, with ``path`` decoded once from ``raw_path`` as
uvicorn does, because httpx resolves dot segments before sending.
"""

from __future__ import annotations

import http.client
import re
from typing import Any
from urllib.parse import unquote, urlencode

import msgspec
import pytest
from litestar import Litestar
from litestar.di import Provide

from rostra.web.app import route_of
from rostra.web.middleware.canonical_paths import canonical_path_problem
from rostra.web.middleware.cors import SiteOriginCors
from rostra.web.routes import route_table
from tests.api.helpers import PAGE
from tests.api.staff_helpers import ADMIN, sign_in
from tests.e2e.conftest import DemoServer
from tests.security.access import ACCESS, SQLITE_ONLY, World, routes

FIRST_PARTY = ("/admin", "/api/v1/moderation/")
PUBLISHER = "https://news.example"
BASE = "http://testserver"  # a registered origin of site "news"
# Routes whose call ends the session the next variant needs.
SIGNS_OUT = {("DELETE", "/api/v1/moderation/session"), ("POST", "/admin/sign-out")}


def staff_routes() -> list[tuple[str, str]]:
    return sorted(key for key in routes() if key[1].startswith(FIRST_PARTY))


def variants(path: str) -> list[str]:
    """Spellings of ``path`` (canonical, as sent on the wire) that a lenient router or a proxy
    may take for it: at every separator, a doubled slash, a ``.`` or ``..`` segment (plain or
    encoded), and the separator itself encoded (``%2f``, ``%5c``, double-encoded) or a
    backslash."""
    found: set[str] = set()
    for i, char in enumerate(path):
        if char != "/":
            continue
        head, tail = path[:i], path[i:]
        found |= {
            f"{head}/{tail}",
            f"{head}/.{tail}",
            f"{head}/x/..{tail}",
            f"{head}/%2e{tail}",
            f"{head}/x/%2E%2e{tail}",
        }
        if i > 0:
            rest = tail[1:]
            found |= {f"{head}{sep}{rest}" for sep in ("%2f", "%2F", "%5c", "%252f", "\\")}
    found.add(f"{path}//")
    found.discard(path)
    return sorted(found)


def test_every_variant_is_non_canonical_and_the_route_itself_is() -> None:
    for _, template in staff_routes():
        path = template.replace("{", "").replace("}", "")
        assert canonical_path_problem(path, path.encode()) is None, path
        for variant in variants(path):
            assert canonical_path_problem(unquote(variant), variant.encode()), variant


def test_the_family_covers_the_staff_api_and_the_dashboard() -> None:
    staff = staff_routes()
    assert len(staff) >= 30
    assert {path.split("/")[1] for _, path in staff} == {"api", "admin"}
    assert len(variants("/api/v1/moderation/queue")) >= 30


async def asgi_call(
    world: World,
    persona: str,
    method: str,
    raw: str,
    kwargs: dict[str, Any],
    origin: str = PUBLISHER,
) -> tuple[int, dict[str, str], bytes]:
    """One request on the app as a server would pass it: ``raw`` sent as is, decoded once."""
    client = world.clients[persona]
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    headers = [(b"host", b"testserver"), (b"origin", origin.encode())]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    body = b""
    if "json" in kwargs:
        body = msgspec.json.encode(kwargs["json"])
        headers.append((b"content-type", b"application/json"))
    elif "data" in kwargs:
        body = urlencode(kwargs["data"]).encode()
        headers.append((b"content-type", b"application/x-www-form-urlencoded"))
    path, _, query = raw.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": unquote(path),
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("10.0.0.3", 4000),
        "server": ("testserver", 80),
    }
    sent = False
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await world.app(scope, receive, send)
    start = messages[0]
    answer = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return start["status"], answer, b"".join(m.get("body", b"") for m in messages[1:])


async def test_every_staff_route_refuses_every_variant_of_its_path(world: World) -> None:
    wrong: list[str] = []
    count = 0
    for method, template in staff_routes():
        call_method, url, kwargs = await ACCESS[(method, template)].build(world, "admin")
        path, _, query = url.partition("?")
        for variant in variants(path):
            raw = f"{variant}?{query}" if query else variant
            status, headers, body = await asgi_call(world, "admin", call_method, raw, kwargs)
            count += 1
            code = msgspec.json.decode(body)["error"]["code"] if status == 400 else None
            if status != 400 or code != "path_not_canonical":
                wrong.append(f"{call_method} {raw}: {status} {body[:80]!r}")
            if "access-control-allow-origin" in headers:
                wrong.append(f"{call_method} {raw}: CORS answer for {PUBLISHER}")
        # Control: the canonical path is not refused for its spelling.
        status, _, body = await asgi_call(world, "admin", call_method, url, kwargs, origin=BASE)
        assert b"path_not_canonical" not in body, f"{method} {url}"
        if (method, template) in SIGNS_OUT:
            world.csrf["admin"] = await sign_in(world.clients["admin"], ADMIN)
    assert count > 1000
    assert not wrong, "\n".join(wrong[:40])


@SQLITE_ONLY
async def test_the_probes_of_the_issue_are_refused_and_change_nothing(world: World) -> None:
    comment = await world.comment()
    # The staff session's CSRF token, read from a publisher's page.
    status, headers, body = await asgi_call(
        world, "moderator", "GET", "/api//v1/moderation/session", {}
    )
    assert status == 400 and b"path_not_canonical" in body
    assert "access-control-allow-origin" not in headers
    assert world.csrf["moderator"].encode() not in body
    # A published comment rejected from a publisher's page.
    reject = f"/api/v1//moderation/comments/{comment['id']}/reject"
    status, headers, body = await asgi_call(
        world, "moderator", "POST", reject, {"json": {"reason": "x"}}
    )
    assert status == 400 and b"path_not_canonical" in body
    listed = await world.clients["anonymous"].get(f"/api/v1/comments?site=news&page={PAGE}")
    assert comment["id"] in listed.text
    # The canonical path from that page is refused for its origin, as before.
    status, _, body = await asgi_call(
        world, "moderator", "POST", reject.replace("//", "/"), {"json": {"reason": "x"}}
    )
    assert status == 403 and b"origin_not_allowed" in body
    # The dashboard's decisions from a foreign page.
    form = {"data": {"csrf_token": world.csrf["admin"], "single": f"reject:{comment['id']}"}}
    for raw in ("//admin/decide", "/admin//decide", "/admin/./decide", "/%2fadmin/decide"):
        status, _, body = await asgi_call(
            world, "admin", "POST", raw, form, origin="https://evil.example"
        )
        assert status == 400 and b"path_not_canonical" in body, raw
    listed = await world.clients["anonymous"].get(f"/api/v1/comments?site=news&page={PAGE}")
    assert comment["id"] in listed.text


@SQLITE_ONLY
async def test_reader_routes_refuse_non_canonical_paths_too(world: World) -> None:
    for raw in ("//api/v1/comments", "/api/v1/./comments", "/api/v1%2fcomments", "/widget%2ejs"):
        status, headers, body = await asgi_call(
            world, "anonymous", "GET", f"{raw}?site=news&page=/a", {}
        )
        assert status == 400, raw
        assert headers["content-type"] == "application/json"
        assert msgspec.json.decode(body)["error"]["code"] == "path_not_canonical"
    # A trailing slash is not a different path: the router strips it, the prefix is the same.
    status, _, _ = await asgi_call(
        world, "anonymous", "GET", "/api/v1/comments/?site=news&page=/a", {}
    )
    assert status == 200


@pytest.mark.parametrize(
    "query",
    ["page=%2Fa%2F..%2Fb", "next=%2F%2Fevil.example", "x=%5c"],
    ids=["dots", "slashes", "bs"],
)
@SQLITE_ONLY
async def test_encoded_characters_in_the_query_string_are_not_the_path(
    world: World, query: str
) -> None:
    status, _, body = await asgi_call(world, "anonymous", "GET", f"/healthz?{query}", {})
    assert status == 200, body


def routing_only() -> Litestar:
    """The real route table, for routing only (no services behind it)."""
    return Litestar(
        route_handlers=route_table(demo=False),
        dependencies={
            name: Provide(lambda: None, sync_to_thread=False)
            for name in ("services", "encoded_pages")
        },
    )


def test_the_origin_guard_decides_by_the_route_that_runs() -> None:
    # Behind the refusal, the second line: the guard asks the router which route a path runs,
    # so a spelling the refusal might miss is still judged as the staff route it is.
    find = route_of(routing_only())
    for method, template in staff_routes():
        path = template.replace("{site}", "news").replace("{name}", "a.css")
        path = re.sub(r"\{\w+\}", "1", path)
        for variant in variants(path):
            if "%" in variant or "\\" in variant or "." in variant.replace("a.css", ""):
                continue  # not routed at all: the router takes encoded and dot segments literally
            found = find(method, variant)
            assert found is None or found == template, (variant, found)
        assert find(method, path) == template


async def test_the_guard_alone_refuses_a_staff_write_spelt_with_a_doubled_slash() -> None:
    reached: list[str] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        reached.append(scope["path"])

    async def origins() -> frozenset[str]:
        return frozenset({PUBLISHER})

    guard = SiteOriginCors(app, origins, route_of(routing_only()))
    messages: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/v1//moderation/comments/x/reject",
        "headers": [(b"host", b"testserver"), (b"origin", PUBLISHER.encode())],
    }
    await guard(scope, receive, send)
    assert not reached
    assert messages[0]["status"] == 403 and b"origin_not_allowed" in messages[1]["body"]


RAW_PROBES = [
    ("GET", "/api//v1/moderation/session"),
    ("POST", "/api/v1//moderation/comments/x/reject"),
    ("POST", "//admin/decide"),
    ("GET", "/api/v1/./moderation/queue"),
    ("GET", "/api/v1/x/../moderation/queue"),
    ("GET", "/api/v1%2fmoderation/queue"),
    ("GET", "/api/v1/%2e%2e/v1/moderation/queue"),
    ("GET", "/admin%5csettings"),
]


def test_a_real_server_refuses_the_probes_as_sent(server: DemoServer) -> None:
    # Through uvicorn, as the outside probe sent them: http.client sends the path verbatim
    # (httpx would resolve the dot segments first).
    host, port = server.url.removeprefix("http://").split(":")
    for method, path in RAW_PROBES:
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            connection.request(
                method,
                path,
                body=b"{}" if method == "POST" else None,
                headers={
                    "Origin": "https://evil.example",
                    "Content-Type": "application/json",
                },
            )
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        assert response.status == 400, (method, path, response.status, body[:200])
        assert msgspec.json.decode(body)["error"]["code"] == "path_not_canonical", path
        assert response.getheader("access-control-allow-origin") is None
    assert server.http.get("/healthz").status_code == 200
