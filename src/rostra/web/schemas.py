"""Request and response bodies of the public API, as msgspec structs.

The OpenAPI document is generated from these, so the constraints here are the documented ones;
the domain re-checks every rule so importers and the CLI obey the same limits.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from rostra.domain.anchors import MAX_CONTEXT_LENGTH, MAX_EXACT_LENGTH, MAX_OFFSET
from rostra.domain.comments import (
    MAX_BODY_LENGTH,
    MAX_EMAIL_LENGTH,
    MAX_IMAGES,
    MAX_NAME_LENGTH,
    MAX_URL_LENGTH,
)
from rostra.domain.images import MAX_ALT_LENGTH
from rostra.domain.reactions import MAX_REACTION_LENGTH
from rostra.domain.threads import MAX_PAGE_LENGTH, MAX_TITLE_LENGTH

Page = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_PAGE_LENGTH)]
SiteName = Annotated[str, msgspec.Meta(min_length=1, max_length=63)]
Body = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_BODY_LENGTH)]
Offset = Annotated[int, msgspec.Meta(ge=0, le=MAX_OFFSET)]


class Error(msgspec.Struct, omit_defaults=True):
    """What went wrong: a stable snake_case code, a sentence, and the field to blame."""

    code: str
    message: str
    field: str | None
    # 429 only: seconds until the reader may try again (also the Retry-After header).
    retry_after: int | None = None


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
    passage: Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | None = None


class ImageIn(msgspec.Struct, forbid_unknown_fields=True):
    """An uploaded image to show with a new comment."""

    id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    upload_token: Annotated[str, msgspec.Meta(max_length=128)] | None = None
    alt: Annotated[str, msgspec.Meta(max_length=MAX_ALT_LENGTH * 4)] | None = None


class ImageOut(msgspec.Struct):
    """An image shown with a comment: the display size (``url``) and its thumbnail."""

    id: str
    url: str
    thumbnail_url: str
    width: int
    height: int
    thumbnail_width: int
    thumbnail_height: int
    alt: str


class UploadedImageOut(msgspec.Struct):
    """A stored upload; ``upload_token`` must accompany its ``id`` in a comment's ``images``."""

    id: str
    url: str
    thumbnail_url: str
    width: int
    height: int
    upload_token: str
    expires_at: str


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
    # The widget's language: the mail a "Notify of" choice brings speaks it.
    lang: Annotated[str, msgspec.Meta(max_length=35)] | None = None
    images: Annotated[list[str | ImageIn], msgspec.Meta(max_length=MAX_IMAGES)] = []
    website2: Annotated[str, msgspec.Meta(max_length=1000)] | None = None
    # Milliseconds between opening the form and sending it (screening's minimum-time rule).
    elapsed_ms: Annotated[int, msgspec.Meta(ge=0)] | None = None


class CommentEdit(msgspec.Struct, forbid_unknown_fields=True):
    """New text for an existing comment."""

    body: Body


class VoteIn(msgspec.Struct, forbid_unknown_fields=True):
    """Up (1), down (-1) or withdraw (0)."""

    value: Literal[1, -1, 0]


class ReactionIn(msgspec.Struct, forbid_unknown_fields=True):
    """One of the site's reactions (``thread.reactions`` of a thread page), or null to take
    the caller's reaction back."""

    reaction: Annotated[str, msgspec.Meta(max_length=MAX_REACTION_LENGTH)] | None


class ReactionsOut(msgspec.Struct):
    """A comment's reaction counts, most chosen first, after the caller's reaction."""

    reactions: dict[str, int]
    my_reaction: str | None


class MentionableOut(msgspec.Struct):
    """Someone who wrote in the thread, by the name shown, and their latest comment there."""

    name: str
    comment_id: str


class MentionablesOut(msgspec.Struct):
    """The thread's authors a reader may mention, most recent first (no addresses)."""

    authors: list[MentionableOut]


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


