"""What the orchestrator needs from the layers around it, as small protocols.

``PipelineStore`` is satisfied by the client's backends (embedded or HTTP);
``RunTracker`` creates and ends the tracked runs that stand for pipeline and step runs;
``StepTask`` / ``StepResult`` are what travels to and from a worker process.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from shipyard.pipelines.records import PipelineRecord, PipelineRunRecord, StepRunRecord

__all__ = ["PipelineStore", "RunTracker", "StepResult", "StepTask", "Worker"]


@dataclass(frozen=True)
class StepTask:
    """One attempt of one step. Ray ships ``fn`` with cloudpickle; local processes get
    ``fn=None`` and import ``fn_ref`` ("module:qualname" or "/path/file.py:qualname")."""

    pipeline: str
    pipeline_run_id: str
    step: str
    run_id: str
    attempt: int
    fn: Callable[..., Any] | None
    fn_ref: str
    params: dict[str, Any]
    inputs: dict[str, dict[str, Any]]
    artifact_name: str
    tracking_uri: str
    allow_pickle: bool = False
    log_path: str | None = None
    upload_logs: bool = True
    env: dict[str, str] | None = None


@dataclass(frozen=True)
class StepResult:
    ok: bool
    outputs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    timed_out: bool = False
    log_digest: str | None = None
    log_bytes: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StepResult:
        return cls(**data)


Worker = Callable[[StepTask], StepResult]


class RunTracker(Protocol):
    """Tracked runs for the pipeline run and each step attempt, and blob uploads."""

    @property
    def tracking_uri(self) -> str: ...

    def start_run(
        self, project: str, name: str, *, parent_id: str | None, tags: Mapping[str, str]
    ) -> str: ...

    def end_run(self, run_id: str, status: str) -> None: ...

    def output_available(self, ref: str) -> bool: ...

    def store_log(self, path: str) -> tuple[str, int] | None: ...


class PipelineStore(Protocol):
    """The pipeline half of a backend, as the orchestrator uses it."""

    def register_pipeline(
        self,
        name: str,
        project: str,
        target: str = "",
        definition: Mapping[str, Any] | None = None,
    ) -> PipelineRecord: ...

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

    def find_cached_step(self, cache_key: str) -> StepRunRecord | None: ...
