"""Pipelines and schedules on ``Client``: register a pipeline, look at its runs, and
manage cron schedules (what ``shipyard schedules`` does, from Python).

    client = sy.Client()
    client.create_schedule("hourly-training", training, cron="0 * * * *", exist_ok=True)
    client.list_schedules()
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from shipyard.core.errors import InvalidScheduleError, ScheduleAlreadyExistsError
from shipyard.pipelines import (
    Pipeline,
    PipelineRecord,
    PipelineRunRecord,
    ScheduleRecord,
    SlotRecord,
)

if TYPE_CHECKING:
    from shipyard.client.backend import Backend

__all__ = ["PipelineClient"]


class PipelineClient:
    """The pipeline and schedule methods of ``Client`` (mixed into it)."""

    backend: Backend

    def register_pipeline(self, pipeline: Pipeline) -> PipelineRecord:
        """Record a ``@pipeline`` (name, project, import target, step graph) without
        running it, so a schedule can name it."""
        from shipyard.client.pipelines import register

        register(self.backend, pipeline)
        return self.backend.get_pipeline(pipeline.name)

    def get_pipeline(self, name: str) -> PipelineRecord:
        return self.backend.get_pipeline(name)

    def list_pipeline_runs(
        self, pipeline: str | None = None, status: str | None = None, limit: int = 50
    ) -> list[PipelineRunRecord]:
        """Pipeline runs, newest first (of one pipeline, with one status, if given)."""
        return self.backend.list_pipeline_runs(pipeline, status, limit)

    def get_pipeline_run(self, run_id: str) -> PipelineRunRecord:
        """A pipeline run with its step runs (status, cache hits, outputs)."""
        return self.backend.get_pipeline_run(run_id)

    def create_schedule(  # noqa: PLR0917 - mirrors `shipyard schedules add`
        self,
        name: str,
        pipeline: Pipeline | str,
        cron: str | None = None,
        timezone: str | None = None,
        params: Mapping[str, Any] | None = None,
        catchup: str = "latest",
        *,
        exist_ok: bool = False,
    ) -> ScheduleRecord:
        """Schedule ``pipeline`` (a ``@pipeline``, registered now, or the name of a
        registered one) on ``cron`` (default: the pipeline's ``schedule``) in
        ``timezone`` (default: the pipeline's, else UTC). Only slots after now fire.

        With ``exist_ok`` an existing schedule of that name with the same pipeline,
        cron, time zone, parameters and catch-up is returned as it is (so scripts can
        run twice); one that differs raises ``ScheduleAlreadyExistsError``."""
        default_cron: Any
        default_tz: Any
        if isinstance(pipeline, Pipeline):
            self.register_pipeline(pipeline)
            pipeline_name = pipeline.name
            default_cron, default_tz = pipeline.schedule, pipeline.timezone
        else:
            stored = self.backend.get_pipeline(pipeline).definition
            pipeline_name = pipeline
            default_cron, default_tz = stored.get("schedule"), stored.get("timezone")
        cron = cron or (str(default_cron) if default_cron else None)
        if cron is None:
            raise InvalidScheduleError(
                f"Pipeline {pipeline_name!r} declares no schedule: give cron="
            )
        tz = timezone or str(default_tz or "UTC")
        values = dict(params or {})
        wanted: dict[str, Any] = {"pipeline": pipeline_name, "cron": cron, "timezone": tz,
                                  "params": values, "catchup": catchup}  # fmt: skip
        if exist_ok:
            found = next((s for s in self.backend.list_schedules() if s.name == name), None)
            if found is not None:
                return _same_or_raise(found, wanted)
        return self.backend.create_schedule(
            name, pipeline_name, str(cron), timezone=tz, params=values, catchup=catchup
        )

    def get_schedule(self, name: str) -> ScheduleRecord:
        return self.backend.get_schedule(name)

    def list_schedules(self, status: str | None = None) -> list[ScheduleRecord]:
        """Every schedule (``status``: ACTIVE or PAUSED) with its last recorded slot."""
        return self.backend.list_schedules(status)

    def pause_schedule(self, name: str) -> ScheduleRecord:
        return self.backend.set_schedule_status(name, "PAUSED")

    def resume_schedule(self, name: str) -> ScheduleRecord:
        """Fire again, from the next slot on (slots while paused are not fired)."""
        return self.backend.set_schedule_status(name, "ACTIVE")

    def delete_schedule(self, name: str) -> None:
        self.backend.delete_schedule(name)

    def schedule_slots(self, name: str, limit: int = 100) -> list[SlotRecord]:
        """The schedule's recorded slots, newest first (fired, running, missed...)."""
        return self.backend.list_schedule_slots(name, limit)


def _same_or_raise(found: ScheduleRecord, wanted: Mapping[str, Any]) -> ScheduleRecord:
    have = {k: getattr(found, k) for k in wanted}
    differ = sorted(k for k in wanted if have[k] != wanted[k])
    if differ:
        shown = ", ".join(f"{k} {have[k]!r} (asked {wanted[k]!r})" for k in differ)
        raise ScheduleAlreadyExistsError(
            f"Schedule {found.name!r} exists with another {shown}; delete it first or pick "
            "another name",
            name=found.name,
        )
    return found
