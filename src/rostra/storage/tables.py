"""The schema, in SQLAlchemy Core. Changes here need an Alembic revision in ``migrations/``.

Times are integer microseconds since the epoch: one type that sorts and compares the same on
SQLite and PostgreSQL, and is cheap to index.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def _present(column: str) -> dict[str, Any]:
    """A partial index's condition, the same on both databases: rows where ``column`` is set."""
    condition = sa.text(f"{column} IS NOT NULL")
    return {"sqlite_where": condition, "postgresql_where": condition}


metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

instance = sa.Table(
    "instance",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

sites = sa.Table(
    "sites",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(63), nullable=False, unique=True),
    sa.Column("title", sa.String(300), nullable=False, server_default=""),
    sa.Column("origins", sa.JSON, nullable=False),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    # ModerationSettings as a JSON object; NULL means the defaults.
    sa.Column("moderation", sa.JSON, nullable=True),
    # The reactions readers choose from (migration 0021): NULL the default set, [] none.
    sa.Column("reactions", sa.JSON, nullable=True),
)

threads = sa.Table(
    "threads",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    sa.Column("page", sa.String(1024), nullable=False),
    sa.Column("title", sa.String(300)),
    sa.Column("comment_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    # The sequence of the thread's latest event: cached pages are valid while it is unchanged.
    sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
    # Per-article settings (migration 0019), ThreadSettings as JSON; NULL means the defaults.
    sa.Column("settings", sa.JSON, nullable=True),
    sa.UniqueConstraint("site_id", "page"),
)

comments = sa.Table(
    "comments",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    # Checked at commit (migration 0013): a post takes its thread's row lock last, after its
    # insert, and must not hold the key-share lock an immediate check would take before it.
    sa.Column(
        "thread_id",
        sa.Integer,
        sa.ForeignKey("threads.id", ondelete="CASCADE", deferrable=True, initially="DEFERRED"),
        nullable=False,
    ),
    sa.Column("parent_id", sa.String(32), sa.ForeignKey("comments.id"), nullable=True),
    sa.Column("root_id", sa.String(32), sa.ForeignKey("comments.id"), nullable=True),
    sa.Column("depth", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("author_name", sa.String(100), nullable=False),
    sa.Column("author_email_hash", sa.String(64)),
    sa.Column("author_url", sa.String(2048)),
    sa.Column("author_is_staff", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("body_html", sa.Text, nullable=False),
    sa.Column("anchor", sa.JSON),
    sa.Column("is_anchored", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Column("edited_us", sa.BigInteger),
    sa.Column("upvotes", sa.Integer, nullable=False, server_default="0"),
    sa.Column("downvotes", sa.Integer, nullable=False, server_default="0"),
    sa.Column("score", sa.Integer, nullable=False, server_default="0"),
    # Reaction counts ({reaction: n}, NULL when none) and their sum, kept like the vote counts.
    sa.Column("reaction_counts", sa.JSON),
    sa.Column("reaction_total", sa.Integer, nullable=False, server_default="0"),
    # The comments whose authors this one mentions (@Name), oldest mention first; NULL: none.
    sa.Column("mentions", sa.JSON),
    sa.Column("descendant_count", sa.Integer, nullable=False, server_default="0"),
    # Staff pin a few top-level comments: shown first on a thread's first page.
    sa.Column("pinned", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("ip_hash", sa.String(64)),
    sa.Column("edit_token_hash", sa.String(64)),
    # Migration 0010: the signed-in reader who wrote it and their picture. No foreign
    # key: adding one makes SQLite rebuild the whole comments table; forgetting a reader clears
    # the column explicitly (services/accounts.py).
    sa.Column("reader_id", sa.String(32)),
    sa.Column("author_avatar", sa.String(2048)),
    # Editor's picks (migration 0019): when staff featured it, and their note.
    sa.Column("featured_us", sa.BigInteger),
    sa.Column("featured_note", sa.String(500)),
    # Migration 0018: a keyed digest of the poster's voter identity; nobody votes on their own.
    sa.Column("author_voter", sa.String(64)),
    # A thread page reads its top-level comments (depth 0) through one of these, in the order of
    # the sort tab, so reading a page costs the page, not the thread. The equality on depth (not
    # "root_id IS NULL") lets PostgreSQL read the index in order instead of sorting the thread.
    sa.Index("ix_comments_roots_by_time", "thread_id", "depth", "created_us", "id"),
    sa.Index("ix_comments_roots_by_score", "thread_id", "depth", "score", "created_us", "id"),
    sa.Index(
        "ix_comments_roots_by_reactions", "thread_id", "depth", "reaction_total", "created_us", "id"
    ),
    # Feeds (migration 0022): a site's latest published comments, newest first.
    sa.Index("ix_comments_status_created_us", "status", "created_us"),
    # The (at most three) pinned comments that lead a first page (migration 0015): without it,
    # finding them walked every top-level comment of the thread, so a first page built afresh
    # cost the thread's size (0.7 s at 1,000,000 comments) rather than the page's.
    sa.Index(
        "ix_comments_pinned_roots",
        "thread_id",
        "depth",
        "created_us",
        "id",
        sqlite_where=sa.text("pinned = 1"),
        postgresql_where=sa.text("pinned = true"),
    ),
    # Indexes searched only by a value leave out the rows without one (migration 0014): most
    # comments are top-level, by guests, without an email, and each entry costs every post.
    sa.Index("ix_comments_featured", "thread_id", "featured_us", **_present("featured_us")),
    sa.Index("ix_comments_replies", "root_id", "created_us", "id", **_present("root_id")),
    sa.Index("ix_comments_parent_id", "parent_id", **_present("parent_id")),
    # Screening reads an author's recent comments, by email hash or else by IP hash, on every
    # post: with the time in the index, only the recent ones.
    sa.Index(
        "ix_comments_author_email_hash",
        "author_email_hash",
        "created_us",
        **_present("author_email_hash"),
    ),
    sa.Index("ix_comments_ip_hash", "ip_hash", "created_us"),
    sa.Index("ix_comments_reader_id", "reader_id", "created_us", **_present("reader_id")),
)

votes = sa.Table(
    "votes",
    metadata,
    sa.Column(
        "comment_id",
        sa.String(32),
        sa.ForeignKey("comments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("voter", sa.String(80), primary_key=True),
    sa.Column("value", sa.SmallInteger, nullable=False),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Index("ix_votes_voter", "voter"),
)

reactions = sa.Table(
    "reactions",
    metadata,
    sa.Column(
        "comment_id",
        sa.String(32),
        sa.ForeignKey("comments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("voter", sa.String(80), primary_key=True),
    sa.Column("reaction", sa.String(32), nullable=False),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Index("ix_reactions_voter", "voter"),
)

thread_events = sa.Table(
    "thread_events",
    metadata,
    # BIGINT on PostgreSQL; SQLite autoincrements only an INTEGER PRIMARY KEY (64-bit anyway).
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column(
        "thread_id", sa.Integer, sa.ForeignKey("threads.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("name", sa.String(32), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Index("ix_thread_events_thread_id_id", "thread_id", "id"),
    sa.Index("ix_thread_events_created_us", "created_us"),
)

# Staff accounts, sessions, bans, reader reports and the audit log (migration 0007).
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("totp_secret", sa.String(64)),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
)

staff_sessions = sa.Table(
    "staff_sessions",
    metadata,
    # The digest of the session id; the id itself lives only in the signed cookie.
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Column("expires_us", sa.BigInteger, nullable=False),
    sa.Index("ix_staff_sessions_user_id", "user_id"),
)

bans = sa.Table(
    "bans",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("value", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("created_by", sa.String(254), nullable=False),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Column("expires_us", sa.BigInteger),
    sa.Index("ix_bans_kind_value", "kind", "value"),
)

comment_reports = sa.Table(
    "comment_reports",
    metadata,
    sa.Column(
        "comment_id",
        sa.String(32),
        sa.ForeignKey("comments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("reporter", sa.String(80), primary_key=True),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    # Migration 0018: one of domain.moderation.REPORT_CATEGORIES; None for older reports.
    sa.Column("category", sa.String(20)),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("actor", sa.String(254), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("target", sa.String(254), nullable=False, server_default=""),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Index("ix_audit_log_created_us", "created_us"),
)

# "Notify of" subscriptions and the mail outbox.
subscriptions = sa.Table(
    "subscriptions",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    # The page followed (kind "all") or subscribed from (kind "replies": every page of the site).
    sa.Column("page", sa.String(1024), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    # "" for "replies", the page for "all": one subscription per address, kind and scope.
    sa.Column("scope", sa.String(1024), nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("email_hash", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Column("confirmed_us", sa.BigInteger),
    # Batching: the next "new comments" mail of this subscription may not leave before this time.
    sa.Column("next_digest_us", sa.BigInteger, nullable=False, server_default="0"),
    # Migration 0018: the widget's language when the reader subscribed; their mail speaks it.
    sa.Column("lang", sa.String(8), nullable=False, server_default=""),
    sa.UniqueConstraint("site_id", "email_hash", "kind", "scope"),
    sa.Index("ix_subscriptions_site_id_kind_scope", "site_id", "kind", "scope"),
    sa.Index("ix_subscriptions_email_hash", "email_hash"),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("recipient", sa.String(320), nullable=False),
    sa.Column(
        "subscription_id",
        sa.String(32),
        sa.ForeignKey("subscriptions.id", ondelete="SET NULL"),
        nullable=True,
    ),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("available_us", sa.BigInteger, nullable=False),
    sa.Column("lease_until_us", sa.BigInteger),
    sa.Column("leased_by", sa.String(64)),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Column("sent_us", sa.BigInteger),
    sa.Column("last_error", sa.Text),
    # Webhook deliveries (migration 0022): the HTTP status of the latest try, None without one.
    sa.Column("response_code", sa.Integer),
    sa.Index("ix_outbox_status_available_us", "status", "available_us"),
    sa.Index("ix_outbox_subscription_id", "subscription_id"),
    # A webhook endpoint's deliveries, newest first (recipient is the endpoint's id).
    sa.Index("ix_outbox_kind_recipient", "kind", "recipient"),
)

# Chat alerts to staff (migration 0022): one row per site; secrets inside are sealed.
chat_alerts = sa.Table(
    "chat_alerts",
    metadata,
    sa.Column(
        "site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("settings", sa.JSON, nullable=False),
    sa.Column("updated_us", sa.BigInteger, nullable=False),
)

# Webhook endpoints (migration 0022); their deliveries are outbox rows of kind "webhook".
webhook_endpoints = sa.Table(
    "webhook_endpoints",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("events", sa.JSON, nullable=False),
    sa.Column("description", sa.String(200), nullable=False, server_default=""),
    # The signing secret, Fernet-encrypted under a key derived from the instance secret.
    sa.Column("secret", sa.Text, nullable=False),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Index("ix_webhook_endpoints_site_id", "site_id"),
)

# Uploaded images. ``comment_id`` is NULL until a comment claims the upload; unclaimed
# rows older than a day are orphans and get cleaned with their files.
images = sa.Table(
    "images",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column(
        "comment_id", sa.String(32), sa.ForeignKey("comments.id", ondelete="CASCADE"), nullable=True
    ),
    sa.Column("position", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("width", sa.Integer, nullable=False),
    sa.Column("height", sa.Integer, nullable=False),
    sa.Column("thumbnail_width", sa.Integer, nullable=False),
    sa.Column("thumbnail_height", sa.Integer, nullable=False),
    sa.Column("byte_size", sa.Integer, nullable=False),
    sa.Column("alt", sa.String(300), nullable=False, server_default=""),
    sa.Column("upload_token_hash", sa.String(64), nullable=False),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Index("ix_images_comment_id", "comment_id", "position"),
    sa.Index("ix_images_created_us", "created_us"),
)

# Which comment each imported source record became, so importing twice adds nothing. Keyed by
# the thread as well as the source's id: exports merged from two blogs number comments anew in
# each, and two comments "11" on different pages are different comments.
import_sources = sa.Table(
    "import_sources",
    metadata,
    sa.Column(
        "thread_id", sa.Integer, sa.ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("source", sa.String(16), primary_key=True),
    sa.Column("source_id", sa.String(255), primary_key=True),
    sa.Column(
        "comment_id",
        sa.String(32),
        sa.ForeignKey("comments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("imported_us", sa.BigInteger, nullable=False),
    sa.Index("ix_import_sources_comment_id", "comment_id"),
)

# Every screening or staff decision on a comment, with the reasons staff see.
moderation_decisions = sa.Table(
    "moderation_decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "comment_id",
        sa.String(32),
        sa.ForeignKey("comments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("verdict", sa.String(16), nullable=False),
    sa.Column("reasons", sa.JSON, nullable=False),
    sa.Column("actor", sa.String(100), nullable=True),  # NULL: the automatic screen
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Index("ix_moderation_decisions_comment_id", "comment_id", "id"),
)

# Comments staff picked as examples of a category for the semantic screen ("learn").
screening_exemplars = sa.Table(
    "screening_exemplars",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column(
        "added_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    ),
    sa.Column("created_us", sa.BigInteger, nullable=False),
)

# Reader support (migration 0009): campaigns, the donation ledger, and every payment
# provider event seen, so a replayed webhook counts once.
campaigns = sa.Table(
    "campaigns",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    sa.Column("title", sa.String(200), nullable=False, server_default=""),
    # Money in the currency's minor units (cents); never floats.
    sa.Column("goal_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("milestones", sa.JSON, nullable=False),
    sa.Column("preset_amounts", sa.JSON, nullable=False),
    sa.Column("starts_us", sa.BigInteger, nullable=True),
    sa.Column("ends_us", sa.BigInteger, nullable=True),
    sa.Column("thank_you", sa.Text, nullable=False, server_default=""),
    sa.Column("created_by", sa.String(254), nullable=False, server_default=""),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Column("updated_us", sa.BigInteger, nullable=False),
    sa.Index("ix_campaigns_site_id_created_us", "site_id", "created_us"),
)

donations = sa.Table(
    "donations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # NULL while only a refund of an unseen payment has arrived (events out of order).
    sa.Column(
        "campaign_id",
        sa.String(32),
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"),
        nullable=True,
    ),
    sa.Column("provider", sa.String(32), nullable=False),
    # The provider's payment id (a Stripe PaymentIntent), or a generated id for manual entries.
    sa.Column("reference", sa.String(255), nullable=False),
    sa.Column("currency", sa.String(3), nullable=True),
    sa.Column("amount_minor", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("refunded_minor", sa.BigInteger, nullable=False, server_default="0"),
    # Counted towards the goal only once the payment is complete.
    sa.Column("completed_us", sa.BigInteger, nullable=True),
    # Only when the donor opted in to being named.
    sa.Column("donor_name", sa.String(100), nullable=True),
    # The staff member who entered a manual donation (bank transfer); NULL for provider payments.
    sa.Column("entered_by", sa.String(254), nullable=True),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Column("updated_us", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("provider", "reference"),
    sa.Index("ix_donations_campaign_id_completed_us", "campaign_id", "completed_us"),
)

payment_events = sa.Table(
    "payment_events",
    metadata,
    sa.Column("provider", sa.String(32), primary_key=True),
    sa.Column("event_id", sa.String(255), primary_key=True),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("reference", sa.String(255), nullable=True),
    # "applied" or "ignored" (an event type or payment that is not ours).
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("received_us", sa.BigInteger, nullable=False),
    sa.Index("ix_payment_events_received_us", "received_us"),
)

# Reader accounts (migration 0010): per-site sign-in settings, the accounts, their
# sessions, and the single sign-on token ids already used (replay protection until expiry).
site_accounts = sa.Table(
    "site_accounts",
    metadata,
    sa.Column(
        "site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("sso_algorithm", sa.String(8)),
    # HS256: the shared secret, encrypted under the instance key; RS256/ES256: the PEM public key.
    sa.Column("sso_key", sa.Text),
    sa.Column("deletion_policy", sa.String(16), nullable=False, server_default="anonymize"),
    # Passwordless sign-in links by email, for sites without accounts of their own.
    sa.Column("email_sign_in", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("updated_us", sa.BigInteger, nullable=False),
    # Migration 0012: OIDC sign-in; the client secret is encrypted like the HS256 secret.
    sa.Column("oidc_issuer", sa.String(2048)),
    sa.Column("oidc_client_id", sa.String(255)),
    sa.Column("oidc_client_secret", sa.Text),
    sa.Column("oidc_name", sa.String(64)),
)

readers = sa.Table(
    "readers",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    sa.Column("method", sa.String(16), nullable=False),
    # SSO: the publisher's id of the reader; email sign-in: the address's digest.
    sa.Column("subject", sa.String(255), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("email", sa.String(320)),
    sa.Column("email_hash", sa.String(64)),
    sa.Column("avatar_url", sa.String(2048)),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Column("last_seen_us", sa.BigInteger, nullable=False),
    # Migration 0012: the name of an uploaded picture under /media/ (shown instead of avatar_url).
    sa.Column("avatar_image", sa.String(64)),
    sa.UniqueConstraint("site_id", "method", "subject"),
    sa.Index("ix_readers_email_hash", "email_hash"),
)

reader_sessions = sa.Table(
    "reader_sessions",
    metadata,
    # The digest of the session id; the id itself lives only in the signed cookie.
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column(
        "reader_id", sa.String(32), sa.ForeignKey("readers.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Column("expires_us", sa.BigInteger, nullable=False),
    sa.Index("ix_reader_sessions_reader_id", "reader_id"),
    sa.Index("ix_reader_sessions_expires_us", "expires_us"),
)

used_tokens = sa.Table(
    "used_tokens",
    metadata,
    # The digest of (site, jti) of a single sign-on token, or of a single-use email link.
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("expires_us", sa.BigInteger, nullable=False),
    sa.Index("ix_used_tokens_expires_us", "expires_us"),
)

# Migration 0012: which OIDC identity (issuer, sub) opens which account. ``id`` is a keyed
# digest of (site, issuer, sub), so the lookup needs no index on the long issuer.
reader_identities = sa.Table(
    "reader_identities",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column(
        "reader_id", sa.String(32), sa.ForeignKey("readers.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("issuer", sa.String(2048), nullable=False),
    sa.Column("subject", sa.String(255), nullable=False),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Index("ix_reader_identities_reader_id", "reader_id"),
)

# Migration 0012: an OIDC login between the redirect to the provider and its callback, by the
# digest of its ``state``; taken (deleted) by the callback, so a state works once.
oidc_logins = sa.Table(
    "oidc_logins",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    sa.Column("origin", sa.String(2048), nullable=False),
    sa.Column("nonce", sa.String(128), nullable=False),
    sa.Column("code_verifier", sa.String(128), nullable=False),
    sa.Column("expires_us", sa.BigInteger, nullable=False),
    sa.Index("ix_oidc_logins_expires_us", "expires_us"),
)

# Migration 0017: image files kept in the database (ROSTRA_MEDIA_URL=database), one
# row per file. Files are bounded (re-encoded, at most 1600 px a side), so no chunking is needed.
media_blobs = sa.Table(
    "media_blobs",
    metadata,
    sa.Column("name", sa.String(80), primary_key=True),
    sa.Column("media_type", sa.String(40), nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("created_us", sa.BigInteger, nullable=False),
)

# Migration 0020: what staff write about a reader, and the EU Digital Services Act's records.
# A reader is known by their comments' identity on one site: "email:<digest>" or, for a guest
# without an address, "ip:<digest>" (the same digests bans use; never a raw address).
reader_notes = sa.Table(
    "reader_notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    sa.Column("author_key", sa.String(80), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_by", sa.String(254), nullable=False),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Index("ix_reader_notes_site_author", "site_id", "author_key", "created_us"),
    # One staff member writes one note at a time: importing an export twice adds nothing.
    sa.UniqueConstraint("site_id", "author_key", "created_us", "created_by"),
)

# Art. 16 notices. No foreign key to the comment: the notice outlives a removed comment for
# transparency reports; the comment's text at the time is kept with it.
dsa_notices = sa.Table(
    "dsa_notices",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    sa.Column("comment_id", sa.String(32), nullable=False),
    sa.Column("comment_body", sa.Text, nullable=False),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("explanation", sa.Text, nullable=False),
    sa.Column("notifier_name", sa.String(100), nullable=False),
    sa.Column("notifier_email", sa.String(320), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("decision_reason", sa.Text, nullable=False, server_default=""),
    sa.Column("decided_by", sa.String(254)),
    sa.Column("decided_us", sa.BigInteger),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    # The notifier's language (migration 0024; "" is English): the decision is mailed in it.
    sa.Column("lang", sa.String(8), nullable=False, server_default=""),
    sa.Index("ix_dsa_notices_site_created", "site_id", "created_us"),
    sa.Index("ix_dsa_notices_status", "status", "created_us"),
)

# Migration 0023: Art. 17 statements of reasons mailed to the authors of removed comments, each
# with the author's appeal (Art. 20; one per statement) in the same row. No foreign key to the
# comment, like the notices: the record outlives the comment for transparency reports.
dsa_statements = sa.Table(
    "dsa_statements",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    sa.Column("comment_id", sa.String(32), nullable=False),
    sa.Column("decision", sa.String(16), nullable=False),
    sa.Column("ground", sa.Text, nullable=False),
    sa.Column("comment_excerpt", sa.Text, nullable=False),
    sa.Column("notice_id", sa.String(32)),
    sa.Column("automated", sa.Boolean, nullable=False),
    sa.Column("decided_by", sa.String(254), nullable=False),
    sa.Column("recipient", sa.String(320), nullable=False),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Column("appeal_text", sa.Text),
    sa.Column("appeal_status", sa.String(16)),
    sa.Column("appealed_us", sa.BigInteger),
    sa.Column("appeal_reason", sa.Text),
    sa.Column("appeal_decided_by", sa.String(254)),
    sa.Column("appeal_decided_us", sa.BigInteger),
    sa.Index("ix_dsa_statements_site_created", "site_id", "created_us"),
    sa.Index("ix_dsa_statements_appeal", "appeal_status", "appealed_us"),
)
