"""GET /metrics and the request observer: counters by route template, access, request ids."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest

from rostra.bootstrap import build_database, build_services
from rostra.config import Settings
from rostra.domain.subscriptions import MailKind, NewMailJob
from rostra.services.registry import Services
from rostra.web.app import create_app
from tests.api.helpers import PAGE, assert_error, new_comment, post_comment
from tests.api.staff_helpers import ADMIN, add_staff, sign_in
from tests.api.test_moderation_api import PRE_MODERATION
from tests.conftest import ORIGIN

DEADLINE_SECONDS = 10.0
SAMPLE = re.compile(r"^(?P<name>[a-z_]+)(?:\{(?P<labels>.*)\})? (?P<value>\S+)$")


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """The exposition's samples keyed by (name, labels)."""
    found = {}
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match is None:
            continue
        labels = frozenset(re.findall(r'(\w+)="([^"]*)"', match.group("labels") or ""))
        found[(match.group("name"), labels)] = float(match.group("value"))
    return found


def value(text: str, name: str, **labels: str) -> float:
    """One sample's value, 0 when the series does not exist yet."""
    return samples(text).get((name, frozenset(labels.items())), 0.0)


async def scrape(client: httpx.AsyncClient, **headers: str) -> str:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return response.text


async def test_requests_are_counted_by_route_template_not_by_path(
    client: httpx.AsyncClient,
) -> None:
    comment = await new_comment(client)
    edited = await client.patch(f"/api/v1/comments/{comment['id']}", json={"body": "x"})
    assert edited.status_code == 403  # no edit token: still one sample under the template
    assert (await client.get("/nothing/here/12345")).status_code == 404
    text = await scrape(client)
    count = "rostra_http_request_duration_seconds_count"
    assert value(text, count, method="POST", route="/api/v1/comments", status="201") == 1
    templates = {dict(labels).get("route") for (name, labels) in samples(text) if name == count}
    assert "/nothing/here/12345" not in text
    assert comment["id"] not in text
    assert "<unmatched>" in templates
    patch_routes = [t for t in templates if t and t.startswith("/api/v1/comments/{")]
    assert patch_routes, templates
    assert value(text, count, method="PATCH", route=patch_routes[0], status="403") == 1


async def test_comments_and_automatic_decisions_are_counted(client: httpx.AsyncClient) -> None:
    await new_comment(client)
    await new_comment(client, body="And one more thing.")
    text = await scrape(client)
    assert value(text, "rostra_comments_posted_total", status="published") == 2
    assert (
        value(text, "rostra_moderation_decisions_total", decision="publish", source="automatic")
        == 2
    )


async def test_held_comment_and_staff_decisions_are_counted(
    client: httpx.AsyncClient, second_client: httpx.AsyncClient, services: Services
) -> None:
    await add_staff(services, ADMIN, "admin")
    await sign_in(client, ADMIN)
    response = await client.put("/api/v1/moderation/sites/news/settings", json=PRE_MODERATION)
    assert response.status_code == 200, response.text
    held = await post_comment(second_client, body="Please check the numbers.")
    assert held.status_code == 202, held.text
    approved = await client.post(f"/api/v1/moderation/comments/{held.json()['id']}/approve")
    assert approved.status_code == 200, approved.text
    text = await scrape(client)
    assert value(text, "rostra_comments_posted_total", status="pending") == 1
    assert value(text, "rostra_comments_posted_total", status="published") == 0
    assert (
        value(text, "rostra_moderation_decisions_total", decision="hold", source="automatic") == 1
    )
    assert value(text, "rostra_moderation_decisions_total", decision="approve", source="staff") == 1


async def test_outbox_depth_is_read_from_the_database_at_scrape_time(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    text = await scrape(client)
    assert value(text, "rostra_outbox_jobs", state="pending") == 0
    assert value(text, "rostra_outbox_jobs", state="failed") == 0
    database = build_database(settings)
    now = datetime.now(UTC)
    try:
        async with database.write() as tx:
            for n in range(3):
                job = NewMailJob(MailKind.CONFIRM, f"r{n}@mail.example", None, {}, now, now)
                await tx.outbox.enqueue(job)
    finally:
        await database.close()
    text = await scrape(client)
    assert value(text, "rostra_outbox_jobs", state="pending") == 3
    assert "r0@mail.example" not in text


async def test_request_id_is_echoed_when_sane_and_replaced_otherwise(
    client: httpx.AsyncClient,
) -> None:
    given = await client.get("/healthz", headers={"X-Request-ID": "edge-7f3a.42"})
    assert given.headers["x-request-id"] == "edge-7f3a.42"
    for bad in ("has spaces in it", "x" * 129, "<script>", ""):
        answer = await client.get("/healthz", headers={"X-Request-ID": bad})
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["x-request-id"]), bad
    first = (await client.get("/healthz")).headers["x-request-id"]
    second = (await client.get("/healthz")).headers["x-request-id"]
    assert first != second


