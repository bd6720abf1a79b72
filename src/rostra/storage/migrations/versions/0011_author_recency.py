"""An author's recent comments by index: screening reads them on every post.

The duplicate and rate checks ask for an author's comments of the last minutes, by email hash
or IP hash. Indexed on the hash alone, every comment ever made from one address (a newsroom
behind one NAT, a load test) was read and sorted on each post; with ``created_us`` in the
index only the recent ones are.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

INDEXES = {"ix_comments_author_email_hash": "author_email_hash", "ix_comments_ip_hash": "ip_hash"}


def upgrade() -> None:
    for name, column in INDEXES.items():
        op.drop_index(name, table_name="comments")
        op.create_index(name, "comments", [column, "created_us"])


def downgrade() -> None:
    for name, column in INDEXES.items():
        op.drop_index(name, table_name="comments")
        op.create_index(name, "comments", [column])
