"""Comment rules the HTTP API cannot easily reach: time, origins, batch limits."""

from __future__ import annotations

import pytest

from rostra.domain.comments import CommentStatus
from rostra.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from rostra.services.callers import Caller
from rostra.services.comments import CommentDraft, PostedComment
from rostra.services.registry import Services
from rostra.services.thread_reads import MAX_COUNT_PAGES, ThreadQuery
from tests.conftest import ORIGIN, MovableClock

PAGE = "/2026/11/article"


async def post(
    services: Services,
    body: str = "Hello",
    *,
    page: str = PAGE,
    parent_id: str | None = None,
    caller: Caller | None = None,
    **fields: object,
) -> PostedComment:
    draft = CommentDraft("news", page, body, "Ann", parent_id=parent_id, **fields)  # type: ignore[arg-type]
    return await services.comments.post_comment(draft, caller or Caller(origin=ORIGIN))


async def thread_count(services: Services, page: str = PAGE) -> int:
    return (await services.comments.count_comments("news", [page]))[page]


# The edit window: 15 minutes, inclusive


async def test_author_can_edit_exactly_when_the_window_closes(
    services: Services, clock: MovableClock
) -> None:
    posted = await post(services)
    clock.advance(minutes=15)
    assert clock.now() == posted.editable_until
    edited = await services.comments.edit_comment(
        posted.comment.id, "Edited", Caller(edit_token=posted.edit_token)
    )
    assert edited.body == "Edited"
    assert edited.edited_at == clock.now()


async def test_author_cannot_edit_one_microsecond_after_the_window(
    services: Services, clock: MovableClock
) -> None:
    posted = await post(services)
    clock.advance(minutes=15, microseconds=1)
    with pytest.raises(PermissionDeniedError) as caught:
        await services.comments.edit_comment(
            posted.comment.id, "Too late", Caller(edit_token=posted.edit_token)
        )
    assert caught.value.code == "edit_window_closed"
    assert "15 minutes" in caught.value.message
    page = await services.comments.read_thread(ThreadQuery("news", PAGE), Caller())
    assert page.comments[0].comment.body == "Hello"


async def test_author_can_delete_at_the_window_edge_but_not_after(
    services: Services, clock: MovableClock
) -> None:
    first, second = await post(services, "one"), await post(services, "two")
    clock.advance(minutes=15)
    await services.comments.delete_comment(first.comment.id, Caller(edit_token=first.edit_token))
    clock.advance(microseconds=1)
    with pytest.raises(PermissionDeniedError) as caught:
        await services.comments.delete_comment(
            second.comment.id, Caller(edit_token=second.edit_token)
        )
    assert caught.value.code == "edit_window_closed"
    assert await thread_count(services) == 1


async def test_edit_window_counts_from_posting_not_from_the_last_edit(
    services: Services, clock: MovableClock
) -> None:
    posted = await post(services)
    author = Caller(edit_token=posted.edit_token)
    clock.advance(minutes=10)
    await services.comments.edit_comment(posted.comment.id, "First edit", author)
    clock.advance(minutes=10)
    with pytest.raises(PermissionDeniedError):
        await services.comments.edit_comment(posted.comment.id, "Second edit", author)


async def test_edit_token_of_another_comment_is_refused(services: Services) -> None:
    mine, theirs = await post(services, "mine"), await post(services, "theirs")
    with pytest.raises(PermissionDeniedError) as caught:
        await services.comments.edit_comment(
            theirs.comment.id, "hijacked", Caller(edit_token=mine.edit_token)
        )
    assert caught.value.field == "X-Edit-Token"


async def test_edit_without_token_is_refused(services: Services) -> None:
    posted = await post(services)
    with pytest.raises(PermissionDeniedError) as caught:
        await services.comments.edit_comment(posted.comment.id, "x", Caller())
    assert caught.value.field == "X-Edit-Token"


async def test_deleted_comment_cannot_be_edited_back(services: Services) -> None:
    posted = await post(services)
    author = Caller(edit_token=posted.edit_token)
    await services.comments.delete_comment(posted.comment.id, author)
    with pytest.raises(NotFoundError):
        await services.comments.edit_comment(posted.comment.id, "back", author)
    assert await thread_count(services) == 0


async def test_editing_an_unknown_comment_is_not_found(services: Services) -> None:
    with pytest.raises(NotFoundError):
        await services.comments.edit_comment("no-such-id", "x", Caller(edit_token="t"))


# Origins: browsers may only post from the site's own pages

FOREIGN_ORIGINS = [
    "https://evil.example",
    "http://news.example",
    "https://news.example:8443",
    "https://news.example.evil.example",
    "null",
]


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
async def test_posting_from_a_foreign_origin_is_refused_and_stores_nothing(
    services: Services, origin: str
) -> None:
    with pytest.raises(PermissionDeniedError) as caught:
        await post(services, caller=Caller(origin=origin))
    assert caught.value.code == "origin_not_allowed"
    assert origin in caught.value.message
    assert await thread_count(services) == 0