class AnchorOut(msgspec.Struct, omit_defaults=True):
    """The passage an inline-feedback comment refers to (``passage`` only when it has one)."""

    exact: str
    prefix: str
    suffix: str
    start: int | None
    end: int | None
    passage: str | None = None


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
    images: list[ImageOut]
    pinned: bool = False  # staff pinned it first on the thread
    # Reaction counts, most chosen first, and the caller's own reaction.
    reactions: dict[str, int] = msgspec.field(default_factory=dict)
    my_reaction: str | None = None
    featured: bool = False  # an editor's pick: shown in the Featured tab, with a badge
    featured_note: str | None = None  # the editor's few words on the pick


class AuthoredCommentOut(CommentOut):
    """A comment as its author sees it after posting or editing: with the Markdown source,
    so an edit can start from what they wrote."""

    body: str = ""


class PostedCommentOut(AuthoredCommentOut):
    """A comment just posted, with the secret its author needs to edit or delete it."""

    edit_token: str = ""
    editable_until: str = ""


class ThreadSettingsOut(msgspec.Struct):
    """What the newsroom decided for this article (docs/editorial-controls.md)."""

    closed: bool  # no new comments or replies: by staff, or the site's read-only age
    premoderated: bool  # every new comment waits for a moderator
    images: bool  # readers may attach images
    slow_mode_minutes: int  # one comment per reader per this many minutes; 0: off
    message_html: str | None  # the newsroom's message above the thread, sanitized
    featured_count: int  # editor's picks: the Featured tab shows when there are any


class ThreadOut(msgspec.Struct, omit_defaults=True):
    """The thread a page of comments belongs to."""

    site: str
    page: str
    title: str | None
    comment_count: int
    # The reactions its site offers readers, in the order shown; left out: none.
    reactions: list[str] = msgspec.field(default_factory=list)
    # Left out while the article is like every other of its site and nothing is featured.
    settings: ThreadSettingsOut | None = None


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


class CheckOut(msgspec.Struct):
    """One dependency's readiness: ``ok`` or ``failed``, and what was found."""

    status: str
    detail: str


class ReadyOut(msgspec.Struct):
    """``ready`` or ``not_ready``, with each check (database, redis, migrations)."""

    status: str
    checks: dict[str, CheckOut]


class PassageOut(msgspec.Struct):
    """An anchored passage of a thread and the discussions started on it."""

    anchor: AnchorOut
    comment_ids: list[str]
    comment_count: int


class PassagesOut(msgspec.Struct):
    """Every anchored passage of a thread; ``version`` changes whenever the thread does."""

    site: str
    page: str
    version: int
    passages: list[PassageOut]


class PlacementsIn(msgspec.Struct, forbid_unknown_fields=True):
    """The article's text as it reads now, to re-anchor a thread's passages against."""

    site: SiteName
    page: Page
    text: Annotated[str, msgspec.Meta(max_length=60_000)]


class PlacedPassageOut(msgspec.Struct):
    """A passage and where it is in the given text: ``text[start:end]``, or orphaned (nulls)."""

    anchor: AnchorOut
    comment_ids: list[str]
    comment_count: int
    start: int | None
    end: int | None
    method: Literal["position", "quote", "fuzzy"] | None
    orphaned: Literal["not_found", "ambiguous"] | None


class PlacementsOut(msgspec.Struct):
    """Every anchored passage of a thread, placed in the given text."""

    placements: list[PlacedPassageOut]


# Staff sign-in and the moderation API.


class StaffSignInIn(msgspec.Struct, forbid_unknown_fields=True):
    """Email and password; ``totp`` when the account has a second factor."""

    email: Annotated[str, msgspec.Meta(max_length=254)]
    password: Annotated[str, msgspec.Meta(max_length=1024)]
    totp: Annotated[str, msgspec.Meta(max_length=16)] | None = None


class StaffUserOut(msgspec.Struct):
    """A staff account as the API shows it."""

    email: str
    role: str
    has_totp: bool


class StaffSessionOut(msgspec.Struct):
    """The signed-in staff member and the CSRF token to send as ``X-CSRF-Token``."""

    user: StaffUserOut
    csrf_token: str


class ThreadIn(msgspec.Struct, forbid_unknown_fields=True):
    """An article of a site: its path, its address on the site, or its thread's id."""

    site: SiteName
    page: Annotated[str, msgspec.Meta(min_length=1, max_length=2048)]


