"""Reactions beside votes, and the authors a comment mentions.

``reactions`` holds each reader's choice; a comment keeps its counts (``reaction_counts``, a
JSON object) and their sum (``reaction_total``, for the "Most reacted" sort, indexed like the
score) as it keeps its vote counts. ``sites.reactions`` is the site's chosen set (NULL: the
default emoji; an empty list: reactions off). ``comments.mentions`` lists the comments whose
authors a comment mentions (``@Name``), for the mail that tells them.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("reactions", sa.JSON, nullable=True))
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("reaction_counts", sa.JSON, nullable=True))
        batch.add_column(
            sa.Column("reaction_total", sa.Integer, server_default="0", nullable=False)
        )
        batch.add_column(sa.Column("mentions", sa.JSON, nullable=True))
    op.create_index(
        "ix_comments_roots_by_reactions",
        "comments",
        ["thread_id", "depth", "reaction_total", "created_us", "id"],
    )
    op.create_table(
        "reactions",
        sa.Column("comment_id", sa.String(32), nullable=False),
        sa.Column("voter", sa.String(80), nullable=False),
        sa.Column("reaction", sa.String(32), nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name="fk_reactions_comment_id_comments",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("comment_id", "voter", name="pk_reactions"),
    )
    op.create_index("ix_reactions_voter", "reactions", ["voter"])


def downgrade() -> None:
    op.drop_index("ix_reactions_voter", table_name="reactions")
    op.drop_table("reactions")
    op.drop_index("ix_comments_roots_by_reactions", table_name="comments")
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("mentions")
        batch.drop_column("reaction_total")
        batch.drop_column("reaction_counts")
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("reactions")
