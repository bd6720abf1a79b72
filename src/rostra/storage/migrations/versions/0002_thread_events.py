"""The thread event log that lets live readers resume, and each thread's version.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "thread_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("thread_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.id"],
            name="fk_thread_events_thread_id_threads",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_thread_events"),
    )
    op.create_index("ix_thread_events_thread_id_id", "thread_events", ["thread_id", "id"])
    op.create_index("ix_thread_events_created_us", "thread_events", ["created_us"])
    with op.batch_alter_table("threads") as batch:
        batch.add_column(sa.Column("version", sa.BigInteger, server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("threads") as batch:
        batch.drop_column("version")
    op.drop_table("thread_events")
