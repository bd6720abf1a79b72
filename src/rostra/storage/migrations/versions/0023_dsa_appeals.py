"""EU DSA statements of reasons to the authors of removed comments, and their appeals.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dsa_statements",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False
        ),
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
    )
    op.create_index("ix_dsa_statements_site_created", "dsa_statements", ["site_id", "created_us"])
    op.create_index("ix_dsa_statements_appeal", "dsa_statements", ["appeal_status", "appealed_us"])


def downgrade() -> None:
    op.drop_table("dsa_statements")
