"""Cursors: opaque, sort-bound positions in a thread's top-level comments; page sizes."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rostra.domain.errors import ValidationError
from rostra.domain.paging import MAX_PAGE_SIZE, PAGED_SORTS, Cursor, Sort, validate_limit
from rostra.domain.times import from_us, to_us
from tests.unit.domain.factories import T0, make_comment


def encoded(raw: Any) -> str:
    text = raw if isinstance(raw, str) else json.dumps(raw)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@given(
    sort=st.sampled_from(PAGED_SORTS),
    created_us=st.integers(min_value=0, max_value=2**62),
    comment_id=st.text(max_size=64),
    score=st.integers(min_value=-(2**40), max_value=2**40),
)
def test_cursor_survives_encode_and_decode(
    sort: Sort, created_us: int, comment_id: str, score: int
) -> None:
    cursor = Cursor(sort, created_us, comment_id, score)
    assert Cursor.decode(cursor.encode(), sort) == cursor


def test_the_featured_tab_takes_no_cursor() -> None:
    text = Cursor(Sort.NEWEST, 1, "abc").encode()
    with pytest.raises(ValidationError) as raised:
        Cursor.decode(text, Sort.FEATURED)
    assert raised.value.field == "cursor"


def test_encoded_cursor_is_url_safe_text() -> None:
    text = Cursor(Sort.VOTES, 1_700_000_000_000_000, "a-b_c~?&/", -3).encode()
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_cursor_after_a_comment_holds_its_sort_key() -> None:
    comment = make_comment("abc", second=1.5, upvotes=4, downvotes=1)
    cursor = Cursor.after(Sort.VOTES, comment)
    assert cursor == Cursor(Sort.VOTES, to_us(comment.created_at), "abc", 3)
    assert from_us(cursor.created_us) == comment.created_at


def test_times_convert_to_microseconds_exactly() -> None:
    moment = T0.replace(microsecond=999_999)
    assert from_us(to_us(moment)) == moment
    assert to_us(from_us(1)) == 1


@pytest.mark.parametrize("made_for", [Sort.OLDEST, Sort.VOTES])
def test_cursor_for_another_sort_is_refused(made_for: Sort) -> None:
    text = Cursor(made_for, 1, "x").encode()
    with pytest.raises(ValidationError) as caught:
        Cursor.decode(text, Sort.NEWEST)
    assert caught.value.field == "cursor"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "!!!!",
        "not a cursor",
        "é",
        "====",
        encoded("not json"),
        encoded("null"),
        encoded([]),
        encoded(["newest", 0, 1]),
        encoded(["newest", 0, 1, "x", "extra"]),
        encoded({"newest": 0, "a": 1, "b": 2, "c": 3}),
        encoded(["newest", "0", 1, "x"]),
        encoded(["newest", 0, "1", "x"]),
        encoded(["newest", 0, 1.5, "x"]),
        encoded(["newest", True, 1, "x"]),
        encoded(["newest", 0, False, "x"]),
        encoded(["newest", 0, 1, 7]),
        encoded(["newest", 0, 1, None]),
        encoded(["newest", 0, 1, "x" * 65]),
        encoded(["NEWEST", 0, 1, "x"]),
        base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),
    ],
)
def test_garbage_cursor_is_refused(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Cursor.decode(text, Sort.NEWEST)
    assert caught.value.field == "cursor"


def test_deeply_nested_cursor_is_refused_as_invalid() -> None:
    # A reader controls the cursor; nesting deeper than Python's recursion limit must be a
    # validation error (400), not a RecursionError (500).
    with pytest.raises(ValidationError):
        Cursor.decode(encoded("[" * 5_000), Sort.NEWEST)


@given(st.text(max_size=200))
def test_any_text_decodes_to_a_cursor_or_a_validation_error(text: str) -> None:
    try:
        cursor = Cursor.decode(text, Sort.OLDEST)
    except ValidationError:
        return
    assert cursor.sort is Sort.OLDEST


@pytest.mark.parametrize("limit", [1, 20, MAX_PAGE_SIZE])
def test_limits_from_one_to_one_hundred_are_accepted(limit: int) -> None:
    assert validate_limit(limit) == limit


@pytest.mark.parametrize("limit", [0, -1, MAX_PAGE_SIZE + 1, 10**9])
def test_limits_outside_one_to_one_hundred_are_refused(limit: int) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_limit(limit)
    assert caught.value.field == "limit"
