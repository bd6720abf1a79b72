"""RSS and Atom feeds of the latest published comments of a site and of a page."""

from __future__ import annotations

import httpx
from lxml import etree

from tests.api.helpers import OTHER_PAGE, PAGE, assert_error, new_comment, post_comment
from tests.api.staff_helpers import ADMIN, add_staff, api_client, sign_in
from tests.conftest import ORIGIN, MovableClock

ATOM = "{http://www.w3.org/2005/Atom}"


def atom_entries(body: bytes) -> list[etree._Element]:
    root = etree.fromstring(body)
    assert root.tag == f"{ATOM}feed"
    return list(root.iter(f"{ATOM}entry"))


async def test_a_site_feed_lists_the_newest_published_comments_first(
    client: httpx.AsyncClient, clock: MovableClock
) -> None:
    first = await new_comment(client, body="First **bold** words <script>alert(1)</script>")
    clock.advance(seconds=5)
    second = await new_comment(client, page=OTHER_PAGE, body="Second on another page")
    response = await client.get("/api/v1/feeds/news")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/atom+xml")
    assert response.headers["cache-control"] == "public, max-age=60"
    entries = atom_entries(response.content)
    assert [e.findtext(f"{ATOM}id") for e in entries] == [
        f"{ORIGIN}{OTHER_PAGE}#comment-{second['id']}",
        f"{ORIGIN}{PAGE}#comment-{first['id']}",
    ]
    content = entries[1].findtext(f"{ATOM}content") or ""
    assert "<strong>bold</strong>" in content
    assert "<script" not in content  # the stored, sanitized HTML
    assert entries[1].findtext(f"{ATOM}author/{ATOM}name") == "Ann Reader"
    assert b"Latest comments" in response.content


async def test_a_page_feed_holds_only_that_page_in_rss(client: httpx.AsyncClient) -> None:
    mine = await new_comment(client)
    await new_comment(client, page=OTHER_PAGE, body="Elsewhere")
    response = await client.get("/api/v1/feeds/news/rss", params={"page": PAGE})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/rss+xml")
    root = etree.fromstring(response.content)
    links = [item.findtext("link") for item in root.iter("item")]
    assert links == [f"{ORIGIN}{PAGE}#comment-{mine['id']}"]
    assert root.findtext("channel/link") == f"{ORIGIN}{PAGE}"


async def test_the_etag_holds_until_something_is_published(
    client: httpx.AsyncClient, services: object
) -> None:
    await new_comment(client)
    response = await client.get("/api/v1/feeds/news", params={"page": PAGE})
    etag = response.headers["etag"]
    again = await client.get(
        "/api/v1/feeds/news", params={"page": PAGE}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    assert again.content == b""
    await new_comment(client, body="Something new")
    fresh = await client.get(
        "/api/v1/feeds/news", params={"page": PAGE}, headers={"If-None-Match": etag}
    )
    assert fresh.status_code == 200
    assert fresh.headers["etag"] != etag
    assert len(atom_entries(fresh.content)) == 2
    rss = await client.get("/api/v1/feeds/news/rss", params={"page": PAGE})
    assert rss.headers["etag"] != fresh.headers["etag"]  # one tag per format


async def test_held_comments_are_left_out(client: httpx.AsyncClient, services: object) -> None:
    await add_staff(services, ADMIN, "admin")  # type: ignore[arg-type]
    async with await api_client(services) as admin:  # type: ignore[arg-type]
        await sign_in(admin, ADMIN)
        changed = await admin.put("/api/v1/moderation/sites/news/settings", json={"mode": "pre"})
        assert changed.status_code == 200, changed.text
    held = await post_comment(client, body="Waiting for review")
    assert held.status_code == 202, held.text
    response = await client.get("/api/v1/feeds/news")
    assert atom_entries(response.content) == []
    assert b"Waiting for review" not in response.content


async def test_bad_feed_requests_are_refused(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/api/v1/feeds/nosuch"), 404, field="site")
    assert_error(await client.get("/api/v1/feeds/nosuch/rss"), 404, field="site")
    assert_error(await client.get("/api/v1/feeds/news", params={"page": "x" * 3000}), 400)
    empty = await client.get("/api/v1/feeds/news", params={"page": "/never/commented"})
    assert empty.status_code == 200
    assert atom_entries(empty.content) == []


async def test_the_latest_comments_of_a_site_for_its_home_page(
    client: httpx.AsyncClient, clock: MovableClock
) -> None:
    first = await new_comment(client, body="Plain **text** here")
    clock.advance(seconds=5)
    second = await new_comment(client, page=OTHER_PAGE, body="Newer")
    response = await client.get(
        "/api/v1/latest", params={"site": "news", "limit": 1}, headers={"Origin": ORIGIN}
    )
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["cache-control"] == "public, max-age=60"
    [item] = response.json()["comments"]
    assert item["id"] == second["id"]
    assert item["url"] == f"{ORIGIN}{OTHER_PAGE}#comment-{second['id']}"
    both = (await client.get("/api/v1/latest", params={"site": "news"})).json()["comments"]
    assert [c["id"] for c in both] == [second["id"], first["id"]]
    assert both[1]["excerpt"] == "Plain **text** here"  # the source as text, never HTML
    again = await client.get(
        "/api/v1/latest",
        params={"site": "news", "limit": 1},
        headers={"If-None-Match": response.headers["etag"]},
    )
    assert again.status_code == 304


async def test_latest_comments_refuse_other_sites_pages_and_bad_limits(
    client: httpx.AsyncClient, services: object
) -> None:
    await new_comment(client)
    foreign = await client.get(
        "/api/v1/latest", params={"site": "news"}, headers={"Origin": "https://evil.example"}
    )
    assert_error(foreign, 403)
    assert "access-control-allow-origin" not in foreign.headers
    for limit in ("0", "21", "x"):
        assert_error(
            await client.get("/api/v1/latest", params={"site": "news", "limit": limit}), 400
        )
    assert_error(await client.get("/api/v1/latest", params={"site": "nosuch"}), 404, field="site")
    assert_error(await client.get("/api/v1/latest"), 400)
