"""Request and response bodies of the public API, as msgspec structs.

The OpenAPI document is generated from these, so the constraints here are the documented ones;
the domain re-checks every rule so importers and the CLI obey the same limits.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from rostra.domain.anchors import MAX_CONTEXT_LENGTH, MAX_EXACT_LENGTH, MAX_OFFSET
from rostra.domain.comments import (
    MAX_BODY_LENGTH,
    MAX_EMAIL_LENGTH,
    MAX_IMAGES,
    MAX_NAME_LENGTH,
    MAX_URL_LENGTH,
)
from rostra.domain.threads import MAX_PAGE_LENGTH, MAX_TITLE_LENGTH

Page = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_PAGE_LENGTH)]
SiteName = Annotated[str, msgspec.Meta(min_length=1, max_length=63)]
Body = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_BODY_LENGTH)]
Offset = Annotated[int, msgspec.Meta(ge=0, le=MAX_OFFSET)]


class Error(msgspec.Struct):
    """What went wrong: a stable snake_case code, a sentence, and the field to blame."""

    code: str
    message: str
    field: str | None


class ErrorBody(msgspec.Struct):
    """Every error answer has this shape."""

    error: Error


class AnchorIn(msgspec.Struct, forbid_unknown_fields=True):
    """The passage an inline-feedback comment refers to."""

    exact: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_EXACT_LENGTH)]
    prefix: Annotated[str, msgspec.Meta(max_length=MAX_CONTEXT_LENGTH * 4)] = ""
    suffix: Annotated[str, msgspec.Meta(max_length=MAX_CONTEXT_LENGTH * 4)] = ""
    start: Offset | None = None
    end: Offset | None = None


class CommentIn(msgspec.Struct):
    """A new comment or reply."""

    site: SiteName
    page: Page
    body: Body
    author_name: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_NAME_LENGTH)]
    page_title: Annotated[str, msgspec.Meta(max_length=MAX_TITLE_LENGTH * 4)] | None = None
    parent_id: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    author_email: Annotated[str, msgspec.Meta(max_length=MAX_EMAIL_LENGTH)] | None = None
    author_url: Annotated[str, msgspec.Meta(max_length=MAX_URL_LENGTH)] | None = None
    anchor: AnchorIn | None = None
    notify: Literal["none", "replies", "all"] = "none"
    images: Annotated[list[str], msgspec.Meta(max_length=MAX_IMAGES)] = []
    website2: Annotated[str, msgspec.Meta(max_length=1000)] | None = None


class CommentEdit(msgspec.Struct, forbid_unknown_fields=True):
    """New text for an existing comment."""

    body: Body


class VoteIn(msgspec.Struct, forbid_unknown_fields=True):
    """Up (1), down (-1) or withdraw (0)."""

    value: Literal[1, -1, 0]


class CountsIn(msgspec.Struct, forbid_unknown_fields=True):
    """Pages of one site whose comment counts are wanted (at most 100)."""

    site: SiteName
    pages: Annotated[list[Page], msgspec.Meta(max_length=100)]


class PreviewIn(msgspec.Struct, forbid_unknown_fields=True):
    """Markdown to render without storing it."""

    body: Body


class Author(msgspec.Struct):
    """A comment's author as readers see them: no email, no IP."""

    name: str
    avatar: str | None
    is_staff: bool
    url: str | None = None


class AnchorOut(msgspec.Struct):
    """The passage an inline-feedback comment refers to."""

    exact: str
    prefix: str
    suffix: str
    start: int | None
    end: int | None


class CommentOut(msgspec.Struct):
    """A comment with its nested replies."""

    id: str
    parent_id: str | None
    author: Author
    body_html: str
    created_at: str
    edited_at: str | None
    status: str
    score: int
    upvotes: int
    downvotes: int
    my_vote: int
    reply_count: int
    replies: list[CommentOut]
    anchor: AnchorOut | None
    images: list[str]


class AuthoredCommentOut(CommentOut):
    """A comment as its author sees it after posting or editing: with the Markdown source,
    so an edit can start from what they wrote."""

    body: str = ""


class PostedCommentOut(AuthoredCommentOut):
    """A comment just posted, with the secret its author needs to edit or delete it."""

    edit_token: str = ""
    editable_until: str = ""


class ThreadOut(msgspec.Struct):
    """The thread a page of comments belongs to."""

    site: str
    page: str
    title: str | None
    comment_count: int


class ThreadPageOut(msgspec.Struct):
    """One page of a thread."""

    thread: ThreadOut
    comments: list[CommentOut]
    next_cursor: str | None


class TallyOut(msgspec.Struct):
    """A comment's votes after the caller's vote."""

    score: int
    upvotes: int
    downvotes: int
    my_vote: int


class CountsOut(msgspec.Struct):
    """Published comments per page."""

    counts: dict[str, int]


class PreviewOut(msgspec.Struct):
    """Sanitized HTML, exactly as the comment would show."""

    body_html: str


class HealthOut(msgspec.Struct):
    """The server and its database answer."""

    status: str
