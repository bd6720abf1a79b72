"""Uploaded images and their attachment to comments (issue 8).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reserved in the revision chain while the feature is built; it changes nothing yet.
    pass


def downgrade() -> None:
    pass
