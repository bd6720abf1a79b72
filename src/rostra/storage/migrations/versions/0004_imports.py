"""Source identifiers that make imports idempotent.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_sources",
        sa.Column("site_id", sa.Integer, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_id", sa.String(255), nullable=False),
        sa.Column("comment_id", sa.String(32), nullable=False),
        sa.Column("imported_us", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name="fk_import_sources_site_id_sites", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name="fk_import_sources_comment_id_comments",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("site_id", "source", "source_id", name="pk_import_sources"),
    )
    op.create_index("ix_import_sources_comment_id", "import_sources", ["comment_id"])


def downgrade() -> None:
    op.drop_index("ix_import_sources_comment_id", table_name="import_sources")
    op.drop_table("import_sources")
