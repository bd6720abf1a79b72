"""What readers choose: a report's category, the language of a subscriber's mail, and who
posted a comment (so they cannot vote on it).

``comment_reports.category`` is one of a small fixed set (spam, abuse, off-topic, false
information, other); rows from before have none. ``subscriptions.lang`` is the widget's
language when the reader subscribed ("" reads English). ``comments.author_voter`` is a keyed
digest of the poster's voter identity; older comments have none and are judged by their
reader account alone.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("comment_reports") as batch:
        batch.add_column(sa.Column("category", sa.String(20)))
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("lang", sa.String(8), nullable=False, server_default=""))
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("author_voter", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("author_voter")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("lang")
    with op.batch_alter_table("comment_reports") as batch:
        batch.drop_column("category")
