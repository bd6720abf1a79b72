"""Moderation vocabulary shared by screening (automatic) and staff decisions (manual).

Screening rules live in ``screening.py``; this module holds the types both sides speak.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class ModerationMode(StrEnum):
    """How a site treats new comments."""

    POST = "post"  # publish unless screening flags it (default)
    PRE = "pre"  # every comment waits for staff
    PRE_FIRST_TIME = "pre_first_time"  # authors without an approved comment wait


class Verdict(StrEnum):
    """What happens to a comment; ordered from mildest to harshest."""

    PUBLISH = "publish"
    HOLD = "hold"
    REJECT = "reject"


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a rule spoke: the rule's name, what it found, and its score when it has one."""

    rule: str
    detail: str
    verdict: Verdict
    score: float | None = None


@dataclass(frozen=True, slots=True)
class Screening:
    """The outcome for one comment: the harshest verdict of its reasons (publish when none)."""

    reasons: tuple[Reason, ...] = ()

    @property
    def verdict(self) -> Verdict:
        """The harshest verdict any reason gave."""
        order = list(Verdict)
        return max(
            (reason.verdict for reason in self.reasons), key=order.index, default=Verdict.PUBLISH
        )


@dataclass(frozen=True, slots=True)
class ModerationSettings:
    """A site's moderation configuration, edited by admins in the dashboard."""

    mode: ModerationMode = ModerationMode.POST
    hold_threshold: float = 0.5  # toxicity score at or above which a comment waits for staff
    reject_threshold: float = 0.9  # ... and at or above which it is refused
    banned_words: tuple[str, ...] = ()  # refused
    watched_words: tuple[str, ...] = ()  # held for staff
    max_links: int = 3  # more links than this: held
    min_seconds_to_submit: int = 3  # a form sent faster than this is a bot: held
    report_threshold: int = 3  # reader reports that put a published comment in the queue
    extra: dict[str, str] = field(default_factory=dict)
    # A screen category's own hold threshold (e.g. {"spam": 0.8}); others use hold_threshold.
    category_holds: dict[str, float] = field(default_factory=dict)
    # Threads take no new comments this many days after their first one; 0: never.
    read_only_after_days: int = 0
    # Trust (mode pre_first_time): an author with this many approved comments since their last
    # rejection, and no rejection in ``trust_clean_days`` days, skips the first-time review.
    trust_approved: int = 1
    trust_clean_days: int = 30


# How many approved comments trust ever needs counted (the setting's upper bound).
TRUST_COUNT_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class TrustRecord:
    """What trust levels weigh: an author's approved comments since their last rejected one
    (counted up to ``TRUST_COUNT_LIMIT``), and when that rejected one was written."""

    approved_since_rejection: int
    last_rejection: datetime | None


def is_trusted(record: TrustRecord, settings: ModerationSettings, now: datetime) -> bool:
    """Whether an author skips first-time review: enough approved comments since their last
    rejection (a rejection starts the count again), and none in the site's clean period."""
    if record.approved_since_rejection < settings.trust_approved:
        return False
    if record.last_rejection is None:
        return True
    return now - record.last_rejection >= timedelta(days=settings.trust_clean_days)