class ThreadSettingsIn(msgspec.Struct, forbid_unknown_fields=True):
    """Changes to one article's settings; a field left out stays as it is."""

    closed: bool | None = None
    premoderated: bool | None = None
    images: bool | None = None
    slow_mode_minutes: int | None = None  # 0 turns slow mode off; at most 1,440
    message: str | None = None  # Markdown, up to 2,000 characters; "" removes it
    reason: Annotated[str, msgspec.Meta(max_length=500)] | None = None  # for the audit log


class StaffThreadOut(msgspec.Struct):
    """One article's thread and its settings, as staff see them."""

    id: int
    site: str
    page: str
    title: str | None
    comment_count: int
    closed: bool  # taking no comments now: closed by staff or by the read-only age
    closed_by_staff: bool
    read_only_from: str | None  # when the site's read-only age closes it (None: never)
    premoderated: bool
    images: bool
    slow_mode_minutes: int
    message: str  # the Markdown source
    message_html: str | None
    featured_count: int


class FeatureIn(msgspec.Struct, forbid_unknown_fields=True):
    """An editor's pick and its optional note (up to 500 characters, shown with it)."""

    note: str | None = None


class ModerationNoteIn(msgspec.Struct, forbid_unknown_fields=True):
    """Why staff decided (optional, kept in the audit log)."""

    reason: Annotated[str, msgspec.Meta(max_length=500)] | None = None


class LearnIn(msgspec.Struct, forbid_unknown_fields=True):
    """What the semantic screen should learn a comment is an example of."""

    category: Annotated[str, msgspec.Meta(max_length=32)]


class LearnOut(msgspec.Struct):
    """The stored exemplar's category, and whether the running screen learns from it now
    (false with the ``profanity`` model: it waits in the database for the semantic stage)."""

    category: str
    screen_learned: bool


class BanIn(msgspec.Struct, forbid_unknown_fields=True):
    """Ban a comment's author by email digest and/or IP digest, for ``days`` or for good."""

    by: list[Literal["email", "ip"]]
    days: int | None = None
    reason: Annotated[str, msgspec.Meta(max_length=500)] | None = None


class BulkIn(msgspec.Struct, forbid_unknown_fields=True):
    """One decision for up to 100 comments."""

    action: Literal["approve", "reject", "spam"]
    ids: Annotated[list[str], msgspec.Meta(min_length=1, max_length=100)]
    reason: Annotated[str, msgspec.Meta(max_length=500)] | None = None


class BulkOut(msgspec.Struct):
    """Ids done, and ids that failed with why."""

    done: list[str]
    failed: dict[str, str]


class QueueItemOut(msgspec.Struct):
    """A comment waiting for staff, with where it is and why it waits."""

    comment: CommentOut
    site: str
    page: str
    report_count: int
    report_reasons: list[str]
    # Reports per category (spam, abuse, off_topic, misinformation, other), for those that gave one.
    report_categories: dict[str, int] = msgspec.field(default_factory=dict)


class QueueOut(msgspec.Struct):
    """A page of the moderation queue."""

    items: list[QueueItemOut]
    next_offset: int | None


class BanOut(msgspec.Struct):
    """A ban in force (the value is a digest, never an address)."""

    id: int
    kind: str
    reason: str
    created_at: str
    expires_at: str | None
    created_by: str


class BansOut(msgspec.Struct):
    """Bans in force."""

    bans: list[BanOut]


class AuditEntryOut(msgspec.Struct):
    """Who did what, to what, when and why."""

    id: int
    actor: str
    action: str
    target: str
    reason: str
    created_at: str


class AuditOut(msgspec.Struct):
    """A page of the audit log, newest first."""

    entries: list[AuditEntryOut]
    next_offset: int | None


