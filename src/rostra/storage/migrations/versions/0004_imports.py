"""Source identifiers that make imports idempotent (issue 11).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reserved in the revision chain while the feature is built; it changes nothing yet.
    pass


def downgrade() -> None:
    pass
