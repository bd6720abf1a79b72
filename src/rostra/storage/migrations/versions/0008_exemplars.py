"""Exemplars staff teach the semantic screen from their decisions.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "screening_exemplars",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("site_id", sa.Integer, nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("added_by", sa.Integer, nullable=True),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name="fk_screening_exemplars_site_id_sites",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["added_by"],
            ["users.id"],
            name="fk_screening_exemplars_added_by_users",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_screening_exemplars"),
    )


def downgrade() -> None:
    op.drop_table("screening_exemplars")
