"""Reader accounts: sign-in settings per site, accounts, sessions, used tokens.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs (no foreign key): SQLite does them in place, without a table rebuild.
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("reader_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("author_avatar", sa.String(2048), nullable=True))
    op.create_index("ix_comments_reader_id", "comments", ["reader_id", "created_us"])
    op.create_table(
        "site_accounts",
        sa.Column("site_id", sa.Integer, nullable=False),
        sa.Column("sso_algorithm", sa.String(8), nullable=True),
        sa.Column("sso_key", sa.Text, nullable=True),
        sa.Column("deletion_policy", sa.String(16), server_default="anonymize", nullable=False),
        sa.Column("email_sign_in", sa.Boolean, server_default=sa.false(), nullable=False),
        sa.Column("updated_us", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name="fk_site_accounts_site_id_sites", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("site_id", name="pk_site_accounts"),
    )
    op.create_table(
        "readers",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("site_id", sa.Integer, nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("email_hash", sa.String(64), nullable=True),
        sa.Column("avatar_url", sa.String(2048), nullable=True),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("last_seen_us", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name="fk_readers_site_id_sites", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_readers"),
        sa.UniqueConstraint(
            "site_id", "method", "subject", name="uq_readers_site_id_method_subject"
        ),
    )
    op.create_index("ix_readers_email_hash", "readers", ["email_hash"])
    op.create_table(
        "reader_sessions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("reader_id", sa.String(32), nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("expires_us", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["reader_id"],
            ["readers.id"],
            name="fk_reader_sessions_reader_id_readers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reader_sessions"),
    )
    op.create_index("ix_reader_sessions_reader_id", "reader_sessions", ["reader_id"])
    op.create_index("ix_reader_sessions_expires_us", "reader_sessions", ["expires_us"])
    op.create_table(
        "used_tokens",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("expires_us", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_used_tokens"),
    )
    op.create_index("ix_used_tokens_expires_us", "used_tokens", ["expires_us"])


def downgrade() -> None:
    op.drop_table("used_tokens")
    op.drop_table("reader_sessions")
    op.drop_table("readers")
    op.drop_table("site_accounts")
    op.drop_index("ix_comments_reader_id", table_name="comments")
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("author_avatar")
        batch.drop_column("reader_id")
