"""Imported comments are known by their thread and their source id, not their source id alone.

Exports merged from two blogs (or a WordPress multisite export) number comments anew in each
blog, so two posts can each have a comment 11. Keyed by (site, source, id), the second was taken
for the first and never imported. The thread of each existing row is its comment's thread; the
site follows from the thread, so its column goes.

The downgrade keeps one row per (site, source, id), the oldest: an older version then takes the
other comments with that id as not yet imported, which is what it did before.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("import_sources") as batch:
        batch.add_column(sa.Column("thread_id", sa.Integer, nullable=True))
    op.execute(
        "UPDATE import_sources SET thread_id = "
        "(SELECT c.thread_id FROM comments c WHERE c.id = import_sources.comment_id)"
    )
    with op.batch_alter_table("import_sources") as batch:
        batch.drop_constraint("pk_import_sources", type_="primary")
        batch.drop_constraint("fk_import_sources_site_id_sites", type_="foreignkey")
        batch.drop_column("site_id")
        batch.alter_column("thread_id", existing_type=sa.Integer, nullable=False)
        batch.create_primary_key("pk_import_sources", ["thread_id", "source", "source_id"])
        batch.create_foreign_key(
            "fk_import_sources_thread_id_threads",
            "threads",
            ["thread_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("import_sources") as batch:
        batch.add_column(sa.Column("site_id", sa.Integer, nullable=True))
    op.execute(
        "UPDATE import_sources SET site_id = "
        "(SELECT t.site_id FROM threads t WHERE t.id = import_sources.thread_id)"
    )
    op.execute(
        "DELETE FROM import_sources WHERE EXISTS (SELECT 1 FROM import_sources o "
        "WHERE o.site_id = import_sources.site_id AND o.source = import_sources.source "
        "AND o.source_id = import_sources.source_id "
        "AND (o.imported_us < import_sources.imported_us "
        "OR (o.imported_us = import_sources.imported_us "
        "AND o.thread_id < import_sources.thread_id)))"
    )
    with op.batch_alter_table("import_sources") as batch:
        batch.drop_constraint("pk_import_sources", type_="primary")
        batch.drop_constraint("fk_import_sources_thread_id_threads", type_="foreignkey")
        batch.drop_column("thread_id")
        batch.alter_column("site_id", existing_type=sa.Integer, nullable=False)
        batch.create_primary_key("pk_import_sources", ["site_id", "source", "source_id"])
        batch.create_foreign_key(
            "fk_import_sources_site_id_sites", "sites", ["site_id"], ["id"], ondelete="CASCADE"
        )
