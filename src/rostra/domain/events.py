"""What happened to a thread, told to its live readers after the change is committed.

Each event is stored in the thread's event log in the same transaction as the change, which gives
it its ``sequence``: readers who reconnect ask for everything after the last sequence they saw.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class ThreadEvent:
    """Base of the events one thread's readers receive; ``name`` is the SSE event name."""

    site: str
    page: str
    comment_id: str
    sequence: int | None = None

    name: ClassVar[str] = "thread.changed"

    def payload(self) -> dict[str, Any]:
        """The JSON object readers get: the comment's ``id`` and the event's own details."""
        data = {
            field.name: getattr(self, field.name)
            for field in dataclasses.fields(self)
            if field.name not in ("site", "page", "comment_id", "sequence")
        }
        return {"id": self.comment_id, **data}


@dataclass(frozen=True, slots=True)
class CommentCreated(ThreadEvent):
    """A comment was published."""

    parent_id: str | None = None

    name: ClassVar[str] = "comment.created"


@dataclass(frozen=True, slots=True)
class CommentUpdated(ThreadEvent):
    """A published comment's text changed."""

    name: ClassVar[str] = "comment.updated"


@dataclass(frozen=True, slots=True)
class CommentDeleted(ThreadEvent):
    """A comment was deleted by its author or staff."""

    name: ClassVar[str] = "comment.deleted"


@dataclass(frozen=True, slots=True)
class VoteChanged(ThreadEvent):
    """A comment's score changed."""

    score: int = 0
    upvotes: int = 0
    downvotes: int = 0

    name: ClassVar[str] = "vote.changed"


@dataclass(frozen=True, slots=True)
class ReactionChanged(ThreadEvent):
    """A comment's reaction counts changed; ``reactions`` holds all of them."""

    reactions: dict[str, int] = field(default_factory=dict)

    name: ClassVar[str] = "reaction.changed"


@dataclass(frozen=True, slots=True)
class ThreadUpdated(ThreadEvent):
    """Staff changed the article's settings (closed, slow mode, the newsroom's message …);
    ``comment_id`` is empty. Readers see the change on their next read."""

    name: ClassVar[str] = "thread.updated"


# Reader support: a campaign's total changed. It travels on the event bus under the
# site and this page key, which no real page can have (control characters are stripped from
# pages), and is never written to a thread's log: each event carries the whole new total.
CAMPAIGN_PAGE = "\x00campaign"


@dataclass(frozen=True, slots=True)
class CampaignUpdated(ThreadEvent):
    """A donation, refund or manual entry changed a campaign's total; ``comment_id`` holds the
    campaign's id."""

    raised: str = ""
    currency: str = ""
    donor_count: int = 0
    # When the total was read (microseconds): of two events, readers keep the later reading, so
    # two changes published in the opposite order of their reads cannot leave a stale total.
    as_of: int = 0

    name: ClassVar[str] = "campaign.updated"


EVENT_TYPES: dict[str, type[ThreadEvent]] = {
    kind.name: kind
    for kind in (
        CommentCreated,
        CommentUpdated,
        CommentDeleted,
        VoteChanged,
        ReactionChanged,
        CampaignUpdated,
        CampaignUpdated,
        ThreadUpdated,
    )
}


def event_from(
    name: str, site: str, page: str, sequence: int | None, data: dict[str, Any]
) -> ThreadEvent:
    """Rebuild an event from its name and :meth:`ThreadEvent.payload` (stored or relayed)."""
    kind = EVENT_TYPES.get(name)
    if kind is None:
        raise ValueError(f"Unknown event {name!r}")
    details = {key: value for key, value in data.items() if key != "id"}
    return kind(site, page, str(data["id"]), sequence, **details)
