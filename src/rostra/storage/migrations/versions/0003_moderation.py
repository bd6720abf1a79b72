"""Screening decisions and per-site moderation settings.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("moderation", sa.JSON, nullable=True))
    op.create_index("ix_comments_ip_hash", "comments", ["ip_hash"])
    op.create_table(
        "moderation_decisions",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("comment_id", sa.String(32), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("actor", sa.String(100), nullable=True),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name="fk_moderation_decisions_comment_id_comments",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_moderation_decisions"),
    )
    op.create_index(
        "ix_moderation_decisions_comment_id", "moderation_decisions", ["comment_id", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_moderation_decisions_comment_id", table_name="moderation_decisions")
    op.drop_table("moderation_decisions")
    op.drop_index("ix_comments_ip_hash", table_name="comments")
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("moderation")
