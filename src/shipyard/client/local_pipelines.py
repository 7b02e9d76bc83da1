"""Embedded implementation of ``PipelineBackend``: the pipeline and schedule services."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine

from shipyard.pipelines import (
    PipelineRecord,
    PipelineRunRecord,
    PipelineService,
    ScheduleRecord,
    ScheduleService,
    SlotRecord,
    StepRunRecord,
)
from shipyard.pipelines.schedule_service import DEFAULT_LEASE_MS, DEFAULT_MAX_ATTEMPTS


class LocalPipelines:
    """Pipelines over an engine, in-process (a mixin of ``LocalBackend``)."""

    pipelines: PipelineService
    schedules: ScheduleService

    def _init_pipelines(self, engine: Engine) -> None:
        self.pipelines = PipelineService(engine)
        self.schedules = ScheduleService(engine)

    def register_pipeline(
        self, name: str, project: str, target: str = "", definition: Mapping[str, Any] | None = None
    ) -> PipelineRecord:
        return self.pipelines.register_pipeline(name, project, target, definition)

    def get_pipeline(self, name: str) -> PipelineRecord:
        return self.pipelines.get_pipeline(name)

    def list_pipelines(self) -> list[PipelineRecord]:
        return self.pipelines.list_pipelines()

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
    ) -> PipelineRunRecord:
        return self.pipelines.create_run(
            pipeline,
            run_id,
            steps,
            params=params,
            executor=executor,
            trigger=trigger,
            schedule_id=schedule_id,
            slot_time=slot_time,
            resumed_from=resumed_from,
        )

    def finish_pipeline_run(
        self, run_id: str, status: str, error: str | None = None
    ) -> PipelineRunRecord:
        return self.pipelines.finish_run(run_id, status, error)

    def update_step_run(self, pipeline_run_id: str, step_name: str, **values: Any) -> StepRunRecord:
        return self.pipelines.update_step(pipeline_run_id, step_name, **values)

    def get_pipeline_run(self, run_id: str) -> PipelineRunRecord:
        return self.pipelines.get_run(run_id)

    def list_pipeline_runs(
        self, pipeline: str | None = None, status: str | None = None, limit: int = 50
    ) -> list[PipelineRunRecord]:
        return self.pipelines.list_runs(pipeline, status, limit)

    def find_cached_step(self, cache_key: str) -> StepRunRecord | None:
        return self.pipelines.find_cached_step(cache_key)

    def create_schedule(
        self,
        name: str,
        pipeline: str,
        cron: str,
        *,
        timezone: str = "UTC",
        params: Mapping[str, Any] | None = None,
        catchup: str = "latest",
    ) -> ScheduleRecord:
        return self.schedules.create_schedule(
            name, pipeline, cron, timezone=timezone, params=params, catchup=catchup
        )

    def get_schedule(self, name: str) -> ScheduleRecord:
        return self.schedules.get_schedule(name)

    def list_schedules(self, status: str | None = None) -> list[ScheduleRecord]:
        return self.schedules.list_schedules(status)

    def set_schedule_status(self, name: str, status: str) -> ScheduleRecord:
        return self.schedules.set_status(name, status)

    def delete_schedule(self, name: str) -> None:
        self.schedules.delete_schedule(name)

    def claim_schedule_slot(
        self,
        name: str,
        slot_time: int,
        *,
        status: str = "CLAIMED",
        claimed_by: str = "",
        lease_ms: int = DEFAULT_LEASE_MS,
    ) -> SlotRecord | None:
        return self.schedules.claim_slot(
            name, slot_time, status=status, claimed_by=claimed_by, lease_ms=lease_ms
        )

    def heartbeat_schedule_slot(
        self,
        name: str,
        slot_time: int,
        *,
        claimed_by: str,
        attempt: int,
        lease_ms: int = DEFAULT_LEASE_MS,
        pipeline_run_id: str | None = None,
    ) -> SlotRecord:
        return self.schedules.heartbeat_slot(
            name,
            slot_time,
            claimed_by=claimed_by,
            attempt=attempt,
            lease_ms=lease_ms,
            pipeline_run_id=pipeline_run_id,
        )

    def take_over_schedule_slot(
        self,
        name: str,
        *,
        claimed_by: str,
        lease_ms: int = DEFAULT_LEASE_MS,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> SlotRecord | None:
        return self.schedules.take_over_slot(
            name, claimed_by=claimed_by, lease_ms=lease_ms, max_attempts=max_attempts
        )

    def finish_schedule_slot(
        self,
        name: str,
        slot_time: int,
        status: str,
        pipeline_run_id: str | None = None,
        *,
        claimed_by: str | None = None,
        attempt: int | None = None,
    ) -> SlotRecord:
        return self.schedules.finish_slot(
            name, slot_time, status, pipeline_run_id, claimed_by=claimed_by, attempt=attempt
        )

    def list_schedule_slots(self, name: str, limit: int = 100) -> list[SlotRecord]:
        return self.schedules.list_slots(name, limit)
