"""The language a DSA notice was sent in, so that its decision reaches the notifier in it.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Expansion only: a release that does not know the column leaves it at "" (English).
    with op.batch_alter_table("dsa_notices") as batch:
        batch.add_column(sa.Column("lang", sa.String(8), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("dsa_notices") as batch:
        batch.drop_column("lang")
