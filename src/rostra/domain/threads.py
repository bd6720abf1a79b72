"""Threads: one per (site, page), and how their comments are arranged for reading."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from rostra.domain.comments import Comment, CommentStatus, clean_text
from rostra.domain.errors import ValidationError
from rostra.domain.reactions import DEFAULT_REACTIONS
from rostra.domain.sites import normalize_origin

MAX_PAGE_LENGTH = 1_024
WEB_ADDRESS = re.compile(r"^https?://", re.IGNORECASE)
MAX_TITLE_LENGTH = 300
# Replies nest this many levels below a top-level comment; deeper ones are shown at the last level.
DEFAULT_MAX_DEPTH = 4


# Per-article settings (docs/editorial-controls.md).
MAX_MESSAGE_LENGTH = 2_000
MAX_SLOW_MINUTES = 1_440  # a day
MAX_READ_ONLY_DAYS = 3_650


@dataclass(frozen=True, slots=True)
class ThreadSettings:
    """What the newsroom decided for one article: closed, every comment held for review,
    no images, slow mode (one comment per reader per ``slow_minutes``), and a message from
    the newsroom shown above the thread (Markdown, sanitized when shown)."""

    closed: bool = False
    premoderated: bool = False
    images: bool = True
    slow_minutes: int = 0
    message: str = ""

    @property
    def is_default(self) -> bool:
        """True when the article behaves like every other article of its site."""
        return self == ThreadSettings()

    def to_json(self) -> dict[str, Any]:
        """The settings as stored (only what differs from the defaults)."""
        default = ThreadSettings()
        return {
            name: getattr(self, name)
            for name in ThreadSettings.__slots__
            if getattr(self, name) != getattr(default, name)
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> ThreadSettings:
        """Settings from their stored or exported form; a wrong value raises
        ``ValidationError`` naming it."""
        if not data:
            return cls()
        if not isinstance(data, Mapping):
            raise ValidationError("The thread's settings must be an object.", field="settings")
        unknown = sorted(set(data) - set(cls.__slots__))
        if unknown:
            raise ValidationError(f"Unknown thread setting {unknown[0]!r}.", field=unknown[0])
        for name in ("closed", "premoderated", "images"):
            if name in data and not isinstance(data[name], bool):
                raise ValidationError(f"'{name}' must be true or false.", field=name)
        return cls(
            closed=data.get("closed", False),
            premoderated=data.get("premoderated", False),
            images=data.get("images", True),
            slow_minutes=validate_slow_minutes(data.get("slow_minutes", 0)),
            message=validate_message(data.get("message", "")),
        )


def validate_slow_minutes(minutes: Any) -> int:
    """Slow mode: 0 (off) to a day, in whole minutes."""
    if (
        not isinstance(minutes, int)
        or isinstance(minutes, bool)
        or not 0 <= minutes <= MAX_SLOW_MINUTES
    ):
        raise ValidationError(
            f"'slow_mode_minutes' must be a whole number from 0 (off) to {MAX_SLOW_MINUTES:,}.",
            field="slow_mode_minutes",
        )
    return minutes


def validate_message(message: Any) -> str:
    """The newsroom's message: up to 2,000 characters of Markdown; empty removes it."""
    if not isinstance(message, str):
        raise ValidationError("'message' must be text.", field="message")
    text = clean_text(message)
    if len(text) > MAX_MESSAGE_LENGTH:
        raise ValidationError(
            f"The message is longer than {MAX_MESSAGE_LENGTH:,} characters.", field="message"
        )
    return text


def validate_read_only_days(days: Any) -> int:
    """A site's read-only age: 0 (never) to ten years."""
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_READ_ONLY_DAYS:
        raise ValidationError(
            f"'read_only_after_days' must be a whole number from 0 (never) to "
            f"{MAX_READ_ONLY_DAYS:,}.",
            field="read_only_after_days",
        )
    return days


@dataclass(frozen=True, slots=True)
class Thread:
    """The discussion under one page of one site; created by its first comment."""

    id: int
    site: str
    page: str
    title: str | None
    comment_count: int
    version: int = 0
    reactions: tuple[str, ...] = DEFAULT_REACTIONS  # its site's set (``Site.reactions``)
    settings: ThreadSettings = field(default_factory=ThreadSettings)
    created_at: datetime | None = None  # its first comment (or the earliest imported one)
    read_only_days: int = 0  # the site's read-only age; 0: never
    featured_count: int = 0  # published comments staff featured

    def read_only_from(self) -> datetime | None:
        """When the site's read-only age closes this thread (None: it never does)."""
        if not self.read_only_days or self.created_at is None:
            return None
        return self.created_at + timedelta(days=self.read_only_days)

    def is_closed(self, now: datetime) -> bool:
        """Closed by staff, or older than the site's read-only age."""
        until = self.read_only_from()
        return self.settings.closed or (until is not None and now >= until)


