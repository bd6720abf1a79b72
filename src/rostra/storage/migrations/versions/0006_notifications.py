"""Subscriptions and the notification outbox.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("site_id", sa.Integer, nullable=False),
        sa.Column("page", sa.String(1024), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(1024), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("email_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("confirmed_us", sa.BigInteger),
        sa.Column("next_digest_us", sa.BigInteger, server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name="fk_subscriptions_site_id_sites", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_subscriptions"),
        sa.UniqueConstraint(
            "site_id",
            "email_hash",
            "kind",
            "scope",
            name="uq_subscriptions_site_id_email_hash_kind_scope",
        ),
    )
    op.create_index(
        "ix_subscriptions_site_id_kind_scope", "subscriptions", ["site_id", "kind", "scope"]
    )
    op.create_index("ix_subscriptions_email_hash", "subscriptions", ["email_hash"])
    op.create_table(
        "outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("subscription_id", sa.String(32)),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, server_default="0", nullable=False),
        sa.Column("available_us", sa.BigInteger, nullable=False),
        sa.Column("lease_until_us", sa.BigInteger),
        sa.Column("leased_by", sa.String(64)),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("sent_us", sa.BigInteger),
        sa.Column("last_error", sa.Text),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name="fk_outbox_subscription_id_subscriptions",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_status_available_us", "outbox", ["status", "available_us"])
    op.create_index("ix_outbox_subscription_id", "outbox", ["subscription_id"])


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("subscriptions")
