"""``PipelineBackend`` over REST (``/api/v1/pipelines``, ``/api/v1/schedules``), a mixin of
``HttpBackend``, which provides the transport (``_json``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from shipyard.pipelines import (
    PipelineRecord,
    PipelineRunRecord,
    ScheduleRecord,
    SlotRecord,
    StepRunRecord,
)
from shipyard.pipelines.schedule_service import DEFAULT_LEASE_MS, DEFAULT_MAX_ATTEMPTS


def _seg(value: str) -> str:
    return quote(value, safe="")


class HttpPipelines:
    """REST calls of the pipelines and schedules routes."""

    def _json(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        raise NotImplementedError  # provided by HttpBackend

    def register_pipeline(
        self, name: str, project: str, target: str = "", definition: Mapping[str, Any] | None = None
    ) -> PipelineRecord:
        body = {
            "name": name,
            "project": project,
            "target": target,
            "definition": dict(definition or {}),
        }
        return PipelineRecord.from_dict(self._json("PUT", f"/pipelines/{_seg(name)}", body))

    def get_pipeline(self, name: str) -> PipelineRecord:
        return PipelineRecord.from_dict(self._json("GET", f"/pipelines/{_seg(name)}"))

    def list_pipelines(self) -> list[PipelineRecord]:
        return [PipelineRecord.from_dict(p) for p in self._json("GET", "/pipelines")["pipelines"]]

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
        body = {
            "pipeline": pipeline,
            "run_id": run_id,
            "steps": [dict(s) for s in steps],
            "params": dict(params or {}),
            "executor": executor,
            "trigger": trigger,
            "schedule_id": schedule_id,
            "slot_time": slot_time,
            "resumed_from": resumed_from,
        }
        return PipelineRunRecord.from_dict(self._json("POST", "/pipelines/runs", body))

    def finish_pipeline_run(
        self, run_id: str, status: str, error: str | None = None
    ) -> PipelineRunRecord:
        body = {"status": status, "error": error}
        path = f"/pipelines/runs/{_seg(run_id)}/finish"
        return PipelineRunRecord.from_dict(self._json("POST", path, body))

    def update_step_run(self, pipeline_run_id: str, step_name: str, **values: Any) -> StepRunRecord:
        path = f"/pipelines/runs/{_seg(pipeline_run_id)}/steps/{_seg(step_name)}"
        return StepRunRecord.from_dict(self._json("PATCH", path, values))

    def get_pipeline_run(self, run_id: str) -> PipelineRunRecord:
        return PipelineRunRecord.from_dict(self._json("GET", f"/pipelines/runs/{_seg(run_id)}"))

    def list_pipeline_runs(
        self, pipeline: str | None = None, status: str | None = None, limit: int = 50
    ) -> list[PipelineRunRecord]:
        params = {"limit": str(limit)}
        if pipeline is not None:
            params["pipeline"] = pipeline
        if status is not None:
            params["status"] = status
        data = self._json("GET", "/pipelines/runs", params=params)
        return [PipelineRunRecord.from_dict(r) for r in data["runs"]]

    def find_cached_step(self, cache_key: str) -> StepRunRecord | None:
        data = self._json("GET", "/pipelines/cache", params={"key": cache_key})
        step = data.get("step")
        return None if step is None else StepRunRecord.from_dict(step)

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
        body = {
            "name": name,
            "pipeline": pipeline,
            "cron": cron,
            "timezone": timezone,
            "params": dict(params or {}),
            "catchup": catchup,
        }
        return ScheduleRecord.from_dict(self._json("POST", "/schedules", body))

    def get_schedule(self, name: str) -> ScheduleRecord:
        return ScheduleRecord.from_dict(self._json("GET", f"/schedules/{_seg(name)}"))

    def list_schedules(self, status: str | None = None) -> list[ScheduleRecord]:
        params = {"status": status} if status is not None else None
        data = self._json("GET", "/schedules", params=params)
        return [ScheduleRecord.from_dict(s) for s in data["schedules"]]

    def set_schedule_status(self, name: str, status: str) -> ScheduleRecord:
        path = f"/schedules/{_seg(name)}"
        return ScheduleRecord.from_dict(self._json("PATCH", path, {"status": status}))

    def delete_schedule(self, name: str) -> None:
        self._json("DELETE", f"/schedules/{_seg(name)}")

    def claim_schedule_slot(
        self,
        name: str,
        slot_time: int,
        *,
        status: str = "CLAIMED",
        claimed_by: str = "",
        lease_ms: int = DEFAULT_LEASE_MS,
    ) -> SlotRecord | None:
        body = {
            "slot_time": slot_time,
            "status": status,
            "claimed_by": claimed_by,
            "lease_ms": lease_ms,
        }
        data = self._json("POST", f"/schedules/{_seg(name)}/slots", body)
        slot = data.get("slot")
        return None if slot is None else SlotRecord.from_dict(slot)

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
        path = f"/schedules/{_seg(name)}/slots/{int(slot_time)}/heartbeat"
        body = {
            "claimed_by": claimed_by,
            "attempt": attempt,
            "lease_ms": lease_ms,
            "pipeline_run_id": pipeline_run_id,
        }
        return SlotRecord.from_dict(self._json("POST", path, body))

    def take_over_schedule_slot(
        self,
        name: str,
        *,
        claimed_by: str,
        lease_ms: int = DEFAULT_LEASE_MS,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> SlotRecord | None:
        body = {"claimed_by": claimed_by, "lease_ms": lease_ms, "max_attempts": max_attempts}
        slot = self._json("POST", f"/schedules/{_seg(name)}/slots/takeover", body).get("slot")
        return None if slot is None else SlotRecord.from_dict(slot)

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
        path = f"/schedules/{_seg(name)}/slots/{int(slot_time)}"
        body = {
            "status": status,
            "pipeline_run_id": pipeline_run_id,
            "claimed_by": claimed_by,
            "attempt": attempt,
        }
        return SlotRecord.from_dict(self._json("PATCH", path, body))

    def list_schedule_slots(self, name: str, limit: int = 100) -> list[SlotRecord]:
        data = self._json("GET", f"/schedules/{_seg(name)}/slots", params={"limit": str(limit)})
        return [SlotRecord.from_dict(s) for s in data["slots"]]