async def test_error_answers_carry_the_request_id_too(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/comments", json={}, headers={"X-Request-ID": "req-1"})
    assert_error(response, 400)
    assert response.headers["x-request-id"] == "req-1"


@pytest.fixture
async def remote_client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose connection comes from another machine."""
    transport = httpx.ASGITransport(app=create_app(services), client=("203.0.113.9", 40000))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_without_a_token_only_direct_local_connections_may_scrape(
    client: httpx.AsyncClient, remote_client: httpx.AsyncClient
) -> None:
    assert_error(await remote_client.get("/metrics"), 403, "forbidden")
    # Through a reverse proxy on this machine: the peer is local, the reader is not.
    forwarded = await client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.7"})
    assert_error(forwarded, 403, "forbidden")
    assert_error(await client.get("/metrics", headers={"Forwarded": "for=1.2.3.4"}), 403)
    await scrape(client)


@pytest.fixture
async def token_services(settings: Settings) -> AsyncIterator[Services]:
    services = build_services(replace(settings, metrics_token="scrape-secret-token-1234"))
    await services.sites.add_site("news", [ORIGIN], "The Example News")
    yield services
    for hook in services.on_shutdown:
        await hook()


async def test_with_a_token_every_scraper_needs_it(token_services: Services) -> None:
    app = create_app(token_services)
    for peer in (("127.0.0.1", 1), ("203.0.113.9", 2)):
        transport = httpx.ASGITransport(app=app, client=peer)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            assert_error(await client.get("/metrics"), 403, "forbidden")
            for wrong in ("Bearer nope", "Basic scrape-secret-token-1234", "Bearer"):
                assert_error(await client.get("/metrics", headers={"Authorization": wrong}), 403)
            good = {"Authorization": "Bearer scrape-secret-token-1234"}
            assert "rostra_outbox_jobs" in await scrape(client, **good)


async def test_open_event_streams_are_counted_and_still_stream(
    live_server: str, client: httpx.AsyncClient
) -> None:
    params = {"site": "news", "page": PAGE}
    async with (
        httpx.AsyncClient(base_url=live_server, timeout=DEADLINE_SECONDS) as reader,
        reader.stream("GET", "/api/v1/events", params=params) as stream,
    ):
        assert stream.status_code == 200
        assert stream.headers["x-request-id"]
        lines = stream.aiter_lines()
        async with asyncio.timeout(DEADLINE_SECONDS):
            assert (await anext(lines)).startswith(":")  # connected
            metrics = await reader.get("/metrics")
            assert value(metrics.text, "rostra_sse_connections") == 1
            await new_comment(client)
            async for line in lines:
                if line.startswith("event: "):
                    assert line == "event: comment.created"
                    break
    async with httpx.AsyncClient(base_url=live_server, timeout=DEADLINE_SECONDS) as scraper:
        async with asyncio.timeout(DEADLINE_SECONDS):
            while True:  # until the server notices the closed stream
                text = (await scraper.get("/metrics")).text
                if value(text, "rostra_sse_connections") == 0:
                    break
                await asyncio.sleep(0.05)
    streams = value(
        text,
        "rostra_http_request_duration_seconds_count",
        method="GET",
        route="/api/v1/events",
        status="200",
    )
    assert streams == 1


def test_new_request_ids_differ_between_a_process_and_its_forked_child() -> None:
    import multiprocessing

    from rostra.web.middleware.observability import request_id_from

    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        child = pool.apply(request_id_from, ([],))
    here = [request_id_from([]) for _ in range(3)]
    assert len({child, *here}) == 4
    assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value in (child, *here))
    assert child[:16] != here[0][:16]  # the random half is drawn again after a fork
