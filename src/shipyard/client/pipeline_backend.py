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


@runtime_checkable
class PipelineBackend(PipelineStore, Protocol):
    """What the SDK, the orchestrator and the scheduler need from a store: the
    orchestrator's ``PipelineStore`` port plus listing and schedules."""

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

    def list_schedules(self, status: str | None = None) -> list[ScheduleRecord]: ...

    def set_schedule_status(self, name: str, status: str) -> ScheduleRecord: ...

    def delete_schedule(self, name: str) -> None: ...

    def claim_schedule_slot(
        self, name: str, slot_time: int, *, status: str = "CLAIMED", claimed_by: str = ""
    ) -> SlotRecord | None:
        """Insert the (schedule, slot) row; None when it exists (someone else fired it)."""
        ...

    def finish_schedule_slot(
        self, name: str, slot_time: int, status: str, pipeline_run_id: str | None = None
    ) -> SlotRecord: ...

    def list_schedule_slots(self, name: str, limit: int = 100) -> list[SlotRecord]: ...
