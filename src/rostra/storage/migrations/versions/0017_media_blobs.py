"""Image files in the database, for deployments whose hosts share no folder.

One row per file (display size or thumbnail or avatar), written by ``DatabaseImageStore`` when
``ROSTRA_MEDIA_URL=database``. On PostgreSQL the column is stored out of line without
compression: the files are JPEG, PNG, WebP or GIF, already compressed, and trying again only
costs CPU on every upload.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_blobs",
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("media_type", sa.String(40), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_media_blobs"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE media_blobs ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.drop_table("media_blobs")
