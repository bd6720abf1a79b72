"""Screening decisions and per-site moderation settings (issue 5).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reserved in the revision chain while the feature is built; it changes nothing yet.
    pass


def downgrade() -> None:
    pass
