"""Reader support: campaigns, the donation ledger and seen payment events.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("site_id", sa.Integer, nullable=False),
        sa.Column("title", sa.String(200), server_default="", nullable=False),
        sa.Column("goal_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("milestones", sa.JSON, nullable=False),
        sa.Column("preset_amounts", sa.JSON, nullable=False),
        sa.Column("starts_us", sa.BigInteger, nullable=True),
        sa.Column("ends_us", sa.BigInteger, nullable=True),
        sa.Column("thank_you", sa.Text, server_default="", nullable=False),
        sa.Column("created_by", sa.String(254), server_default="", nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("updated_us", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name="fk_campaigns_site_id_sites", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_campaigns"),
    )
    op.create_index("ix_campaigns_site_id_created_us", "campaigns", ["site_id", "created_us"])
    op.create_table(
        "donations",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("campaign_id", sa.String(32), nullable=True),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("reference", sa.String(255), nullable=False),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("amount_minor", sa.BigInteger, server_default="0", nullable=False),
        sa.Column("refunded_minor", sa.BigInteger, server_default="0", nullable=False),
        sa.Column("completed_us", sa.BigInteger, nullable=True),
        sa.Column("donor_name", sa.String(100), nullable=True),
        sa.Column("entered_by", sa.String(254), nullable=True),
        sa.Column("note", sa.Text, server_default="", nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("updated_us", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name="fk_donations_campaign_id_campaigns",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_donations"),
        sa.UniqueConstraint("provider", "reference", name="uq_donations_provider_reference"),
    )
    op.create_index(
        "ix_donations_campaign_id_completed_us", "donations", ["campaign_id", "completed_us"]
    )
    op.create_table(
        "payment_events",
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(255), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("received_us", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("provider", "event_id", name="pk_payment_events"),
    )
    op.create_index("ix_payment_events_received_us", "payment_events", ["received_us"])


def downgrade() -> None:
    op.drop_table("payment_events")
    op.drop_table("donations")
    op.drop_table("campaigns")
