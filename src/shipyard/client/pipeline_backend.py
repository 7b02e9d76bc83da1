"""The pipelines half of the ``Backend`` protocol: pipelines, runs, steps, schedules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from shipyard.pipelines import (
    PipelineRecord,
    PipelineRunRecord,
    ScheduleRecord,
    SlotRecord,
)
from shipyard.pipelines.ports import PipelineStore
from shipyard.pipelines.scheduler import SchedulerStore


@runtime_checkable
class PipelineBackend(PipelineStore, SchedulerStore, Protocol):
    """What the SDK, the orchestrator and the scheduler need from a store: the
    orchestrator's ``PipelineStore`` and the scheduler's ``SchedulerStore`` ports (slot
    claims, leases, takeovers) plus listing and schedule management."""

    def get_pipeline(self, name: str) -> PipelineRecord: ...

    def list_pipelines(self) -> list[PipelineRecord]: ...

    def list_pipeline_runs(
        self, pipeline: str | None = None, status: str | None = None, limit: int = 50
    ) -> list[PipelineRunRecord]: ...

    def create_schedule(
        self,
        name: str,
        pipeline: str,
        cron: str,
        *,
        timezone: str = "UTC",
        params: Mapping[str, Any] | None = None,
        catchup: str = "latest",
    ) -> ScheduleRecord: ...

    def get_schedule(self, name: str) -> ScheduleRecord: ...

    def set_schedule_status(self, name: str, status: str) -> ScheduleRecord: ...

    def delete_schedule(self, name: str) -> None: ...

    def list_schedule_slots(self, name: str, limit: int = 100) -> list[SlotRecord]: ...
