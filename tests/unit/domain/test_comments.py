"""The rules every new or edited comment obeys: lengths, cleaning, optional contact fields."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rostra.domain.comments import (
    MAX_BODY_LENGTH,
    MAX_EMAIL_LENGTH,
    MAX_NAME_LENGTH,
    CommentStatus,
    clean_text,
    validate_author_name,
    validate_author_url,
    validate_body,
    validate_email,
)
from rostra.domain.errors import ValidationError
from rostra.domain.threads import (
    MAX_PAGE_LENGTH,
    MAX_TITLE_LENGTH,
    validate_page,
    validate_title,
)
from tests.unit.domain.factories import make_comment

CONTROL = "\x00\x01\x07\x08\x0b\x0c\x1b\x7f"


def _accepts(validate: Callable[[str], str | None], value: str) -> bool:
    try:
        validate(value)
    except ValidationError:
        return False
    return True


def test_status_values_are_the_api_strings() -> None:
    assert [s.value for s in CommentStatus] == ["published", "pending", "rejected", "deleted"]


def test_clean_text_drops_control_characters_but_keeps_newlines_and_tabs() -> None:
    assert clean_text(f"  a{CONTROL}b\n\tc\r\n  ") == "ab\n\tc"


# Body


def test_body_is_trimmed() -> None:
    assert validate_body("  \n hello *world*\n\n ") == "hello *world*"


def test_body_keeps_inner_line_breaks() -> None:
    assert validate_body("one\n\ntwo") == "one\n\ntwo"


@pytest.mark.parametrize("body", ["", "   ", "\n\t\n", CONTROL, f" {CONTROL} \n"])
def test_empty_body_is_refused(body: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_body(body)
    assert caught.value.field == "body"


def test_body_at_the_limit_is_accepted() -> None:
    assert len(validate_body("x" * MAX_BODY_LENGTH)) == MAX_BODY_LENGTH


def test_body_over_the_limit_is_refused_with_its_length() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_body("x" * (MAX_BODY_LENGTH + 1))
    assert caught.value.field == "body"
    assert "10,001" in caught.value.message


def test_body_limit_is_counted_after_trimming() -> None:
    assert len(validate_body("  " + "x" * MAX_BODY_LENGTH + "\n\n")) == MAX_BODY_LENGTH


def test_body_control_characters_are_removed() -> None:
    assert validate_body(f"a{CONTROL}b") == "ab"


# Author name


def test_name_white_space_is_collapsed_to_one_line() -> None:
    assert validate_author_name("  Ann \n\t Smith  ") == "Ann Smith"


def test_name_control_characters_are_removed() -> None:
    assert validate_author_name(f"An{CONTROL}n") == "Ann"


@pytest.mark.parametrize("name", ["", "   ", "\n", CONTROL])
def test_empty_name_is_refused(name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_author_name(name)
    assert caught.value.field == "author_name"


def test_name_at_the_limit_is_accepted() -> None:
    assert validate_author_name("n" * MAX_NAME_LENGTH) == "n" * MAX_NAME_LENGTH


def test_name_over_the_limit_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_author_name("n" * (MAX_NAME_LENGTH + 1))
    assert caught.value.field == "author_name"


# Email


@pytest.mark.parametrize("email", [None, "", "   "])
def test_blank_email_means_none(email: str | None) -> None:
    assert validate_email(email) is None


def test_email_domain_is_lowercased_and_local_part_kept() -> None:
    assert validate_email("  Ann.Smith+news@Mail.EXAMPLE ") == "Ann.Smith+news@mail.example"


@pytest.mark.parametrize(
    "email",
    [
        "ann",
        "ann@",
        "@example.org",
        "ann@example",
        "ann smith@example.org",
        "ann@@example.org",
        "<ann@example.org>",
        "ann@example.org, bob@example.org",
        'ann"@example.org',
        "ann@example.org\r\nBcc: x@evil.example",
    ],
)
def test_malformed_email_is_refused(email: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_email(email)
    assert caught.value.field == "author_email"


def test_email_with_control_characters_is_refused() -> None:
    accepted = [ch for ch in CONTROL if _accepts(validate_email, f"ann{ch}@example.org")]
    assert accepted == []


def test_email_over_the_limit_is_refused() -> None:
    local = "a" * (MAX_EMAIL_LENGTH - len("@example.org") + 1)
    with pytest.raises(ValidationError):
        validate_email(f"{local}@example.org")


def test_email_error_names_the_field_it_was_asked_for() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_email("nope", field="email")
    assert caught.value.field == "email"


# Author URL


@pytest.mark.parametrize("url", [None, "", "  "])
def test_blank_url_means_none(url: str | None) -> None:
    assert validate_author_url(url) is None


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://ann.example/blog", "https://ann.example/blog"),
        ("http://ann.example", "http://ann.example"),
        ("ann.example", "https://ann.example"),
        ("  ann.example/about  ", "https://ann.example/about"),
    ],
)
def test_http_urls_are_kept_and_bare_hosts_get_https(url: str, kept: str) -> None:
    assert validate_author_url(url) == kept


@pytest.mark.parametrize(
    "url",
    [
        "ftp://ann.example",
        "file:///etc/passwd",
        "javascript://ann.example/%0aalert(1)",
        "https://",
        "https://ann.example/a b",
        'https://ann.example/"onmouseover="x',
        "https://ann.example/<script>",
        "data:text/html,<script>alert(1)</script>",
        "https://ann.example/" + "x" * 2_048,
    ],
)
def test_unsafe_or_malformed_url_is_refused(url: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_author_url(url)
    assert caught.value.field == "author_url"


def test_url_with_control_characters_is_refused() -> None:
    # PostgreSQL refuses NUL in text, so a NUL that got through would fail the INSERT.
    accepted = [ch for ch in CONTROL if _accepts(validate_author_url, f"https://ann.example/{ch}x")]
    assert accepted == []


# Page and title


def test_page_is_trimmed_and_cleaned() -> None:
    assert validate_page(f"  /2026/11/a{CONTROL}rticle \n") == "/2026/11/article"


@pytest.mark.parametrize("page", ["", "   ", CONTROL])
def test_empty_page_is_refused(page: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_page(page)
    assert caught.value.field == "page"


def test_page_at_the_limit_is_accepted_and_over_it_refused() -> None:
    assert validate_page("p" * MAX_PAGE_LENGTH) == "p" * MAX_PAGE_LENGTH
    with pytest.raises(ValidationError) as caught:
        validate_page("p" * (MAX_PAGE_LENGTH + 1))
    assert caught.value.field == "page"


@pytest.mark.parametrize("title", [None, "", "  \n "])
def test_blank_title_means_none(title: str | None) -> None:
    assert validate_title(title) is None


def test_title_is_collapsed_to_one_clean_line() -> None:
    assert validate_title(f"  Bridge\n reopens{CONTROL} ") == "Bridge reopens"


def test_long_title_is_shortened_not_refused() -> None:
    assert validate_title("t" * (MAX_TITLE_LENGTH + 50)) == "t" * MAX_TITLE_LENGTH


# The comment object


def test_score_is_upvotes_minus_downvotes() -> None:
    assert make_comment("c", upvotes=5, downvotes=7).score == -2


def test_only_published_comments_are_visible() -> None:
    visible = {status: make_comment("c", status=status).is_visible for status in CommentStatus}
    assert visible == {
        CommentStatus.PUBLISHED: True,
        CommentStatus.PENDING: False,
        CommentStatus.REJECTED: False,
        CommentStatus.DELETED: False,
    }


def test_placeholder_erases_content_and_author_but_keeps_structure() -> None:
    comment = make_comment("c", "p", status=CommentStatus.DELETED, upvotes=3)
    placeholder = comment.as_placeholder()
    assert (placeholder.author_name, placeholder.author_url) == ("", None)
    assert (placeholder.body, placeholder.body_html, placeholder.anchor) == ("", "", None)
    assert (placeholder.id, placeholder.parent_id, placeholder.created_at) == (
        comment.id,
        comment.parent_id,
        comment.created_at,
    )
