"""Comments: what a comment is, its states, and the rules every new or edited comment obeys."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from rostra.domain.anchors import Anchor
from rostra.domain.errors import ValidationError

if TYPE_CHECKING:
    from rostra.domain.images import ImageRef

MAX_BODY_LENGTH = 10_000
MAX_NAME_LENGTH = 100
MAX_EMAIL_LENGTH = 254
MAX_URL_LENGTH = 2_048
MAX_IMAGES = 4

# Deliberately loose: the address is only ever proven by a confirmation email, so this catches
# typing slips ("name@", "name example.org") without rejecting unusual but valid addresses.
EMAIL = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]+")
URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class CommentStatus(StrEnum):
    """Where a comment stands; the values are the strings of the public API."""

    PUBLISHED = "published"
    PENDING = "pending"
    REJECTED = "rejected"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class Comment:
    """A stored comment. ``root_id`` is the top-level comment of its sub-thread (None for roots)."""

    id: str
    thread_id: int
    parent_id: str | None
    root_id: str | None
    depth: int
    author_name: str
    author_url: str | None
    author_is_staff: bool
    body: str
    body_html: str
    status: CommentStatus
    created_at: datetime
    edited_at: datetime | None
    upvotes: int
    downvotes: int
    descendant_count: int
    anchor: Anchor | None
    pinned: bool = False  # staff featured it: first on the thread's first page
    images: tuple[ImageRef, ...] = ()  # attached uploads, in display order
    reader_id: str | None = None  # the signed-in reader account that wrote it
    author_avatar: str | None = None  # the account's picture URL
    featured_at: datetime | None = None  # staff picked it for the Featured tab
    featured_note: str | None = None  # the editor's few words on why, shown with it
    # Readers' reactions as (reaction, count) pairs, most chosen first; none: ().
    reactions: tuple[tuple[str, int], ...] = ()
    # The comments whose authors it mentions (@Name), as ids (rostra.domain.mentions).
    mentions: tuple[str, ...] = ()

    @property
    def reaction_total(self) -> int:
        """All reactions together: what "Most reacted" sorts by."""
        return sum(n for _, n in self.reactions)

    @property
    def score(self) -> int:
        """Upvotes minus downvotes: what "Most Voted" sorts by."""
        return self.upvotes - self.downvotes

    @property
    def is_visible(self) -> bool:
        """Readers see published comments, and deleted ones only as placeholders for replies."""
        return self.status is CommentStatus.PUBLISHED

    def as_placeholder(self) -> Comment:
        """The deleted comment as readers see it: structure kept, content gone."""
        return replace(
            self,
            author_name="",
            author_url=None,
            body="",
            body_html="",
            anchor=None,
            images=(),
            reader_id=None,
            author_avatar=None,
        )


def clean_text(value: str) -> str:
    """Drop control characters (but keep newlines and tabs) and surrounding white space."""
    return CONTROL_CHARACTERS.sub("", value).strip()


def validate_body(body: str) -> str:
    """A body is 1-10,000 characters of Markdown after trimming."""
    body = clean_text(body)
    if not body:
        raise ValidationError("The comment is empty.", field="body")
    if len(body) > MAX_BODY_LENGTH:
        raise ValidationError(
            f"The comment is {len(body):,} characters long; the limit is {MAX_BODY_LENGTH:,}.",
            field="body",
        )
    return body


def validate_author_name(name: str) -> str:
    """Names are 1-100 characters on one line."""
    name = " ".join(clean_text(name).split())
    if not name:
        raise ValidationError("Please give a name.", field="author_name")
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            f"The name is longer than {MAX_NAME_LENGTH} characters.", field="author_name"
        )
    return name


def validate_email(email: str | None, *, field: str = "author_email") -> str | None:
    """An optional address; returned lowercased in the domain part, or None when blank."""
    if email is None or not email.strip():
        return None
    email = email.strip()
    if (
        len(email) > MAX_EMAIL_LENGTH
        or not EMAIL.fullmatch(email)
        or CONTROL_CHARACTERS.search(email)
    ):
        raise ValidationError(f"{email[:80]!r} is not an email address.", field=field)
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def validate_author_url(url: str | None) -> str | None:
    """An optional home page; only http and https links are kept."""
    if url is None or not url.strip():
        return None
    url = url.strip()
    if CONTROL_CHARACTERS.search(url):
        raise ValidationError(
            "The web site address contains control characters.", field="author_url"
        )
    if not URL_SCHEME.match(url):
        url = "https://" + url  # "example.org" is what people type
    try:
        parts = urlsplit(url)
        valid = (
            parts.scheme.lower() in ("http", "https")
            and bool(parts.hostname)
            and (parts.port is None or 0 < parts.port < 65536)
        )
    except ValueError:  # a malformed host or port, e.g. "[a](b)" (from an XSS corpus)
        valid = False
    if len(url) > MAX_URL_LENGTH or not valid:
        raise ValidationError(
            "The web site must be an http:// or https:// address.", field="author_url"
        )
    if any(ch.isspace() for ch in url) or "<" in url or ">" in url or '"' in url:
        raise ValidationError("The web site address contains spaces or quotes.", field="author_url")
    return url
