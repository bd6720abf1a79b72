"""Staff: accounts, roles, bans, reports and the audit trail, as pure types and rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from rostra.domain.comments import validate_email
from rostra.domain.errors import DomainError, PermissionDeniedError, ValidationError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
MAX_REASON_LENGTH = 500


class Role(StrEnum):
    """What a staff member may do: moderators decide on comments, admins also change settings."""

    MODERATOR = "moderator"
    ADMIN = "admin"


class BanKind(StrEnum):
    """What a ban matches: the author's email digest, IP digest, or signed-in account."""

    EMAIL = "email"
    IP = "ip"
    ACCOUNT = "account"


class StaffAction(StrEnum):
    """Every staff action the audit log records."""

    SIGN_IN = "sign_in"
    SIGN_OUT = "sign_out"
    SIGN_IN_FAILED = "sign_in_failed"  # with why and the hashed address, no password
    APPROVE = "approve"
    REJECT = "reject"
    SPAM = "spam"
    BAN = "ban"
    UNBAN = "unban"
    PIN = "pin"
    UNPIN = "unpin"
    SETTINGS = "settings"
    LEARN = "learn"  # a comment stored as an example for the semantic screen
    CAMPAIGN = "campaign"  # a campaign created or changed
    DONATION = "donation"  # a donation entered by hand (bank transfer)
    NOTE = "note"  # a note on a reader, shown to all staff
    NOTICE_DECIDED = "notice_decided"  # an EU DSA notice decided
    APPEAL_DECIDED = "appeal_decided"  # an author's appeal against a removal decided
    FORGET_READER = "forget_reader"  # a reader account and its personal data deleted
    CLOSE_THREAD = "close_thread"  # per-article settings (docs/editorial-controls.md)
    OPEN_THREAD = "open_thread"
    THREAD_SETTINGS = "thread_settings"
    FEATURE = "feature"  # editor's picks
    UNFEATURE = "unfeature"
    WEBHOOK = "webhook"  # a webhook endpoint added or removed, a delivery sent again


# What staff can teach the screen a comment is an example of: the trained screen's categories.
LEARN_CATEGORIES = (
    "threat",
    "violence",
    "dehumanization",
    "insult",
    "sexual_harassment",
    "self_harm",
    "personal_data",
    "spam",
)
# Names the semantic stage used before the trained screen; still accepted from API clients.
LEARN_ALIASES = {"call_to_violence": "violence", "harassment": "insult"}
# The category of an approved comment the screen had held: an example of what is fine.
BENIGN = "benign"


def learn_category(name: str) -> str | None:
    """The category ``name`` stands for, or None when it is not one staff can teach."""
    name = LEARN_ALIASES.get(name, name)
    return name if name in LEARN_CATEGORIES else None


class NotSignedInError(DomainError):
    """A staff action without a valid staff session (401)."""

    code = "unauthorized"


class InvalidCredentialsError(NotSignedInError):
    """Wrong email, wrong password, disabled account or wrong second factor: one answer for all,
    so nobody learns which accounts exist."""

    code = "invalid_credentials"


class SecondFactorRequiredError(NotSignedInError):
    """The password was right; the account also needs its TOTP code."""

    code = "totp_required"


class AuthorBannedError(PermissionDeniedError):
    """The author of a new comment is banned."""

    code = "author_banned"


class CsrfError(PermissionDeniedError):
    """A state-changing staff request without the session's CSRF token."""

    code = "csrf_failed"


@dataclass(frozen=True, slots=True)
class StaffUser:
    """A staff account (never holds the password hash)."""

    id: int
    email: str
    role: Role
    created_at: datetime
    disabled: bool = False
    has_totp: bool = False

    @property
    def is_admin(self) -> bool:
        """Admins may do everything moderators may, and change site settings."""
        return self.role is Role.ADMIN


@dataclass(frozen=True, slots=True)
class Ban:
    """One ban; ``expires_at`` None means for good."""

    id: int
    kind: BanKind
    value: str
    reason: str
    created_at: datetime
    expires_at: datetime | None
    created_by: str


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """Who did what, to what, when and why."""

    id: int
    actor: str
    action: StaffAction
    target: str
    reason: str
    created_at: datetime


def validate_staff_email(email: str) -> str:
    """A staff email, lowercased whole (logins must not depend on the case typed)."""
    checked = validate_email(email, field="email")
    if checked is None:
        raise ValidationError("Give an email address.", field="email")
    return checked.lower()


def validate_role(role: str) -> Role:
    """``moderator`` or ``admin``."""
    try:
        return Role(role)
    except ValueError:
        raise ValidationError("The role is 'moderator' or 'admin'.", field="role") from None


def validate_password(password: str) -> str:
    """At least 12 characters; long passphrases are welcome, up to 1,024 characters."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"The password needs at least {MIN_PASSWORD_LENGTH} characters.", field="password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError("The password is too long.", field="password")
    return password


def validate_reason(reason: str | None) -> str:
    """An optional short note on why."""
    text = " ".join((reason or "").split())
    if len(text) > MAX_REASON_LENGTH:
        raise ValidationError(
            f"The reason is longer than {MAX_REASON_LENGTH} characters.", field="reason"
        )
    return text


# What a reader may say a reported comment is (the widget offers these; the queue counts them).
REPORT_CATEGORIES = ("spam", "abuse", "off_topic", "misinformation", "other")


def validate_report_category(category: str | None) -> str | None:
    """One of ``REPORT_CATEGORIES``, or None when the reader gave none."""
    if category is None:
        return None
    if category not in REPORT_CATEGORIES:
        raise ValidationError(
            f"'category' must be one of {', '.join(REPORT_CATEGORIES)}.", field="category"
        )
    return category


def require_role(user: StaffUser, role: Role) -> None:
    """Raise unless ``user`` has ``role`` (admins pass every check)."""
    if role is Role.ADMIN and not user.is_admin:
        raise PermissionDeniedError("Only admins may do this.", field=None, code="admin_required")
