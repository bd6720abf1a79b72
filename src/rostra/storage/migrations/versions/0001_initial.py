"""Sites, threads, comments and votes.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instance",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_instance"),
    )
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("title", sa.String(300), server_default="", nullable=False),
        sa.Column("origins", sa.JSON, nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sites"),
        sa.UniqueConstraint("name", name="uq_sites_name"),
    )
    op.create_table(
        "threads",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("site_id", sa.Integer, nullable=False),
        sa.Column("page", sa.String(1024), nullable=False),
        sa.Column("title", sa.String(300)),
        sa.Column("comment_count", sa.Integer, server_default="0", nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name="fk_threads_site_id_sites", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_threads"),
        sa.UniqueConstraint("site_id", "page", name="uq_threads_site_id_page"),
    )
    op.create_table(
        "comments",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("thread_id", sa.Integer, nullable=False),
        sa.Column("parent_id", sa.String(32)),
        sa.Column("root_id", sa.String(32)),
        sa.Column("depth", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("author_name", sa.String(100), nullable=False),
        sa.Column("author_email_hash", sa.String(64)),
        sa.Column("author_url", sa.String(2048)),
        sa.Column("author_is_staff", sa.Boolean, server_default=sa.false(), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("body_html", sa.Text, nullable=False),
        sa.Column("anchor", sa.JSON),
        sa.Column("is_anchored", sa.Boolean, server_default=sa.false(), nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("edited_us", sa.BigInteger),
        sa.Column("upvotes", sa.Integer, server_default="0", nullable=False),
        sa.Column("downvotes", sa.Integer, server_default="0", nullable=False),
        sa.Column("score", sa.Integer, server_default="0", nullable=False),
        sa.Column("descendant_count", sa.Integer, server_default="0", nullable=False),
        sa.Column("ip_hash", sa.String(64)),
        sa.Column("edit_token_hash", sa.String(64)),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["threads.id"], name="fk_comments_thread_id_threads", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["comments.id"], name="fk_comments_parent_id_comments"
        ),
        sa.ForeignKeyConstraint(["root_id"], ["comments.id"], name="fk_comments_root_id_comments"),
        sa.PrimaryKeyConstraint("id", name="pk_comments"),
    )
    op.create_index(
        "ix_comments_roots_by_time", "comments", ["thread_id", "depth", "created_us", "id"]
    )
    op.create_index(
        "ix_comments_roots_by_score",
        "comments",
        ["thread_id", "depth", "score", "created_us", "id"],
    )
    op.create_index("ix_comments_replies", "comments", ["root_id", "created_us", "id"])
    op.create_index("ix_comments_parent_id", "comments", ["parent_id"])
    op.create_index("ix_comments_author_email_hash", "comments", ["author_email_hash"])
    op.create_table(
        "votes",
        sa.Column("comment_id", sa.String(32), nullable=False),
        sa.Column("voter", sa.String(80), nullable=False),
        sa.Column("value", sa.SmallInteger, nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"], name="fk_votes_comment_id_comments", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("comment_id", "voter", name="pk_votes"),
    )
    op.create_index("ix_votes_voter", "votes", ["voter"])


def downgrade() -> None:
    op.drop_table("votes")
    op.drop_table("comments")
    op.drop_table("threads")
    op.drop_table("sites")
    op.drop_table("instance")