def validate_page(page: str) -> str:
    """A page is the article's path or the publisher's own identifier: 1-1,024 characters.

    An http(s) address stands for its path and query, as the widget sends by default
    and the importers store, so that a thread is one thread whichever way its page is given;
    only writes check that the address is the site's (``validate_site_page``)."""
    page = clean_text(page)
    if not page:
        raise ValidationError("The page identifier is empty.", field="page")
    if len(page) > MAX_PAGE_LENGTH:
        raise ValidationError(
            f"The page identifier is longer than {MAX_PAGE_LENGTH:,} characters.", field="page"
        )
    if WEB_ADDRESS.match(page):
        try:
            parts = urlsplit(page)
        except ValueError:  # e.g. an unclosed IPv6 bracket
            raise ValidationError("The page's address is malformed.", field="page") from None
        path = parts.path or "/"
        return f"{path}?{parts.query}" if parts.query else path
    return page


def validate_site_page(page: str, origins: Iterable[str]) -> str:
    """The page a reader comments on or subscribes to: a path on the site
    (``/2026/article``), or an http(s) address on one of the site's ``origins``, which becomes
    its path (and query). Anything else is refused: the page becomes a link in the site's mail
    and in the moderation queue, so ``javascript:`` or another site's address must not get in.
    """
    given = clean_text(page)
    if WEB_ADDRESS.match(given):
        try:
            parts = urlsplit(given)
            origin = normalize_origin(f"{parts.scheme}://{parts.netloc}")
        except (ValueError, ValidationError):  # a malformed host or port
            origin = None
        if origin is None or origin not in origins or "@" in parts.netloc:
            raise ValidationError(
                "The page's address is not on one of the site's origins; send its path.",
                field="page",
            )
    elif not given.startswith("/"):
        raise ValidationError(
            "The page must be a path on the site, such as '/2026/article', or an address on "
            "one of the site's origins.",
            field="page",
        )
    path = validate_page(given)
    if path.startswith("//") or "\\" in path:
        raise ValidationError(
            "The page must be a path on the site: it may not start with '//' or hold a '\\'.",
            field="page",
        )
    return path


def validate_title(title: str | None) -> str | None:
    """An optional page title, shortened rather than refused since readers cannot fix it."""
    if title is None:
        return None
    title = " ".join(clean_text(title).split())
    return title[:MAX_TITLE_LENGTH] or None


@dataclass(slots=True)
class CommentNode:
    """A comment placed for display: its replies and how many published replies lie below it."""

    comment: Comment
    level: int
    replies: list[CommentNode] = field(default_factory=list)
    reply_count: int = 0


def arrange_replies(
    root: Comment, replies: Iterable[Comment], *, max_depth: int = DEFAULT_MAX_DEPTH
) -> CommentNode | None:
    """Nest ``replies`` (published or deleted, any order) under ``root`` for display.

    Replies come oldest first. A reply deeper than ``max_depth`` joins the replies of its ancestor
    at the last level, keeping the conversation readable on narrow screens. A reply whose parent is
    not among ``replies`` (held or removed) hangs under the root rather than being lost. Deleted
    comments stay only as placeholders for published replies; the function returns None when the
    root itself has nothing left to show.
    """
    ordered = sorted(replies, key=lambda c: (c.created_at, c.id))
    if not ordered:  # most top-level comments: nothing to nest, nothing to prune
        return CommentNode(root, 0) if root.status is CommentStatus.PUBLISHED else None
    top = CommentNode(root, 0)
    known = {root.id, *(reply.id for reply in ordered)}
    children: dict[str, list[Comment]] = {}
    for reply in ordered:
        parent_id = reply.parent_id if reply.parent_id in known else root.id
        children.setdefault(parent_id or root.id, []).append(reply)
    # Walk from the root so every parent is placed before its replies, whatever the clocks of
    # the workers that wrote them said; an explicit stack keeps long reply chains off the
    # Python call stack.
    # Each node's container is noted here, not on the node: a link up would make every
    # arranged page a reference cycle, which only the collector's full passes free (pages are
    # kept and replaced by the hundred, and those passes stalled the event loop).
    stack = [top]
    above: dict[int, CommentNode] = {}
    while stack:
        parent = stack.pop()
        home = parent
        while home.level >= max_depth and (up := above.get(id(home))) is not None:
            home = up
        for reply in children.pop(parent.comment.id, ()):
            node = CommentNode(reply, home.level + 1)
            above[id(node)] = home
            home.replies.append(node)
            stack.append(node)
    for node in _walk(top):
        node.replies.sort(key=lambda child: (child.comment.created_at, child.comment.id))
    return top if _prune(top) else None


def _walk(top: CommentNode) -> list[CommentNode]:
    """Every node below and including ``top``."""
    found, stack = [], [top]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(node.replies)
    return found


def _prune(node: CommentNode) -> bool:
    """Drop deleted leaves bottom-up and count published replies; True if ``node`` stays."""
    node.replies = [child for child in node.replies if _prune(child)]
    node.reply_count = sum(
        child.reply_count + (child.comment.status is CommentStatus.PUBLISHED)
        for child in node.replies
    )
    if node.comment.status is CommentStatus.PUBLISHED:
        return True
    if node.comment.status is CommentStatus.DELETED and node.reply_count:
        node.comment = node.comment.as_placeholder()
        return True
    return False
