"""Plain records the pipeline and schedule services return and the REST layer sends."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any

__all__ = [
    "CatchUp",
    "PipelineRecord",
    "PipelineRunRecord",
    "PipelineStatus",
    "ScheduleRecord",
    "ScheduleStatus",
    "SlotRecord",
    "SlotStatus",
    "StepRunRecord",
    "StepStatus",
    "Trigger",
]


class PipelineStatus(StrEnum):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    KILLED = "KILLED"


class StepStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    CACHED = "CACHED"
    REUSED = "REUSED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    SKIPPED = "SKIPPED"

    @property
    def done_ok(self) -> bool:
        """True when the step's outputs exist (ran, or reused a stored result)."""
        return self in (StepStatus.SUCCEEDED, StepStatus.CACHED, StepStatus.REUSED)


class Trigger(StrEnum):
    MANUAL = "manual"
    SCHEDULE = "schedule"
    BACKFILL = "backfill"
    RESUME = "resume"


class ScheduleStatus(StrEnum):
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"


class SlotStatus(StrEnum):
    CLAIMED = "CLAIMED"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    MISSED = "MISSED"


class CatchUp(StrEnum):
    NONE = "none"
    LATEST = "latest"
    ALL = "all"


class _Record:
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload, no-any-return]

    @classmethod
    def _kwargs(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return {k: v for k, v in data.items() if k in names}


@dataclass(frozen=True)
class PipelineRecord(_Record):
    """A pipeline: its name, project, import target and last known step graph."""

    id: int
    name: str
    project: str
    target: str
    definition: dict[str, Any]
    created_at: int
    updated_at: int

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PipelineRecord:
        return cls(**cls._kwargs(data))


@dataclass(frozen=True)
class StepRunRecord(_Record):
    """One step of a pipeline run. ``outputs`` maps "value" to an artifact reference,
    digest and materializer; ``inputs`` maps argument names to upstream outputs or
    literal parameters."""

    id: int
    pipeline_run_id: str
    name: str
    position: int
    status: str
    upstream: list[str] = field(default_factory=list)
    run_id: str | None = None
    code_hash: str | None = None
    cache_key: str | None = None
    cached_from: int | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    started_at: int | None = None
    ended_at: int | None = None
    duration_ms: int | None = None
    log_digest: str | None = None
    log_bytes: int | None = None
    error: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StepRunRecord:
        return cls(**cls._kwargs(data))


@dataclass(frozen=True)
class PipelineRunRecord(_Record):
    """A pipeline run (its id is the tracked run's id) with its steps in order."""

    id: str
    pipeline: str
    project: str
    status: str
    params: dict[str, Any]
    executor: str
    trigger: str
    started_at: int
    ended_at: int | None = None
    schedule_id: int | None = None
    slot_time: int | None = None
    resumed_from: str | None = None
    error: str | None = None
    steps: list[StepRunRecord] = field(default_factory=list)

    def step(self, name: str) -> StepRunRecord:
        """The step run called ``name`` (KeyError when the pipeline has none)."""
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(name)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PipelineRunRecord:
        kwargs = cls._kwargs(data)
        kwargs["steps"] = [StepRunRecord.from_dict(s) for s in data.get("steps", [])]
        return cls(**kwargs)


@dataclass(frozen=True)
class ScheduleRecord(_Record):
    """A cron schedule of a pipeline; ``last_slot`` is the newest slot recorded."""

    id: int
    name: str
    pipeline: str
    cron: str
    timezone: str
    params: dict[str, Any]
    catchup: str
    status: str
    active_since: int
    created_at: int
    updated_at: int
    last_slot: int | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScheduleRecord:
        return cls(**cls._kwargs(data))


@dataclass(frozen=True)
class SlotRecord(_Record):
    """One cron slot of a schedule: fired (claimed), finished, failed or missed.

    A CLAIMED slot is leased to ``claimed_by`` until ``lease_expires_at`` (renewed by
    heartbeats); ``attempt`` counts the schedulers that held it, ``previous_owner`` and
    ``previous_run_id`` name the last one that lost it and the pipeline run it left."""

    id: int
    schedule_id: int
    slot_time: int
    status: str
    pipeline_run_id: str | None
    claimed_by: str
    claimed_at: int
    updated_at: int
    lease_expires_at: int | None = None
    heartbeat_at: int | None = None
    attempt: int = 1
    previous_owner: str | None = None
    previous_run_id: str | None = None
    taken_over_at: int | None = None
    error: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SlotRecord:
        return cls(**cls._kwargs(data))
