"""features: versioned definitions, ingested batches, materialization marks

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-01 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "feature_definitions",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("deleted_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feature_definitions")),
        sa.UniqueConstraint(
            "kind", "name", "version", name="uq_feature_definitions_kind_name_version"
        ),
    )
    op.create_table(
        "feature_ingestions",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("view_name", sa.String(length=256), nullable=False),
        sa.Column("view_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("min_ts", sa.BigInteger(), nullable=True),
        sa.Column("max_ts", sa.BigInteger(), nullable=True),
        sa.Column("files", sa.Text(), nullable=False),
        sa.Column("stats", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feature_ingestions")),
    )
    op.create_index(
        "ix_feature_ingestions_view", "feature_ingestions", ["view_name", "status", "id"]
    )
    op.create_table(
        "feature_materializations",
        sa.Column("view_name", sa.String(length=256), nullable=False),
        sa.Column("store", sa.String(length=512), nullable=False),
        sa.Column("end_ts", sa.BigInteger(), nullable=False),
        sa.Column("last_ingestion_id", sa.BigInteger(), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("view_name", "store", name=op.f("pk_feature_materializations")),
    )


def downgrade() -> None:
    op.drop_table("feature_materializations")
    op.drop_index("ix_feature_ingestions_view", table_name="feature_ingestions")
    op.drop_table("feature_ingestions")
    op.drop_table("feature_definitions")