@pytest.mark.parametrize(
    "origin", [None, ORIGIN, "https://NEWS.example", "https://news.example:443"]
)
async def test_posting_from_the_sites_origin_or_no_browser_is_allowed(
    services: Services, origin: str | None
) -> None:
    posted = await post(services, caller=Caller(origin=origin))
    assert posted.comment.status is CommentStatus.PUBLISHED
    assert await thread_count(services) == 1


async def test_origin_of_another_registered_site_is_refused(services: Services) -> None:
    await services.sites.add_site("other", ["https://other.example"])
    with pytest.raises(PermissionDeniedError) as caught:
        await post(services, caller=Caller(origin="https://other.example"))
    assert caught.value.code == "origin_not_allowed"


async def test_honeypot_post_from_a_foreign_origin_is_refused_too(services: Services) -> None:
    with pytest.raises(PermissionDeniedError) as caught:
        await post(services, caller=Caller(origin="https://evil.example"), honeypot="http://spam")
    assert caught.value.code == "origin_not_allowed"


async def test_editing_from_a_foreign_origin_is_refused_even_with_the_token(
    services: Services,
) -> None:
    posted = await post(services)
    thief = Caller(origin="https://evil.example", edit_token=posted.edit_token)
    with pytest.raises(PermissionDeniedError) as caught:
        await services.comments.edit_comment(posted.comment.id, "defaced", thief)
    assert caught.value.code == "origin_not_allowed"
    with pytest.raises(PermissionDeniedError) as caught:
        await services.comments.delete_comment(posted.comment.id, thief)
    assert caught.value.code == "origin_not_allowed"
    assert await thread_count(services) == 1


async def test_newly_allowed_origin_may_post(services: Services) -> None:
    await services.sites.allow_origins("news", ["https://www.news.example"])
    posted = await post(services, caller=Caller(origin="https://www.news.example"))
    assert posted.comment.status is CommentStatus.PUBLISHED


# Honeypot


async def test_honeypot_answers_pending_and_publishes_nothing(services: Services) -> None:
    posted = await post(services, honeypot="https://spam.example")
    assert posted.comment.status is CommentStatus.PENDING
    assert posted.edit_token
    assert await thread_count(services) == 0


# Replies


async def test_reply_to_a_comment_on_another_page_is_refused(services: Services) -> None:
    elsewhere = await post(services, page="/other")
    with pytest.raises(ValidationError) as caught:
        await post(services, parent_id=elsewhere.comment.id)
    assert caught.value.field == "parent_id"
    assert await thread_count(services) == 0


async def test_reply_to_a_deleted_comment_is_refused(services: Services) -> None:
    parent = await post(services)
    await services.comments.delete_comment(parent.comment.id, Caller(edit_token=parent.edit_token))
    with pytest.raises(ValidationError) as caught:
        await post(services, parent_id=parent.comment.id)
    assert caught.value.field == "parent_id"


async def test_reply_with_an_anchor_is_refused(services: Services) -> None:
    parent = await post(services)
    with pytest.raises(ValidationError) as caught:
        await post(services, parent_id=parent.comment.id, anchor={"exact": "passage"})
    assert caught.value.field == "anchor"


async def test_reply_records_its_root_and_depth(services: Services) -> None:
    root = await post(services)
    child = await post(services, parent_id=root.comment.id)
    grandchild = await post(services, parent_id=child.comment.id)
    assert (child.comment.root_id, child.comment.depth) == (root.comment.id, 1)
    assert (grandchild.comment.root_id, grandchild.comment.depth) == (root.comment.id, 2)


# Counts


async def test_counts_answer_for_exactly_one_hundred_pages(services: Services) -> None:
    await post(services, page="/p0")
    reply_to = await post(services, page="/p1")
    await post(services, page="/p1", parent_id=reply_to.comment.id)
    pages = [f"/p{n}" for n in range(MAX_COUNT_PAGES)]
    counts = await services.comments.count_comments("news", pages)
    assert list(counts) == pages
    assert (counts["/p0"], counts["/p1"], counts["/p99"]) == (1, 2, 0)
    assert sum(counts.values()) == 3


async def test_counts_for_one_hundred_and_one_pages_are_refused(services: Services) -> None:
    pages = [f"/p{n}" for n in range(MAX_COUNT_PAGES + 1)]
    with pytest.raises(ValidationError) as caught:
        await services.comments.count_comments("news", pages)
    assert caught.value.field == "pages"


async def test_counts_leave_out_deleted_comments(services: Services) -> None:
    kept, gone = await post(services), await post(services)
    await services.comments.delete_comment(gone.comment.id, Caller(edit_token=gone.edit_token))
    assert kept.comment.id
    assert await thread_count(services) == 1


async def test_counts_for_an_unknown_site_are_not_found(services: Services) -> None:
    with pytest.raises(NotFoundError) as caught:
        await services.comments.count_comments("nope", ["/a"])
    assert caught.value.field == "site"


async def test_counts_refuse_an_empty_page(services: Services) -> None:
    with pytest.raises(ValidationError) as caught:
        await services.comments.count_comments("news", ["/a", "  "])
    assert caught.value.field == "page"
