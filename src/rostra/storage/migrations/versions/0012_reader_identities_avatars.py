"""OIDC sign-in per site, the provider identities of reader accounts, pending provider logins,
and readers' uploaded pictures.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs: SQLite does them in place, without a table rebuild.
    with op.batch_alter_table("site_accounts") as batch:
        batch.add_column(sa.Column("oidc_issuer", sa.String(2048), nullable=True))
        batch.add_column(sa.Column("oidc_client_id", sa.String(255), nullable=True))
        batch.add_column(sa.Column("oidc_client_secret", sa.Text, nullable=True))
        batch.add_column(sa.Column("oidc_name", sa.String(64), nullable=True))
    with op.batch_alter_table("readers") as batch:
        batch.add_column(sa.Column("avatar_image", sa.String(64), nullable=True))
    op.create_table(
        "reader_identities",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("reader_id", sa.String(32), nullable=False),
        sa.Column("issuer", sa.String(2048), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["reader_id"],
            ["readers.id"],
            name="fk_reader_identities_reader_id_readers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reader_identities"),
    )
    op.create_index("ix_reader_identities_reader_id", "reader_identities", ["reader_id"])
    op.create_table(
        "oidc_logins",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("site_id", sa.Integer, nullable=False),
        sa.Column("origin", sa.String(2048), nullable=False),
        sa.Column("nonce", sa.String(128), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        sa.Column("expires_us", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name="fk_oidc_logins_site_id_sites", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_oidc_logins"),
    )
    op.create_index("ix_oidc_logins_expires_us", "oidc_logins", ["expires_us"])


def downgrade() -> None:
    op.drop_table("oidc_logins")
    op.drop_table("reader_identities")
    with op.batch_alter_table("readers") as batch:
        batch.drop_column("avatar_image")
    with op.batch_alter_table("site_accounts") as batch:
        batch.drop_column("oidc_name")
        batch.drop_column("oidc_client_secret")
        batch.drop_column("oidc_client_id")
        batch.drop_column("oidc_issuer")
