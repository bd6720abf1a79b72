"""Comments' indexes on optional columns leave out the rows where the column is empty.

A top-level comment has no parent and no root, a guest no reader account, and most guests give
no email: each such comment still added an entry under NULL to four indexes that are only ever
searched by a value (a comment's replies, an author's recent comments, a reader's comments).
Every post paid those four index writes, and SQLite writes each changed page to its log again
at every commit (docs/performance.md, seventh pass). A lookup by value implies the value is
not NULL, so SQLite and PostgreSQL use the partial indexes for the same queries.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_comments_replies": ["root_id", "created_us", "id"],
    "ix_comments_parent_id": ["parent_id"],
    "ix_comments_author_email_hash": ["author_email_hash", "created_us"],
    "ix_comments_reader_id": ["reader_id", "created_us"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        present = sa.text(f"{columns[0]} IS NOT NULL")
        op.drop_index(name, table_name="comments")
        op.create_index(name, "comments", columns, sqlite_where=present, postgresql_where=present)


def downgrade() -> None:
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="comments")
        op.create_index(name, "comments", columns)
