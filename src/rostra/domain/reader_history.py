"""What staff see about a comment's author before deciding (Coral's user drawer): their record
on the site, staff notes about them, and whether they have earned trust."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rostra.domain.comments import CommentStatus
from rostra.domain.errors import ValidationError
from rostra.domain.staff import Ban

MAX_NOTE_LENGTH = 2000
RECENT_COMMENTS = 10
RECENT_DECISIONS = 20


@dataclass(frozen=True, slots=True)
class AuthorKey:
    """How an author is known on a site: by their email digest, or else by their network
    address digest (the same digests bans use; the raw values are never stored)."""

    site: str
    kind: str  # "email" | "ip"
    digest: str

    @property
    def text(self) -> str:
        """The stored form, ``email:<digest>``."""
        return f"{self.kind}:{self.digest}"


def author_key(site: str, email_hash: str | None, ip_hash: str | None) -> AuthorKey | None:
    """The key screening and bans also go by: the email digest first (None for neither)."""
    if email_hash:
        return AuthorKey(site, "email", email_hash)
    if ip_hash:
        return AuthorKey(site, "ip", ip_hash)
    return None


@dataclass(frozen=True, slots=True)
class ReaderNote:
    """A staff member's note on a reader, shown to all staff."""

    id: int
    body: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AuthoredComment:
    """One of the author's comments, as the history lists it."""

    id: str
    page: str
    body: str
    status: CommentStatus
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PastDecision:
    """A staff decision on one of the author's comments."""

    comment_id: str
    verdict: str
    reason: str
    actor: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Trust:
    """Where the author stands with trust levels (mode ``pre_first_time``)."""

    trusted: bool
    approved_since_rejection: int
    needed: int
    last_rejection: datetime | None
    clean_days: int


@dataclass(frozen=True, slots=True)
class ReaderHistory:
    """An author's record on one site."""

    site: str
    author_name: str
    identified_by: str  # "account", "email" or "address": what ties the comments together
    counts: dict[str, int]  # published, pending, rejected, deleted
    first_seen: datetime | None  # the account's creation, else the first comment
    comments: list[AuthoredComment]
    decisions: list[PastDecision]
    bans: list[Ban]
    notes: list[ReaderNote]
    trust: Trust
    as_of: datetime  # when this record was read
    bans_in_force: frozenset[int] = frozenset()  # ids of ``bans`` not yet expired

    @property
    def age_days(self) -> int | None:
        """Days since ``first_seen`` (the account's age), None when unknown."""
        return None if self.first_seen is None else max(0, (self.as_of - self.first_seen).days)


def validate_note(body: str | None) -> str:
    """A note's text, trimmed; raises ``ValidationError`` when empty or too long."""
    text = (body or "").strip()
    if not text:
        raise ValidationError("Write the note.", field="body")
    if len(text) > MAX_NOTE_LENGTH:
        raise ValidationError(f"A note has at most {MAX_NOTE_LENGTH} characters.", field="body")
    return text
