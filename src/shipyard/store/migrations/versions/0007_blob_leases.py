"""blob leases: digests garbage collection must keep while uploads are in flight

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-01 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blob_leases",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("leased_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_blob_leases")),
    )
    op.create_index("ix_blob_leases_leased_at", "blob_leases", ["leased_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_blob_leases_leased_at", table_name="blob_leases")
    op.drop_table("blob_leases")
