"""slot leases: a claimed schedule slot is a lease another scheduler can take over

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 10:00:00.000000

Claims made before this migration had no lease; they get one that expires a day after
the claim, so an in-flight run of an old scheduler is not fired twice and a slot whose
scheduler died is still picked up eventually.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_COLUMNS = (
    "lease_expires_at",
    "heartbeat_at",
    "attempt",
    "previous_owner",
    "previous_run_id",
    "taken_over_at",
    "error",
)


def upgrade() -> None:
    with op.batch_alter_table("schedule_slots") as batch:
        batch.add_column(sa.Column("lease_expires_at", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("attempt", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("previous_owner", sa.String(length=256), nullable=True))
        batch.add_column(sa.Column("previous_run_id", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("taken_over_at", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("error", sa.Text(), nullable=True))
    op.create_index(
        "ix_schedule_slots_lease",
        "schedule_slots",
        ["schedule_id", "status", "lease_expires_at"],
        unique=False,
    )
    op.execute(
        "UPDATE schedule_slots SET lease_expires_at = claimed_at + 86400000 "
        "WHERE status = 'CLAIMED'"
    )


def downgrade() -> None:
    op.drop_index("ix_schedule_slots_lease", table_name="schedule_slots")
    with op.batch_alter_table("schedule_slots") as batch:
        for name in reversed(_COLUMNS):
            batch.drop_column(name)
