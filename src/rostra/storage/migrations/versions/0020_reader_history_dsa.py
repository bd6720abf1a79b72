"""Moderator notes on readers, and EU Digital Services Act notices (Art. 16).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reader_notes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("author_key", sa.String(80), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(254), nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.UniqueConstraint(
            "site_id",
            "author_key",
            "created_us",
            "created_by",
            name="uq_reader_notes_site_id_author_key_created_us_created_by",
        ),
    )
    op.create_index(
        "ix_reader_notes_site_author", "reader_notes", ["site_id", "author_key", "created_us"]
    )
    op.create_table(
        "dsa_notices",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False
        ),
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
    )
    op.create_index("ix_dsa_notices_site_created", "dsa_notices", ["site_id", "created_us"])
    op.create_index("ix_dsa_notices_status", "dsa_notices", ["status", "created_us"])


def downgrade() -> None:
    op.drop_table("dsa_notices")
    op.drop_table("reader_notes")