class ModerationSettingsIO(msgspec.Struct, forbid_unknown_fields=True):
    """A site's moderation settings, as admins read and replace them."""

    mode: Literal["post", "pre", "pre_first_time"] = "post"
    hold_threshold: float = 0.5
    reject_threshold: float = 0.9
    banned_words: list[Annotated[str, msgspec.Meta(max_length=100)]] = []
    watched_words: list[Annotated[str, msgspec.Meta(max_length=100)]] = []
    max_links: int = 3
    min_seconds_to_submit: int = 3
    report_threshold: int = 3
    # A screen category's own hold threshold, e.g. {"spam": 0.8}; others use hold_threshold.
    category_holds: dict[str, Any] = {}  # checked by the domain, which names the field
    # Threads take no new comments this many days after their first comment; 0: never.
    read_only_after_days: int = 0
    # Mode pre_first_time: approved comments (since the last rejection) that earn trust, and
    # the days without a rejection it also needs.
    trust_approved: int = 1
    trust_clean_days: int = 30


class ReportIn(msgspec.Struct, forbid_unknown_fields=True):
    """A reader's report of a comment: what it is (``category``) and a note; both optional."""

    reason: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    category: Literal["spam", "abuse", "off_topic", "misinformation", "other"] | None = None


class ReportOut(msgspec.Struct):
    """The report was recorded (or this reader had reported the comment already)."""

    reported: bool


# "Notify of" subscriptions.
class SubscriptionIn(msgspec.Struct, forbid_unknown_fields=True):
    """A reader asks to be emailed: new comments on a page (``all``) or replies to their own
    comments on the site (``replies``)."""

    site: str
    page: str
    email: str
    kind: Literal["all", "replies"]
    # The widget's language (de, fr, pt-BR …): the confirmation mail and later ones speak it.
    lang: Annotated[str, msgspec.Meta(max_length=35)] | None = None


class SubscriptionAcceptedOut(msgspec.Struct):
    """Always ``pending``: a confirmation email goes to the address (the same answer for a new,
    pending or confirmed subscription, so nobody learns who subscribes)."""

    status: str


class NotificationSettingsOut(msgspec.Struct):
    """Whether this server can send notifications (the widget shows "Notify of" only then)."""

    enabled: bool
    kinds: list[str]


# Reader accounts, single sign-on and personal data.
class SsoSignInIn(msgspec.Struct, forbid_unknown_fields=True):
    """The publisher's signed token for one reader, and the site it was made for."""

    site: str
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=8192)]


class OidcRedeemIn(msgspec.Struct, forbid_unknown_fields=True):
    """The hand-off token the sign-in popup posted to the widget (OIDC)."""

    site: Annotated[str, msgspec.Meta(max_length=64)]
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]


class OidcProviderOut(msgspec.Struct):
    """A site's OpenID Connect provider: the button's name and the popup's URL (relative)."""

    name: str
    start_url: str


class OidcSiteOut(msgspec.Struct):
    """The site's provider, or null when it has none."""

    provider: OidcProviderOut | None


class ReaderOut(msgspec.Struct):
    """The signed-in reader's own account (``email`` is shown to the reader only)."""

    id: str
    site: str
    name: str
    avatar: str | None
    email: str | None
    sign_in: str


class ReaderSessionOut(msgspec.Struct):
    """The signed-in reader and the CSRF token to send as ``X-CSRF-Token`` with every
    state-changing request."""

    reader: ReaderOut
    csrf_token: str
    expires_at: str


class ReaderCommentOut(msgspec.Struct):
    """One of the reader's comments, in their history."""

    id: str
    site: str
    page: str
    parent_id: str | None
    status: str
    body: str
    created_at: str
    edited_at: str | None


class ReaderHistoryOut(msgspec.Struct):
    """A page of the reader's comments, newest first; ``next_before`` continues the list."""

    comments: list[ReaderCommentOut]
    next_before: str | None


class ClaimedOut(msgspec.Struct):
    """How many guest comments with the account's address now belong to the account."""

    claimed: int


class ForgottenOut(msgspec.Struct):
    """What deleting the account did."""

    comments_removed: int
    comments_anonymized: int
    votes_unlinked: int
    subscriptions_deleted: int


