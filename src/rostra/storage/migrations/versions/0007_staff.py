"""Staff accounts, sessions, bans, reports and the audit log (issue 5).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reserved in the revision chain while the feature is built; it changes nothing yet.
    pass


def downgrade() -> None:
    pass
