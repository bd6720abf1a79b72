"""EU Digital Services Act, Art. 16: notices that a comment is illegal, and their decisions.

Anyone may send one (signed in or not). A notice names a category from a fixed list, explains
why, gives a name and an address for the answer, and confirms it is sent in good faith.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from rostra.domain.comments import CONTROL_CHARACTERS, validate_email
from rostra.domain.errors import ValidationError

# The categories readers choose from, and how a mail or the dashboard names them.
NOTICE_CATEGORIES = {
    "illegal_hate_speech": "Illegal hate speech",
    "defamation": "Defamation",
    "privacy_violation": "Privacy violation",
    "terrorist_content": "Terrorist content",
    "child_sexual_abuse_material": "Child sexual abuse material",
    "intellectual_property": "Intellectual property infringement",
    "scam_fraud": "Scam or fraud",
    "other": "Other illegal content",
}
MIN_EXPLANATION = 10
MAX_EXPLANATION = 5000
MAX_NAME = 100
MAX_DECISION_REASON = 2000
# Notices (with the notifier's name and address) are kept this long after their decision, for
# the yearly transparency report and any dispute; undecided ones stay until decided.
NOTICE_RETENTION = timedelta(days=730)


class NoticeStatus(StrEnum):
    """Where a notice stands."""

    OPEN = "open"  # waits for staff
    ACTIONED = "actioned"  # the comment was removed
    DISMISSED = "dismissed"  # staff found nothing illegal; the comment stays


class NoticeAction(StrEnum):
    """What staff decide about a notice."""

    REMOVE = "remove"
    KEEP = "keep"


@dataclass(frozen=True, slots=True)
class NoticeDraft:
    """A notice as checked, before it is stored."""

    comment_id: str
    category: str
    explanation: str
    notifier_name: str
    notifier_email: str


@dataclass(frozen=True, slots=True)
class Notice:
    """A stored notice; its id is the reference the notifier is given."""

    id: str
    site: str
    comment_id: str
    comment_body: str
    category: str
    explanation: str
    notifier_name: str
    notifier_email: str
    status: NoticeStatus
    decision_reason: str
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime
    lang: str = ""  # the notifier's language ("" is English): the decision is mailed in it

    @property
    def category_label(self) -> str:
        """The category as people read it."""
        return NOTICE_CATEGORIES.get(self.category, self.category)


def _text(value: str | None, field: str, low: int, high: int, short: str, long: str) -> str:
    """``value`` stripped, ``low`` to ``high`` characters. The sentences for too short and too
    long come whole from the caller: the reader reads them translated, and a sentence made
    of parts would not translate."""
    text = (value or "").strip()
    if len(text) < low:
        raise ValidationError(short, field=field)
    if len(text) > high:
        raise ValidationError(long, field=field)
    return text


def validate_notice(
    comment_id: str | None,
    category: str | None,
    explanation: str | None,
    name: str | None,
    email: str | None,
    good_faith: bool,
) -> NoticeDraft:
    """A notice's fields, checked; raises ``ValidationError`` naming the first bad one."""
    if not comment_id or not comment_id.strip():
        raise ValidationError("Say which comment the notice is about.", field="comment_id")
    if category not in NOTICE_CATEGORIES:
        raise ValidationError(
            f"'category' must be one of: {', '.join(NOTICE_CATEGORIES)}.", field="category"
        )
    text = _text(
        explanation,
        "explanation",
        MIN_EXPLANATION,
        MAX_EXPLANATION,
        f"The explanation of why the comment is illegal needs at least {MIN_EXPLANATION} "
        "characters.",
        f"The explanation of why the comment is illegal has at most {MAX_EXPLANATION} characters.",
    )
    who = _text(
        name,
        "name",
        1,
        MAX_NAME,
        "Your name is required.",
        f"Your name has at most {MAX_NAME} characters.",
    )
    if CONTROL_CHARACTERS.search(who):
        raise ValidationError("Your name has characters that cannot be shown.", field="name")
    address = validate_email(email, field="email")
    if address is None:
        raise ValidationError("Your email address is required for the answer.", field="email")
    if good_faith is not True:
        raise ValidationError(
            "Confirm that you believe, in good faith, that the notice is accurate and complete.",
            field="good_faith",
        )
    return NoticeDraft(comment_id.strip(), category, text, who, address)


def validate_decision_reason(reason: str | None) -> str:
    """The reasons given to the notifier; required, at most 2,000 characters."""
    return _text(
        reason,
        "reason",
        1,
        MAX_DECISION_REASON,
        "The reason for the decision is required.",
        f"The reason for the decision has at most {MAX_DECISION_REASON} characters.",
    )


def parse_day(value: str | None, field: str) -> datetime | None:
    """A ``YYYY-MM-DD`` (or full ISO 8601) moment, in UTC when no zone is given; None when
    blank. Bounds of the transparency export."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            f"'{field}' must be a date such as 2026-01-31.", field=field
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# Art. 17 and 20: the author of a removed comment is told why and may appeal for this long
# (the DSA asks for at least six months).
APPEAL_WINDOW = timedelta(days=183)
MIN_APPEAL = 10
MAX_APPEAL = 5000


class AppealStatus(StrEnum):
    """Where an appeal against a removal stands."""

    OPEN = "open"  # waits for staff
    UPHELD = "upheld"  # the removal stands
    REVERSED = "reversed"  # the comment is published again


class AppealAction(StrEnum):
    """What staff decide about an appeal."""

    UPHOLD = "uphold"
    REVERSE = "reverse"


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement of reasons mailed to the author of a removed comment, with the author's
    appeal against it when there is one (at most one per statement)."""

    id: str
    site: str
    comment_id: str
    decision: str  # the staff decision: reject or spam
    ground: str  # the reason staff (or screening) gave
    comment_excerpt: str
    notice_id: str | None  # the Art. 16 notice the removal answered, if any
    automated: bool  # the automatic screening had held or flagged the comment
    decided_by: str
    recipient: str
    created_at: datetime
    appeal_text: str | None = None
    appeal_status: AppealStatus | None = None
    appealed_at: datetime | None = None
    appeal_reason: str | None = None
    appeal_decided_by: str | None = None
    appeal_decided_at: datetime | None = None

    @property
    def appeal_until(self) -> datetime:
        """The last moment an appeal is accepted."""
        return self.created_at + APPEAL_WINDOW


def validate_appeal(text: str | None) -> str:
    """The author's explanation of why the removal is wrong; 10 to 5,000 characters."""
    return _text(
        text,
        "explanation",
        MIN_APPEAL,
        MAX_APPEAL,
        f"The explanation of your appeal needs at least {MIN_APPEAL} characters.",
        f"The explanation of your appeal has at most {MAX_APPEAL} characters.",
    )
