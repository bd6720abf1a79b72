"""POST /api/v1/counts: published comments per page, for up to 100 pages of one site."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.helpers import OTHER_PAGE, PAGE, assert_error, new_comment


async def counts(client: httpx.AsyncClient, pages: list[str], site: str = "news") -> Any:
    response = await client.post("/api/v1/counts", json={"site": site, "pages": pages})
    assert response.status_code == 200, response.text
    return response.json()


async def test_counts_every_published_comment_of_each_page(client: httpx.AsyncClient) -> None:
    root = await new_comment(client)
    reply = await new_comment(client, parent_id=root["id"])
    await new_comment(client, parent_id=reply["id"])
    await new_comment(client, page=OTHER_PAGE)
    assert await counts(client, [PAGE, OTHER_PAGE]) == {"counts": {PAGE: 3, OTHER_PAGE: 1}}


async def test_unknown_pages_count_zero(client: httpx.AsyncClient) -> None:
    await new_comment(client)
    assert await counts(client, [PAGE, "/not/yet/commented"]) == {
        "counts": {PAGE: 1, "/not/yet/commented": 0}
    }


async def test_no_pages_gives_no_counts(client: httpx.AsyncClient) -> None:
    assert await counts(client, []) == {"counts": {}}


async def test_a_hundred_pages_are_answered(client: httpx.AsyncClient) -> None:
    await new_comment(client, page="/page/7")
    pages = [f"/page/{n}" for n in range(100)]
    answer = (await counts(client, pages))["counts"]
    assert set(answer) == set(pages)
    assert answer["/page/7"] == 1
    assert sum(answer.values()) == 1


async def test_more_than_a_hundred_pages_are_refused(client: httpx.AsyncClient) -> None:
    pages = [f"/page/{n}" for n in range(101)]
    response = await client.post("/api/v1/counts", json={"site": "news", "pages": pages})
    assert_error(response, 400, field="pages")


async def test_counts_of_unknown_site_are_not_found(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/counts", json={"site": "nope", "pages": [PAGE]})
    assert_error(response, 404, field="site")


async def test_counts_do_not_mix_in_pages_of_other_sites(
    client: httpx.AsyncClient, other_site: str
) -> None:
    await new_comment(client, site=other_site)
    await new_comment(client, site=other_site)
    await new_comment(client)
    assert await counts(client, [PAGE]) == {"counts": {PAGE: 1}}
    assert await counts(client, [PAGE], site=other_site) == {"counts": {PAGE: 2}}


async def test_counts_follow_deletions(client: httpx.AsyncClient) -> None:
    kept = await new_comment(client)
    gone = await new_comment(client, parent_id=kept["id"])
    deleted = await client.delete(
        f"/api/v1/comments/{gone['id']}", headers={"X-Edit-Token": gone["edit_token"]}
    )
    assert deleted.status_code == 204
    assert await counts(client, [PAGE]) == {"counts": {PAGE: 1}}


async def test_the_same_page_asked_twice_is_answered_once(client: httpx.AsyncClient) -> None:
    await new_comment(client)
    assert await counts(client, [PAGE, PAGE]) == {"counts": {PAGE: 1}}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"pages": [PAGE]}, "site"),
        ({"site": "news"}, "pages"),
        ({"site": "news", "pages": PAGE}, "pages"),
        ({"site": "news", "pages": [1, 2]}, "pages[0]"),
        ({"site": "news", "pages": [""]}, "pages[0]"),
        ({"site": "news", "pages": [PAGE, "/" + "p" * 1_024]}, "pages[1]"),
        ({"site": ["news"], "pages": [PAGE]}, "site"),
    ],
    ids=[
        "no-site",
        "no-pages",
        "pages-not-a-list",
        "numbers",
        "empty-page",
        "page-1025",
        "site-not-a-string",
    ],
)
async def test_malformed_counts_request_is_refused(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/v1/counts", json=body)
    error = assert_error(response, 400)
    # The item at fault may be written pages[1] or pages.1; either names it.
    assert error["field"] in (field, field.replace("[", ".").rstrip("]")), error