# Reader support. Money is always a decimal string in the campaign's currency.
class CampaignOut(msgspec.Struct):
    """A site's current campaign: the goal bar, the buttons, and where to give."""

    goal: str
    currency: str
    raised: str
    milestones: list[str]
    preset_amounts: list[str]
    donate_url: str
    id: str
    title: str
    site_title: str
    thank_you: str
    accepting: bool
    starts_at: str | None
    ends_at: str | None
    donor_count: int
    public_donors: list[str]
    events_url: str


class CheckoutIn(msgspec.Struct, forbid_unknown_fields=True):
    """One donation: a decimal string in the campaign's currency (``"25.00"``), never a number."""

    amount: str
    currency: str | None = None
    donor_name: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    return_url: Annotated[str, msgspec.Meta(max_length=MAX_URL_LENGTH)] | None = None


class CheckoutOut(msgspec.Struct):
    """Where to send the reader to pay (the provider's hosted checkout page)."""

    id: str
    url: str


class WebhookOut(msgspec.Struct):
    """What a verified webhook did: ``applied``, ``duplicate`` (seen before) or ``ignored``."""

    outcome: str


class EmailLinkIn(msgspec.Struct, forbid_unknown_fields=True):
    """Ask for a sign-in link by email; ``page_url`` is the article the link leads back to."""

    site: str
    email: Annotated[str, msgspec.Meta(max_length=MAX_EMAIL_LENGTH)]
    name: Annotated[str, msgspec.Meta(max_length=MAX_NAME_LENGTH * 2)]
    page_url: Annotated[str, msgspec.Meta(max_length=2048)]
    # The widget's language: the mail with the link speaks it.
    lang: Annotated[str, msgspec.Meta(max_length=35)] | None = None


class EmailLinkSentOut(msgspec.Struct):
    """Always ``sent``: the same answer for every address."""

    status: str


# Deciding with context: an author's record on a site, and staff notes on readers.
class AuthoredCommentSummaryOut(msgspec.Struct):
    """One of the author's comments, as the history lists it (the text's start)."""

    id: str
    page: str
    excerpt: str
    status: str
    created_at: str


class PastDecisionOut(msgspec.Struct):
    """A staff decision on one of the author's comments."""

    comment_id: str
    verdict: str
    reason: str
    actor: str
    created_at: str


class ReaderNoteIn(msgspec.Struct, forbid_unknown_fields=True):
    """A note on a comment's author, for all staff."""

    body: str


class ReaderNoteOut(msgspec.Struct):
    """A staff member's note on a reader."""

    id: int
    body: str
    created_by: str
    created_at: str


class TrustOut(msgspec.Struct):
    """Whether the author skips first-time review (mode pre_first_time), and why."""

    trusted: bool
    approved_since_rejection: int
    needed: int
    last_rejection: str | None
    clean_days: int


class HistoryBanOut(msgspec.Struct):
    """A ban on the author's email or address digest, in force or expired."""

    id: int
    kind: str
    reason: str
    created_at: str
    expires_at: str | None
    created_by: str
    in_force: bool


class AuthorHistoryOut(msgspec.Struct):
    """A comment author's record on its site: counts by status, account age (``first_seen``:
    the account's creation, else the first comment), latest comments, staff decisions, bans,
    notes and trust. ``identified_by`` says what ties the comments together: ``account``,
    ``email`` or ``address`` (a digest of the network address; never shown)."""

    site: str
    author_name: str
    identified_by: str
    counts: dict[str, int]
    first_seen: str | None
    comments: list[AuthoredCommentSummaryOut]
    decisions: list[PastDecisionOut]
    bans: list[HistoryBanOut]
    notes: list[ReaderNoteOut]
    trust: TrustOut


# EU Digital Services Act, Art. 16 notice and action.
class NoticeIn(msgspec.Struct, forbid_unknown_fields=True):
    """A notice that a comment is illegal. ``category`` is one of illegal_hate_speech,
    defamation, privacy_violation, terrorist_content, child_sexual_abuse_material,
    intellectual_property, scam_fraud, other; ``good_faith`` must be true."""

    comment_id: str | None = None
    category: str | None = None
    explanation: str | None = None
    name: str | None = None
    email: str | None = None
    good_faith: bool = False


