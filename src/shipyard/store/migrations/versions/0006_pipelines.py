"""pipelines: pipelines, pipeline runs, step runs, schedules and schedule slots

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    _create_pipelines()
    _create_step_runs()
    _create_schedules()


def _create_pipelines() -> None:
    op.create_table(
        "pipelines",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("project", sa.String(length=256), nullable=False),
        sa.Column("target", sa.String(length=1024), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipelines")),
        sa.UniqueConstraint("name", name=op.f("uq_pipelines_name")),
    )
    op.create_table(
        "pipeline_runs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("pipeline_id", _ID, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("executor", sa.String(length=32), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("schedule_id", _ID, nullable=True),
        sa.Column("slot_time", sa.BigInteger(), nullable=True),
        sa.Column("resumed_from", sa.String(length=32), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("ended_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["pipelines.id"],
            name=op.f("fk_pipeline_runs_pipeline_id_pipelines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_runs")),
    )
    op.create_index(
        "ix_pipeline_runs_pipeline_started", "pipeline_runs", ["pipeline_id", "started_at"]
    )


def _create_step_runs() -> None:
    op.create_table(
        "step_runs",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("pipeline_run_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("upstream", sa.Text(), nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("cache_key", sa.String(length=64), nullable=True),
        sa.Column("cached_from", _ID, nullable=True),
        sa.Column("inputs", sa.Text(), nullable=False),
        sa.Column("outputs", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.BigInteger(), nullable=True),
        sa.Column("ended_at", sa.BigInteger(), nullable=True),
        sa.Column("duration_ms", sa.BigInteger(), nullable=True),
        sa.Column("log_digest", sa.String(length=64), nullable=True),
        sa.Column("log_bytes", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["pipeline_run_id"],
            ["pipeline_runs.id"],
            name=op.f("fk_step_runs_pipeline_run_id_pipeline_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_step_runs")),
    )
    op.create_index("uq_step_runs_run_name", "step_runs", ["pipeline_run_id", "name"], unique=True)
    op.create_index("ix_step_runs_cache", "step_runs", ["cache_key", "status"])


def _create_schedules() -> None:
    op.create_table(
        "schedules",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("pipeline_id", _ID, nullable=False),
        sa.Column("cron", sa.String(length=256), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("catchup", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("active_since", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["pipelines.id"],
            name=op.f("fk_schedules_pipeline_id_pipelines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
        sa.UniqueConstraint("name", name=op.f("uq_schedules_name")),
    )
    op.create_table(
        "schedule_slots",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("schedule_id", _ID, nullable=False),
        sa.Column("slot_time", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("pipeline_run_id", sa.String(length=32), nullable=True),
        sa.Column("claimed_by", sa.String(length=256), nullable=False),
        sa.Column("claimed_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedules.id"],
            name=op.f("fk_schedule_slots_schedule_id_schedules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_slots")),
    )
    op.create_index(
        "uq_schedule_slots_schedule_slot",
        "schedule_slots",
        ["schedule_id", "slot_time"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_schedule_slots_schedule_slot", table_name="schedule_slots")
    op.drop_table("schedule_slots")
    op.drop_table("schedules")
    op.drop_index("ix_step_runs_cache", table_name="step_runs")
    op.drop_index("uq_step_runs_run_name", table_name="step_runs")
    op.drop_table("step_runs")
    op.drop_index("ix_pipeline_runs_pipeline_started", table_name="pipeline_runs")
    op.drop_table("pipeline_runs")
    op.drop_table("pipelines")
