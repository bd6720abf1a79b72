"""Staff accounts, sessions, bans, reports and the audit log.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("totp_secret", sa.String(64), nullable=True),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("disabled", sa.Boolean, server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("expires_us", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_staff_sessions_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_staff_sessions"),
    )
    op.create_index("ix_staff_sessions_user_id", "staff_sessions", ["user_id"])
    op.create_table(
        "bans",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, server_default="", nullable=False),
        sa.Column("created_by", sa.String(254), nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("expires_us", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_bans"),
    )
    op.create_index("ix_bans_kind_value", "bans", ["kind", "value"])
    op.create_table(
        "comment_reports",
        sa.Column("comment_id", sa.String(32), nullable=False),
        sa.Column("reporter", sa.String(80), nullable=False),
        sa.Column("reason", sa.Text, server_default="", nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name="fk_comment_reports_comment_id_comments",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("comment_id", "reporter", name="pk_comment_reports"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("actor", sa.String(254), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(254), server_default="", nullable=False),
        sa.Column("reason", sa.Text, server_default="", nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_created_us", "audit_log", ["created_us"])
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("pinned", sa.Boolean, server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("pinned")
    op.drop_table("audit_log")
    op.drop_table("comment_reports")
    op.drop_table("bans")
    op.drop_table("staff_sessions")
    op.drop_table("users")
