"""Webhook endpoints, chat-alert settings per site, the receiver's answer on webhook
deliveries (outbox rows), and an index for feeds of a site's latest published comments.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("site_id", sa.Integer, nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("events", sa.JSON, nullable=False),
        sa.Column("description", sa.String(200), nullable=False, server_default=""),
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name="fk_webhook_endpoints_site_id_sites",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_endpoints"),
    )
    op.create_index("ix_webhook_endpoints_site_id", "webhook_endpoints", ["site_id"])
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("response_code", sa.Integer, nullable=True))
    op.create_index("ix_outbox_kind_recipient", "outbox", ["kind", "recipient"])
    op.create_index("ix_comments_status_created_us", "comments", ["status", "created_us"])
    op.create_table(
        "chat_alerts",
        sa.Column("site_id", sa.Integer, nullable=False),
        sa.Column("settings", sa.JSON, nullable=False),
        sa.Column("updated_us", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name="fk_chat_alerts_site_id_sites", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("site_id", name="pk_chat_alerts"),
    )


def downgrade() -> None:
    op.drop_table("chat_alerts")
    op.drop_index("ix_comments_status_created_us", table_name="comments")
    op.drop_index("ix_outbox_kind_recipient", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("response_code")
    op.drop_index("ix_webhook_endpoints_site_id", table_name="webhook_endpoints")
    op.drop_table("webhook_endpoints")
