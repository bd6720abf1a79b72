"""Every JSON endpoint refuses, before decoding, a body nested too deep (``400 invalid``) or not
sent as JSON (``415 unsupported_media_type``).

``{"a":{"a":…}}`` 10,000 levels deep to ``/api/v1/counts`` used to answer 500 after about a
second, with a 60 KB ``RecursionError`` traceback logged per request. The endpoints come from
the route table (every handler with a JSON body), so a new one is covered without editing this
file. Each is called by a signed-in admin, so the body is the only thing wrong.
"""

from __future__ import annotations

import re
import time
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rostra.web.decoding import MAX_JSON_DEPTH, json_depth_exceeds
from rostra.web.routes import route_table
from tests.api.helpers import PAGE
from tests.security.access import SQLITE_ONLY, World

DEEP_BODIES = {
    "objects": b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    "arrays": b"[" * 20_000 + b"]" * 20_000,
    "inside a valid body": b'{"site":"news","pages":' + b"[" * 5_000 + b"]" * 5_000 + b"}",
    "unclosed": b"[" * 30_000,
    "just past the limit": b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1),
}


def json_endpoints() -> list[tuple[str, str]]:
    """(method, path template) of every route that takes a JSON body."""
    found = []
    for handler in route_table(demo=False):
        data = handler.parsed_fn_signature.parameters.get("data")
        media_type = getattr(data.kwarg_definition, "media_type", None) if data else None
        if media_type is not None and media_type.value == "application/json":
            for path in handler.paths:
                for method in handler.http_methods:
                    found.append((method, re.sub(r"\{(\w+):\w+\}", r"{\1}", path)))
    return sorted(found)


async def _url(world: World, template: str) -> str:
    if "{comment_id}" in template:
        comment = await world.comment()
        template = template.replace("{comment_id}", comment["id"])
    if "{thread_id}" in template:
        assert world.services.editorial is not None
        thread = await world.services.editorial.find_thread("news", "/a", create=True)
        template = template.replace("{thread_id}", str(thread.id))
    return template.replace("{site}", "news")


def test_every_json_endpoint_is_found() -> None:
    endpoints = json_endpoints()
    assert ("POST", "/api/v1/counts") in endpoints
    assert ("PUT", "/api/v1/moderation/sites/{site}/settings") in endpoints
    assert len(endpoints) >= 20


@SQLITE_ONLY
async def test_every_json_endpoint_refuses_deep_nesting_quickly_and_quietly(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = world.clients["admin"]
    wrong = []
    for method, template in json_endpoints():
        url = await _url(world, template)
        for name, body in DEEP_BODIES.items():
            capsys.readouterr()
            started = time.perf_counter()
            response = await admin.request(
                method, url, content=body, headers={"Content-Type": "application/json"}
            )
            took = time.perf_counter() - started
            error = response.json().get("error", {}) if response.status_code == 400 else {}
            if error.get("code") != "invalid" or "nested" not in error.get("message", ""):
                wrong.append(f"{method} {template} ({name}): {response.status_code}")
            if took > 0.25:
                wrong.append(f"{method} {template} ({name}): {took:.2f} s")
            logged = capsys.readouterr().out
            if "Traceback" in logged or "RecursionError" in logged or len(logged) > 2000:
                wrong.append(f"{method} {template} ({name}): logged {logged[:200]!r}")
    assert not wrong, "\n".join(wrong)


@SQLITE_ONLY
async def test_bodies_within_the_depth_are_answered_as_before(world: World) -> None:
    response = await world.clients["anonymous"].post(
        "/api/v1/counts", json={"site": "news", "pages": [PAGE]}
    )
    assert response.status_code == 200
    # Nesting at the limit reaches the usual strict decoding, which names the field.
    nested: Any = "x"
    for _ in range(MAX_JSON_DEPTH - 2):
        nested = [nested]
    response = await world.clients["anonymous"].post(
        "/api/v1/counts", json={"site": "news", "pages": [nested]}
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "pages.0"


@SQLITE_ONLY
@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", None],
)
async def test_every_json_endpoint_refuses_a_body_not_sent_as_json(
    world: World, content_type: str | None
) -> None:
    # text/plain is what a page on another site may send without a preflight.
    admin = world.clients["admin"]
    wrong = []
    for method, template in json_endpoints():
        url = await _url(world, template)
        headers = {"Content-Type": content_type} if content_type else {}
        request = admin.build_request(method, url, content=b'{"site": "news"}', headers=headers)
        assert content_type is not None or "content-type" not in request.headers
        response = await admin.send(request)
        code = response.json().get("error", {}).get("code")
        if response.status_code != 415 or code != "unsupported_media_type":
            wrong.append(f"{method} {template}: {response.status_code} {code}")
    assert not wrong, "\n".join(wrong)


@SQLITE_ONLY
async def test_json_media_types_with_parameters_or_suffixes_are_json(world: World) -> None:
    for content_type in (
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/x+json",
    ):
        response = await world.clients["anonymous"].post(
            "/api/v1/counts",
            content=msgspec.json.encode({"site": "news", "pages": [PAGE]}),
            headers={"Content-Type": content_type},
        )
        assert response.status_code == 200, content_type


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab,: '),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(alphabet='[]{}"\\k', max_size=4), inner, max_size=3)
    ),
    max_leaves=60,
)


@given(value=JSON_VALUES, limit=st.integers(min_value=0, max_value=8))
def test_the_depth_count_agrees_with_the_structure(value: Any, limit: int) -> None:
    # Brackets inside strings (escaped quotes included) are text, not structure.
    body = msgspec.json.encode(value)
    assert json_depth_exceeds(body, limit) == (_depth(value) > limit)
