"""Uploaded images and their attachment to comments.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "images",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("comment_id", sa.String(32), nullable=True),
        sa.Column("position", sa.SmallInteger, server_default="0", nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("thumbnail_width", sa.Integer, nullable=False),
        sa.Column("thumbnail_height", sa.Integer, nullable=False),
        sa.Column("byte_size", sa.Integer, nullable=False),
        sa.Column("alt", sa.String(300), server_default="", nullable=False),
        sa.Column("upload_token_hash", sa.String(64), nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name="fk_images_comment_id_comments",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_images"),
    )
    op.create_index("ix_images_comment_id", "images", ["comment_id", "position"])
    op.create_index("ix_images_created_us", "images", ["created_us"])


def downgrade() -> None:
    op.drop_index("ix_images_created_us", table_name="images")
    op.drop_index("ix_images_comment_id", table_name="images")
    op.drop_table("images")
