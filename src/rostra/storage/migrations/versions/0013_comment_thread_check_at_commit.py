"""A comment's thread reference is checked at commit.

A post inserts its comment first and locks its thread's row last, with the event it appends,
so that posts to one thread queue only for that statement and the commit. Checked at once,
the reference would take a key-share lock on the thread's row at the insert; PostgreSQL then
skips its fair queue for the later row lock (the transaction upgrades a lock it holds) and
every waiting post wakes at each commit. Checked at commit, the row lock is already held.

SQLite is left as it is: a write transaction there holds the whole database, so when the
check runs changes nothing, and changing it would rebuild the comments table.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

CONSTRAINT = "fk_comments_thread_id_threads"


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            f"ALTER TABLE comments ALTER CONSTRAINT {CONSTRAINT} DEFERRABLE INITIALLY DEFERRED"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE comments ALTER CONSTRAINT {CONSTRAINT} NOT DEFERRABLE")
