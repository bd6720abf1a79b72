"""What the staff services need from storage: accounts, the moderation queue,
bans, pins and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from rostra.domain.comments import Comment, CommentStatus
from rostra.domain.moderation import Reason
from rostra.domain.staff import AuditEntry, Ban, BanKind, Role, StaffAction, StaffUser


@dataclass(frozen=True, slots=True)
class StaffCredentials:
    """A staff account with what signing in checks."""

    user: StaffUser
    password_hash: str
    totp_secret: str | None


@dataclass(frozen=True, slots=True)
class QueueItem:
    """A comment waiting for staff: held, or published and reported by readers."""

    comment: Comment
    site: str
    page: str
    report_count: int
    report_reasons: tuple[str, ...]
    # How many reports gave each category, most given first.
    report_categories: tuple[tuple[str, int], ...] = ()
    screening: tuple[Reason, ...] = ()  # why screening held it, with scores


class UserRepository(Protocol):
    """Staff accounts and their server-side sessions."""

    async def add(self, email: str, password_hash: str, role: Role, created_at: datetime) -> None:
        """Store a new account; the email must be free."""

    async def credentials(self, email: str) -> StaffCredentials | None:
        """The account with this (lowercased) email and its secrets, or None."""

    async def lock(self, user_id: int) -> None:
        """Hold the account's row until the transaction ends, so that two sign-ins of one
        account (the same authenticator code sent twice at once) take turns."""

    async def get(self, user_id: int) -> StaffUser | None:
        """One account by id."""

    async def list_all(self) -> list[StaffUser]:
        """Every account, by email."""

    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """Replace the stored password hash (a rehash with new parameters)."""

    async def set_totp_secret(self, user_id: int, secret: str | None) -> None:
        """Turn the second factor on (a secret) or off (None)."""

    async def set_disabled(self, user_id: int, disabled: bool) -> None:
        """Disable or re-enable an account."""

    async def add_session(
        self, session_digest: str, user_id: int, created_at: datetime, expires_at: datetime
    ) -> None:
        """Record a signed-in session by the digest of its id."""

    async def session_user(self, session_digest: str, now: datetime) -> StaffUser | None:
        """The enabled account of an unexpired session, or None."""

    async def delete_session(self, session_digest: str) -> None:
        """End one session."""

    async def delete_sessions_of(self, user_id: int) -> None:
        """End every session of an account."""


class StaffRecords(Protocol):
    """Bans, reader reports, the moderation queue and the audit log."""

    async def add_ban(
        self,
        kind: BanKind,
        value: str,
        reason: str,
        created_by: str,
        created_at: datetime,
        expires_at: datetime | None,
    ) -> int:
        """Store a ban; returns its id."""

    async def remove_ban(self, ban_id: int) -> bool:
        """Lift a ban; False when there is none with this id."""

    async def list_bans(self, now: datetime) -> list[Ban]:
        """Bans in force at ``now``, newest first."""

    async def is_banned(self, values: Sequence[tuple[BanKind, str]], now: datetime) -> bool:
        """True when any (kind, value) is banned at ``now``."""

    async def author_digests(self, comment_id: str) -> tuple[str | None, str | None]:
        """The stored (email digest, IP digest) of a comment's author."""

    async def add_report(
        self,
        comment_id: str,
        reporter: str,
        reason: str,
        at: datetime,
        category: str | None = None,
    ) -> bool:
        """Record one reader's report; False when this reader reported the comment already."""

    async def report_count(self, comment_id: str) -> int:
        """How many readers reported the comment."""

    async def clear_reports(self, comment_id: str) -> None:
        """Forget a comment's reports (staff looked at it)."""

    async def set_status(self, comment_id: str, status: CommentStatus) -> None:
        """Move a comment to another state."""

    async def set_pinned(self, comment_id: str, pinned: bool) -> None:
        """Pin or unpin a top-level comment."""

    async def set_featured(
        self, comment_id: str, featured_at: datetime | None, note: str | None
    ) -> None:
        """Feature a comment (with staff's note) from ``featured_at``, or unfeature it (None)."""

    async def pinned_count(self, thread_id: int) -> int:
        """How many comments of the thread are pinned."""

    async def queue(
        self,
        *,
        site: str | None,
        search: str | None,
        report_threshold: int,
        limit: int,
        offset: int,
    ) -> list[QueueItem]:
        """Held comments and published ones with at least ``report_threshold`` reports, oldest
        first, optionally of one site and matching ``search`` in author name or text."""

    async def audit(
        self, actor: str, action: StaffAction, target: str, reason: str, at: datetime
    ) -> None:
        """Append to the audit log."""

    async def audit_entries(self, limit: int, offset: int) -> list[AuditEntry]:
        """The audit log, newest first."""

    async def recent_audit_entries(
        self, actor: str, action: StaffAction, since: datetime
    ) -> list[AuditEntry]:
        """One actor's entries of one kind at or after ``since`` (a short look back: the
        TOTP replay check)."""
