"""Per-article settings and editor's picks (docs/editorial-controls.md).

``threads.settings``: what the newsroom decided for one article (closed, held for review, no
images, slow mode, a message), NULL for an article like every other. ``comments.featured_us``
and ``featured_note``: a comment staff picked for the Featured tab, with their few words; a
partial index keeps a thread's picks one short range (most comments are never picked).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs: SQLite does them in place, without a table rebuild.
    with op.batch_alter_table("threads") as batch:
        batch.add_column(sa.Column("settings", sa.JSON, nullable=True))
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("featured_us", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("featured_note", sa.String(500), nullable=True))
    op.create_index(
        "ix_comments_featured",
        "comments",
        ["thread_id", "featured_us"],
        sqlite_where=sa.text("featured_us IS NOT NULL"),
        postgresql_where=sa.text("featured_us IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_comments_featured", table_name="comments")
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("featured_note")
        batch.drop_column("featured_us")
    with op.batch_alter_table("threads") as batch:
        batch.drop_column("settings")
