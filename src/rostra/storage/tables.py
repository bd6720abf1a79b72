"""The schema, in SQLAlchemy Core. Changes here need an Alembic revision in ``migrations/``.

Times are integer microseconds since the epoch: one type that sorts and compares the same on
SQLite and PostgreSQL, and is cheap to index.
"""

from __future__ import annotations

import sqlalchemy as sa

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
    sa.UniqueConstraint("site_id", "page"),
)

comments = sa.Table(
    "comments",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column(
        "thread_id", sa.Integer, sa.ForeignKey("threads.id", ondelete="CASCADE"), nullable=False
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
    sa.Column("descendant_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("ip_hash", sa.String(64)),
    sa.Column("edit_token_hash", sa.String(64)),
    # A thread page reads its top-level comments (root_id IS NULL) through one of these, in the
    # order of the sort tab, so reading a page costs the page, not the thread.
    sa.Index("ix_comments_roots_by_time", "thread_id", "root_id", "created_us", "id"),
    sa.Index("ix_comments_roots_by_score", "thread_id", "root_id", "score", "created_us", "id"),
    sa.Index("ix_comments_replies", "root_id", "created_us", "id"),
    sa.Index("ix_comments_parent_id", "parent_id"),
    sa.Index("ix_comments_author_email_hash", "author_email_hash"),
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