class NoticeReceivedOut(msgspec.Struct):
    """The acknowledgement: the notice's reference; ``mailed`` when a copy goes by email."""

    reference: str
    status: str
    mailed: bool
    message: str


class NoticeOut(msgspec.Struct):
    """A notice as staff see it."""

    id: str
    site: str
    comment_id: str
    comment_body: str
    category: str
    category_label: str
    explanation: str
    notifier_name: str
    notifier_email: str
    status: str
    decision_reason: str
    decided_by: str | None
    decided_at: str | None
    created_at: str


class NoticesOut(msgspec.Struct):
    """Notices, oldest first."""

    notices: list[NoticeOut]
    next_offset: int | None


class NoticeDecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    """Remove the comment or keep it, with the reasons the notifier is sent."""

    action: Literal["remove", "keep"]
    reason: str


class AppealIn(msgspec.Struct, forbid_unknown_fields=True):
    """An author's appeal against a removal: the token from the statement-of-reasons mail
    and why the decision is wrong (10 to 5,000 characters)."""

    token: str | None = None
    explanation: str | None = None


class AppealOut(msgspec.Struct):
    """A statement of reasons with the author's appeal, as staff see it."""

    id: str
    site: str
    comment_id: str
    decision: str
    ground: str
    comment_excerpt: str
    notice_id: str | None
    automated: bool
    decided_by: str
    created_at: str
    appeal_text: str | None
    appeal_status: str | None
    appealed_at: str | None
    appeal_reason: str | None
    appeal_decided_by: str | None
    appeal_decided_at: str | None


class AppealsOut(msgspec.Struct):
    """Appeals, oldest first."""

    appeals: list[AppealOut]
    next_offset: int | None


class AppealDecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    """Uphold the removal or reverse it (publish the comment again), with the reasons the
    author is sent."""

    action: Literal["uphold", "reverse"]
    reason: str


# Webhooks: endpoints a site registers and their deliveries (docs/integrations.md).
class WebhookIn(msgspec.Struct, forbid_unknown_fields=True):
    """An endpoint to register: an https URL and the events it wants."""

    url: str
    events: list[str]
    description: str = ""


class WebhookEndpointOut(msgspec.Struct):
    """A registered endpoint (its secret is never shown again after creation)."""

    id: str
    site: str
    url: str
    events: list[str]
    description: str
    created: str


class WebhookCreatedOut(msgspec.Struct):
    """The new endpoint and its signing secret: keep the secret now, it is shown once."""

    endpoint: WebhookEndpointOut
    secret: str


class WebhooksOut(msgspec.Struct):
    endpoints: list[WebhookEndpointOut]


class WebhookDeliveryOut(msgspec.Struct):
    """One event sent (or on its way) to one endpoint."""

    id: int
    endpoint_id: str
    url: str
    event_id: str
    event_type: str
    status: Literal["pending", "sent", "failed", "cancelled"]
    attempts: int
    response_code: int | None
    last_error: str | None
    created: str
    next_attempt: str | None
    sent: str | None


class WebhookDeliveriesOut(msgspec.Struct):
    deliveries: list[WebhookDeliveryOut]


class WebhookQueuedOut(msgspec.Struct):
    """A delivery was queued; the outbox worker sends it within seconds."""

    delivery_id: int


class ChatAlertsIO(msgspec.Struct, forbid_unknown_fields=True):
    """A site's staff alerts. In: where to send (secrets write-only) and when; a threshold of
    0 turns that alert off. Out: ``slack`` says whether a Slack hook is set."""

    slack_url: str | None = None
    matrix_homeserver: str | None = None
    matrix_room: str | None = None
    matrix_token: str | None = None
    queue_threshold: int = 0
    report_threshold: int = 0


class ChatAlertsOut(msgspec.Struct):
    slack: bool
    matrix_homeserver: str | None
    matrix_room: str | None
    queue_threshold: int
    report_threshold: int


class LatestCommentOut(msgspec.Struct):
    """One comment of a site's "latest comments" element: plain text only."""

    id: str
    author: str
    excerpt: str
    url: str | None
    page: str
    page_title: str | None
    created_at: str


class LatestOut(msgspec.Struct):
    comments: list[LatestCommentOut]
