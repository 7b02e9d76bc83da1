"""The pipelines half of the ``Backend`` protocol: pipelines, runs, steps, schedules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from shipyard.pipelines import (
    PipelineRecord,
    PipelineRunRecord,
    ScheduleRecord,
    SlotRecord,
    StepRunRecord,
)


@runtime_checkable
class PipelineBackend(Protocol):
    """What the SDK, the orchestrator and the scheduler need from a store."""

    def register_pipeline(
        self,
        name: str,
        project: str,
        target: str = "",
        definition: Mapping[str, Any] | None = None,
    ) -> PipelineRecord: ...

    def get_pipeline(self, name: str) -> PipelineRecord: ...

    def list_pipelines(self) -> list[PipelineRecord]: ...

    def create_pipeline_run(
        self,
        pipeline: str,
        run_id: str,
        steps: Sequence[Mapping[str, Any]],
        *,
        params: Mapping[str, Any] | None = None,
        executor: str = "local",
        trigger: str = "manual",
        schedule_id: int | None = None,
        slot_time: int | None = None,
        resumed_from: str | None = None,
    ) -> PipelineRunRecord: ...

    def finish_pipeline_run(
        self, run_id: str, status: str, error: str | None = None
    ) -> PipelineRunRecord: ...

    def update_step_run(
        self, pipeline_run_id: str, step_name: str, **values: Any
    ) -> StepRunRecord: ...

    def get_pipeline_run(self, run_id: str) -> PipelineRunRecord: ...

    def list_pipeline_runs(
        self, pipeline: str | None = None, status: str | None = None, limit: int = 50
    ) -> list[PipelineRunRecord]: ...

    def find_cached_step(self, cache_key: str) -> StepRunRecord | None: ...

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
