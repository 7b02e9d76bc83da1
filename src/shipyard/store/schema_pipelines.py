"""Pipeline and schedule tables (on the shared ``metadata``; migration 0006).

A pipeline run's id is the id of the tracked run that stands for it in ``runs``; each
step attempt is a tracked run nested under it (``runs.parent_id``). ``step_runs`` keeps
what the orchestrator needs: the cache key, inputs and outputs (artifact references and
digests), attempts, times and the digest of the captured log blob. A schedule fires a
slot at most once because ``schedule_slots`` has one row per (schedule, slot): a
scheduler claims a slot by inserting that row, and only one insert can win. The claim is
a lease the owner renews while the pipeline runs; an expired lease (its scheduler died)
is taken over by one other scheduler with a compare-and-set UPDATE.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text

from shipyard.store.schema import Id, metadata

pipelines = Table(
    "pipelines",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(256), nullable=False, unique=True),
    Column("project", String(256), nullable=False),
    Column("target", String(1024), nullable=False, default=""),
    Column("definition", Text, nullable=False, default="{}"),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

pipeline_runs = Table(
    "pipeline_runs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("pipeline_id", Id, ForeignKey("pipelines.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("params", Text, nullable=False, default="{}"),
    Column("executor", String(32), nullable=False),
    Column("trigger", String(16), nullable=False),
    Column("schedule_id", Id, nullable=True),
    Column("slot_time", BigInteger, nullable=True),
    Column("resumed_from", String(32), nullable=True),
    Column("error", Text, nullable=True),
    Column("started_at", BigInteger, nullable=False),
    Column("ended_at", BigInteger, nullable=True),
    Index("ix_pipeline_runs_pipeline_started", "pipeline_id", "started_at"),
)

step_runs = Table(
    "step_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "pipeline_run_id",
        String(32),
        ForeignKey("pipeline_runs.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(256), nullable=False),
    Column("position", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("upstream", Text, nullable=False, default="[]"),
    Column("run_id", String(32), nullable=True),
    Column("code_hash", String(64), nullable=True),
    Column("cache_key", String(64), nullable=True),
    Column("cached_from", Id, nullable=True),
    Column("inputs", Text, nullable=False, default="{}"),
    Column("outputs", Text, nullable=False, default="{}"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("started_at", BigInteger, nullable=True),
    Column("ended_at", BigInteger, nullable=True),
    Column("duration_ms", BigInteger, nullable=True),
    Column("log_digest", String(64), nullable=True),
    Column("log_bytes", BigInteger, nullable=True),
    Column("error", Text, nullable=True),
    Index("uq_step_runs_run_name", "pipeline_run_id", "name", unique=True),
    Index("ix_step_runs_cache", "cache_key", "status"),
)

schedules = Table(
    "schedules",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(256), nullable=False, unique=True),
    Column("pipeline_id", Id, ForeignKey("pipelines.id", ondelete="CASCADE"), nullable=False),
    Column("cron", String(256), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("params", Text, nullable=False, default="{}"),
    Column("catchup", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("active_since", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

schedule_slots = Table(
    "schedule_slots",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("schedule_id", Id, ForeignKey("schedules.id", ondelete="CASCADE"), nullable=False),
    Column("slot_time", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("pipeline_run_id", String(32), nullable=True),
    Column("claimed_by", String(256), nullable=False, default=""),
    Column("claimed_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    # the lease of a CLAIMED slot (migration 0010): its owner heartbeats it while the
    # pipeline runs; once it has expired another scheduler may take the slot over
    Column("lease_expires_at", BigInteger, nullable=True),
    Column("heartbeat_at", BigInteger, nullable=True),
    Column("attempt", Integer, nullable=False, default=1, server_default="1"),
    Column("previous_owner", String(256), nullable=True),
    Column("previous_run_id", String(32), nullable=True),
    Column("taken_over_at", BigInteger, nullable=True),
    Column("error", Text, nullable=True),
    Index("uq_schedule_slots_schedule_slot", "schedule_id", "slot_time", unique=True),
    Index("ix_schedule_slots_lease", "schedule_id", "status", "lease_expires_at"),
)
