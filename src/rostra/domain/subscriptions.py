"""Subscriptions ("Notify of") and the mail jobs of the outbox: kinds, states, rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from rostra.domain.comments import validate_email
from rostra.domain.errors import DomainError, ValidationError


class SubscriptionKind(StrEnum):
    """``all``: every new comment on one page; ``replies``: replies to my comments on the site."""

    ALL = "all"
    REPLIES = "replies"


class SubscriptionStatus(StrEnum):
    PENDING = "pending"  # waiting for the address to confirm; nothing but the confirmation is sent
    CONFIRMED = "confirmed"


class MailKind(StrEnum):
    """One outbox job kind per message template, and the two kinds that are not mail."""

    CONFIRM = "confirm"
    REPLY = "reply"
    THREAD = "thread"  # the batched "new comments on a page you follow"
    STAFF_DIGEST = "staff_digest"
    SIGN_IN = "sign_in"  # A passwordless sign-in link
    FEATURED = "featured"  # staff featured the recipient's comment (editor's picks)
    NOTICE_RECEIVED = "notice_received"  # EU DSA: a notice's acknowledgement, with its reference
    NOTICE_DECIDED = "notice_decided"  # EU DSA: the decision on a notice
    STATEMENT = "statement_of_reasons"  # EU DSA: why the author's comment was removed
    APPEAL_DECIDED = "appeal_decided"  # EU DSA: the decision on the author's appeal
    # Not mail: a webhook delivery and a chat alert share the outbox's queue, leases and
    # retries; their own service claims them (services/webhooks.py).
    WEBHOOK = "webhook"
    CHAT = "chat"


# The kinds the mail worker sends.
MAIL_KINDS = tuple(kind.value for kind in MailKind if kind not in (MailKind.WEBHOOK, MailKind.CHAT))


class JobStatus(StrEnum):
    PENDING = "pending"  # waiting (maybe leased by a worker right now)
    SENT = "sent"
    FAILED = "failed"  # permanent: the server refused, or retries ran out
    CANCELLED = "cancelled"  # the subscription went away before sending


class NotificationsDisabledError(DomainError):
    """The server has no mail server configured, so it cannot confirm or notify anyone."""

    code = "notifications_disabled"


class LinkError(DomainError):
    """A signed link is expired, tampered with, or meant for something else."""

    code = "invalid_link"


@dataclass(frozen=True, slots=True)
class Subscription:
    """One address following one page (``all``) or its own comments on a site (``replies``)."""

    id: str
    site: str
    page: str
    kind: SubscriptionKind
    email: str
    status: SubscriptionStatus
    created_at: datetime
    lang: str = ""  # the widget's language when the reader subscribed ("" is English)


@dataclass(frozen=True, slots=True)
class MailJob:
    """One claimed outbox row: what to send, to whom, and how many tries it took so far."""

    id: int
    kind: MailKind
    recipient: str
    subscription_id: str | None
    payload: dict[str, object]
    attempts: int


NOTIFY_CHOICES = ("none", "replies", "all")
MAX_EXCERPT = 300
LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
MAX_ATTEMPTS = 12  # 30 s doubling, capped at an hour: about eight hours of an unreachable server


def validate_kind(kind: str) -> SubscriptionKind:
    """``all`` or ``replies``."""
    try:
        return SubscriptionKind(kind)
    except ValueError:
        raise ValidationError("'kind' is all or replies.", field="kind") from None


def validate_notify(notify: str) -> SubscriptionKind | None:
    """The comment form's choice: ``none`` (None), ``replies`` or ``all``."""
    if notify not in NOTIFY_CHOICES:
        raise ValidationError("'notify' is none, replies or all.", field="notify")
    return None if notify == "none" else SubscriptionKind(notify)


def validate_subscriber(email: str | None) -> str:
    """A subscriber's address: required, one address, no header tricks."""
    address = validate_email(email, field="email")
    if address is None:
        raise ValidationError("An email address is required to subscribe.", field="email")
    return address


def one_line(text: str, limit: int = 200) -> str:
    """Text safe for a mail header or a subject: line breaks become spaces, length bounded."""
    flat = " ".join(LINE_BREAKS.sub(" ", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def excerpt(text: str, limit: int = MAX_EXCERPT) -> str:
    """The start of a comment's Markdown source, for the plain-text and HTML mail bodies."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the ``attempts``-th failed try: 30 s, 1 min, 2 min … 1 h."""
    delay: timedelta = BACKOFF_BASE * (2 ** min(max(attempts - 1, 0), 20))
    return min(delay, BACKOFF_CAP)


def article_url(origins: tuple[str, ...], page: str, comment_id: str | None = None) -> str | None:
    """The public link of a page (and a comment in it): a page that is a full URL is its own
    link; a path is joined to the site's first origin; other identifiers have no link."""
    if page.startswith(("https://", "http://")):
        base = page
    elif page.startswith("/") and origins:
        base = origins[0] + page
    else:
        return None
    return f"{base}#comment-{comment_id}" if comment_id else base


@dataclass(frozen=True, slots=True)
class NewSubscription:
    """A subscription as first stored (pending)."""

    id: str
    site: str
    page: str
    kind: SubscriptionKind
    email: str
    email_hash: str
    created_at: datetime
    lang: str = ""

    @property
    def scope(self) -> str:
        """What makes it unique per address and kind: the page for ``all``, nothing for
        ``replies`` (one per site)."""
        return self.page if self.kind is SubscriptionKind.ALL else ""


@dataclass(frozen=True, slots=True)
class Recipient:
    """A confirmed subscriber to tell about a comment."""

    subscription_id: str
    kind: SubscriptionKind
    email: str
    next_digest_at: datetime
    lang: str = ""  # the subscription's language ("" is English)


@dataclass(frozen=True, slots=True)
class NewMailJob:
    """An outbox row to write."""

    kind: MailKind
    recipient: str
    subscription_id: str | None
    payload: dict[str, object]
    available_at: datetime
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FailedJob:
    """A job the mail server refused for good (or that ran out of retries)."""

    id: int
    kind: str
    recipient: str
    attempts: int
    error: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OutboxSummary:
    """What ``rostra outbox status`` shows."""

    counts: dict[str, int]
    retrying: int
    failures: list[FailedJob]


class MailDeferredError(Exception):
    """The mail server is unreachable or answered 4xx: try again later."""


class MailRejectedError(Exception):
    """The mail server answered 5xx: this message will never be accepted."""


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """One message ready for a ``Mailer``: the template to fill, the address, the values.

    ``message_key`` is derived from the outbox id: a retried job carries the same
    ``Message-ID``, so a duplicate that slips through the crash window can be recognised.
    """

    template: str
    to: str
    message_key: str
    context: dict[str, object]
    unsubscribe_url: str | None = None
