"""artifacts: versions, files, aliases, alias events and usage (lineage)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    _create_artifacts_and_versions()
    _create_files_and_aliases()
    _create_events_and_usage()


def _create_artifacts_and_versions() -> None:
    op.create_table(
        "artifacts",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artifacts")),
        sa.UniqueConstraint("name", name=op.f("uq_artifacts_name")),
    )
    op.create_index("ix_artifacts_type", "artifacts", ["type"], unique=False)

    op.create_table(
        "artifact_versions",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("artifact_id", _ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("metadata", sa.Text(), nullable=False),
        sa.Column("producer_run_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=256), nullable=False),
        sa.Column("file_count", sa.Integer(), nullable=False),
        sa.Column("total_bytes", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["artifact_id"],
            ["artifacts.id"],
            name=op.f("fk_artifact_versions_artifact_id_artifacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artifact_versions")),
        sa.UniqueConstraint("artifact_id", "version", name="uq_artifact_versions_artifact_version"),
        sa.UniqueConstraint("artifact_id", "digest", name="uq_artifact_versions_artifact_digest"),
    )


def _create_files_and_aliases() -> None:
    op.create_table(
        "artifact_files",
        sa.Column("version_id", _ID, nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("ref_uri", sa.Text(), nullable=True),
        sa.Column("ref_etag", sa.String(length=256), nullable=True),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["artifact_versions.id"],
            name=op.f("fk_artifact_files_version_id_artifact_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "path", name=op.f("pk_artifact_files")),
    )
    # garbage collection asks "is this digest still referenced?"
    op.create_index("ix_artifact_files_digest", "artifact_files", ["digest"], unique=False)

    op.create_table(
        "artifact_aliases",
        sa.Column("artifact_id", _ID, nullable=False),
        sa.Column("alias", sa.String(length=128), nullable=False),
        sa.Column("version_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["artifact_id"],
            ["artifacts.id"],
            name=op.f("fk_artifact_aliases_artifact_id_artifacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["artifact_versions.id"],
            name=op.f("fk_artifact_aliases_version_id_artifact_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("artifact_id", "alias", name=op.f("pk_artifact_aliases")),
    )
    op.create_index("ix_artifact_aliases_version", "artifact_aliases", ["version_id"], unique=False)


def _create_events_and_usage() -> None:
    op.create_table(
        "alias_events",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("artifact_id", _ID, nullable=False),
        sa.Column("alias", sa.String(length=128), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=True),
        sa.Column("to_version", sa.Integer(), nullable=True),
        sa.Column("user", sa.String(length=256), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["artifact_id"],
            ["artifacts.id"],
            name=op.f("fk_alias_events_artifact_id_artifacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alias_events")),
    )
    op.create_index("ix_alias_events_artifact", "alias_events", ["artifact_id", "id"], unique=False)

    # run ids carry no foreign key: the lineage record outlives a deleted run
    op.create_table(
        "artifact_usage",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("version_id", _ID, nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["artifact_versions.id"],
            name=op.f("fk_artifact_usage_version_id_artifact_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "run_id", "version_id", "direction", name=op.f("pk_artifact_usage")
        ),
    )
    op.create_index(
        "ix_artifact_usage_version", "artifact_usage", ["version_id", "direction"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_artifact_usage_version", table_name="artifact_usage")
    op.drop_table("artifact_usage")
    op.drop_index("ix_alias_events_artifact", table_name="alias_events")
    op.drop_table("alias_events")
    op.drop_index("ix_artifact_aliases_version", table_name="artifact_aliases")
    op.drop_table("artifact_aliases")
    op.drop_index("ix_artifact_files_digest", table_name="artifact_files")
    op.drop_table("artifact_files")
    op.drop_table("artifact_versions")
    op.drop_index("ix_artifacts_type", table_name="artifacts")
    op.drop_table("artifacts")
