"""Subscriptions and the notification outbox (issue 6).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reserved in the revision chain while the feature is built; it changes nothing yet.
    pass


def downgrade() -> None:
    pass
