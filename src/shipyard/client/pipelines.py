"""Running pipelines from the SDK: ``pipeline.run(...)``, resume, backfill, scheduler.

The orchestrator (``shipyard.pipelines.engine``) is driven here with the client's
backend: the pipeline run and every step attempt are tracked runs (steps nested under
the pipeline run), outputs are artifact versions and logs are blobs. Works the same
over the embedded store and a server.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from shipyard.client.backend import Backend
from shipyard.client.factory import backend_for
from shipyard.client.pipeline_worker import run_step, store_log
from shipyard.core.errors import (
    ArtifactNotFoundError,
    InvalidPipelineError,
    PipelineFailedError,
    PipelineRunNotFoundError,
)
from shipyard.core.timeutil import now_ms
from shipyard.pipelines import dsl
from shipyard.pipelines.cron import intervals, parse_when, to_ms
from shipyard.pipelines.dsl import Pipeline, resolve
from shipyard.pipelines.engine import Event, RunOptions, execute
from shipyard.pipelines.executors import make_executor
from shipyard.pipelines.materializers import load_value
from shipyard.pipelines.records import (
    PipelineRunRecord,
    PipelineStatus,
    ScheduleRecord,
    SlotRecord,
    StepStatus,
    Trigger,
)
from shipyard.pipelines.schedule_service import DEFAULT_LEASE_MS, DEFAULT_MAX_ATTEMPTS
from shipyard.pipelines.scheduler import Launch, Leasing, interval_params, tick

__all__ = [
    "BackendTracker",
    "PipelineRun",
    "backfill",
    "close_abandoned_run",
    "load_pipeline",
    "register",
    "resume",
    "run_pipeline",
    "run_scheduler",
    "scheduler_identity",
    "step_logs",
]


class BackendTracker:
    """``RunTracker`` over a backend: tracked runs, artifact checks, log blobs."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._system: dict[str, Any] | None = None
        self._lock = threading.Lock()

    @property
    def tracking_uri(self) -> str:
        return self.backend.uri

    def _system_info(self) -> dict[str, Any]:
        with self._lock:
            if self._system is None:
                from shipyard.tracking.system_info import CaptureOptions, capture_system_info

                self._system = capture_system_info(CaptureOptions.from_env())
            return self._system

    def start_run(
        self, project: str, name: str, *, parent_id: str | None, tags: Mapping[str, str]
    ) -> str:
        record = self.backend.create_run(
            project, name=name, parent_id=parent_id, tags=dict(tags), system=self._system_info()
        )
        return record.id

    def end_run(self, run_id: str, status: str) -> None:
        self.backend.update_run(run_id, status=status, end_time=now_ms())

    def output_available(self, ref: str) -> bool:
        try:
            files = self.backend.artifact_files(ref)
        except ArtifactNotFoundError:
            return False
        digests = [str(f.digest) for f in files if f.digest is not None]
        return not self.backend.missing_blobs(digests)

    def store_log(self, path: str) -> tuple[str, int] | None:
        return store_log(self.backend, path)


class PipelineRun:
    """A finished pipeline run: its record and a way to load step outputs."""

    def __init__(self, record: PipelineRunRecord, backend: Backend) -> None:
        self.record = record
        self.backend = backend

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def status(self) -> str:
        return self.record.status

    def __repr__(self) -> str:
        return f"<PipelineRun {self.record.pipeline} {self.id} {self.status}>"

    def output(self, step: str | None = None, *, allow_pickle: bool = False) -> Any:
        """Load the value a step returned (default: the last step)."""
        steps = self.record.steps
        record = self.record.step(step) if step is not None else steps[-1]
        info = record.outputs.get("value")
        if info is None:
            raise InvalidPipelineError(f"Step {record.name!r} has no stored output")
        from shipyard.client.artifacts import ArtifactVersion

        version = ArtifactVersion(self.backend.get_artifact_version(info["ref"]), self.backend)
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            return load_value(version.download(Path(tmp)), info, allow_pickle=allow_pickle)


def _target_of(pipe: Pipeline) -> str:
    module, _, attr = pipe.target.partition(":")
    main = sys.modules.get(module)
    if module == "__main__" and main is not None and getattr(main, "__file__", None):
        return f"{os.path.abspath(str(main.__file__))}:{attr}"
    return pipe.target


def run_pipeline(
    pipe: Pipeline,
    params: Mapping[str, Any] | None = None,
    *,
    executor: str = "local",
    tracking_uri: str | None = None,
    max_workers: int | None = None,
    ray_address: str | None = None,
    progress: Event | None = None,
    opts: RunOptions | None = None,
    backend: Backend | None = None,
) -> PipelineRun:
    """Build the graph with ``params`` and run it; raises ``PipelineFailedError`` when a
    step fails (the run stays recorded for ``show``, ``logs`` and ``resume``)."""
    backend = backend or backend_for(tracking_uri)
    full = pipe.bind(dict(params or {}))
    graph = pipe.build(full)
    pipe.target = _target_of(pipe)
    runner = make_executor(executor, run_step, max_workers=max_workers, ray_address=ray_address)
    opts = opts or RunOptions()
    if progress is not None:
        opts.on_event = progress
    try:
        record = execute(
            pipe,
            graph,
            full,
            store=backend,
            tracker=BackendTracker(backend),
            executor=runner,
            opts=opts,
        )
    finally:
        runner.close()
    if record.status != "SUCCEEDED":
        failed = next((s.name for s in record.steps if s.status in ("FAILED", "TIMED_OUT")), "")
        raise PipelineFailedError(
            f"Pipeline {pipe.name!r} run {record.id} failed: {record.error}",
            run_id=record.id,
            step=failed,
        )
    return PipelineRun(record, backend)


def _runner(pipe: Pipeline, params: dict[str, Any], **options: Any) -> PipelineRun:
    return run_pipeline(pipe, params, **options)


dsl.set_runner(_runner)


def load_pipeline(target: str) -> Pipeline:
    """Import ``package.module:attr`` or ``path/to/file.py:attr`` (the current folder is
    put on the import path) and return the ``@pipeline`` it names."""
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    obj = resolve(target)
    if not isinstance(obj, Pipeline):
        raise InvalidPipelineError(f"{target!r} is not a @pipeline (got {type(obj).__name__})")
    module_name, _, attr = target.rpartition(":")
    obj.target = f"{Path(module_name).resolve()}:{attr}" if module_name.endswith(".py") else target
    return obj


def register(backend: Backend, pipe: Pipeline) -> None:
    """Record the pipeline (name, project, import target, graph with default params)."""
    try:
        graph = pipe.build({})
    except InvalidPipelineError:
        graph = None
    backend.register_pipeline(pipe.name, pipe.project, _target_of(pipe), pipe.definition(graph))


def resume(run_id: str, *, backend: Backend, **options: Any) -> PipelineRun:
    """Run a failed pipeline run again as a new run that reuses the outputs of every step
    that succeeded (or was cached) and re-runs the failed step and everything after it."""
    old = backend.get_pipeline_run(run_id)
    if old.status in ("SUCCEEDED", "RUNNING"):
        raise InvalidPipelineError(
            f"Pipeline run {run_id} is {old.status}; only failed or killed runs resume"
        )
    pipe = load_pipeline(backend.get_pipeline(old.pipeline).target)
    reuse = {s.name: s for s in old.steps if StepStatus(s.status).done_ok}
    opts = RunOptions(trigger=Trigger.RESUME.value, resumed_from=run_id, reuse=reuse)
    return run_pipeline(pipe, old.params, backend=backend, opts=opts, **options)


def backfill(
    name: str,
    start: str,
    end: str,
    *,
    backend: Backend,
    cron: str | None = None,
    timezone: str | None = None,
    params: Mapping[str, Any] | None = None,
    on_interval: Callable[[datetime, datetime, PipelineRun | Exception], None] | None = None,
    **options: Any,
) -> list[PipelineRun | Exception]:
    """One run per cron interval whose start is in ``[start, end)``, with
    ``interval_start`` / ``interval_end`` (ISO 8601) as parameters."""
    pipe = load_pipeline(backend.get_pipeline(name).target)
    cron = cron or pipe.schedule
    if cron is None:
        raise InvalidPipelineError(f"Pipeline {name!r} has no schedule; pass a cron expression")
    tz = timezone or pipe.timezone
    if not (pipe.accepts("interval_start") and pipe.accepts("interval_end")):
        raise InvalidPipelineError(
            f"Pipeline {name!r} must take interval_start and interval_end parameters to be "
            "backfilled"
        )
    results: list[PipelineRun | Exception] = []
    for lo, hi in list(intervals(cron, tz, parse_when(start, tz), parse_when(end, tz))):
        values = {
            **dict(params or {}),
            "interval_start": lo.isoformat(),
            "interval_end": hi.isoformat(),
        }
        opts = RunOptions(trigger=Trigger.BACKFILL.value, slot_time=to_ms(hi))
        outcome: PipelineRun | Exception
        try:
            outcome = run_pipeline(pipe, values, backend=backend, opts=opts, **options)
        except PipelineFailedError as exc:
            outcome = exc
        results.append(outcome)
        if on_interval is not None:
            on_interval(lo, hi, outcome)
    return results


def step_logs(backend: Backend, run_id: str, step: str | None = None) -> list[tuple[str, str]]:
    """(step, log text) of a pipeline run's steps (or one step)."""
    import tempfile

    record = backend.get_pipeline_run(run_id)
    steps = [record.step(step)] if step is not None else record.steps
    out: list[tuple[str, str]] = []
    for s in steps:
        if s.log_digest is None:
            out.append((s.name, ""))
            continue
        with tempfile.TemporaryDirectory() as tmp:
            path = backend.download_blob(s.log_digest, Path(tmp) / "log.txt")
            out.append((s.name, path.read_text(errors="replace")))
    return out


def _launch(backend: Backend, options: Mapping[str, Any]) -> Launch:
    def launch(schedule: ScheduleRecord, slot: int, started: Callable[[str], None]) -> str:
        pipe = load_pipeline(backend.get_pipeline(schedule.pipeline).target)
        values = dict(schedule.params)
        if pipe.accepts("interval_start") and pipe.accepts("interval_end"):
            values.update(interval_params(schedule, slot))

        def on_event(kind: str, step: str, data: Mapping[str, Any]) -> None:
            if kind == "started":
                started(str(data["run_id"]))

        opts = RunOptions(
            trigger=Trigger.SCHEDULE.value,
            schedule_id=schedule.id,
            slot_time=slot,
            on_event=on_event,
        )
        return run_pipeline(pipe, values, backend=backend, opts=opts, **options).id

    return launch


def close_abandoned_run(backend: Backend, slot: SlotRecord) -> None:
    """Mark the pipeline run a dead scheduler left RUNNING (and its tracked runs) KILLED,
    its running steps FAILED and its pending ones SKIPPED."""
    if slot.previous_run_id is None:
        return
    try:
        record = backend.get_pipeline_run(slot.previous_run_id)
    except PipelineRunNotFoundError:
        return
    if record.status != PipelineStatus.RUNNING:
        return
    why = f"scheduler {slot.previous_owner!r} died (its slot lease expired)"
    ended = now_ms()
    for step in record.steps:
        if step.status == StepStatus.RUNNING:
            backend.update_step_run(
                record.id, step.name, status=StepStatus.FAILED.value, error=why, ended_at=ended
            )
            if step.run_id is not None:
                backend.update_run(step.run_id, status="KILLED", end_time=ended)
        elif step.status == StepStatus.PENDING:
            backend.update_step_run(record.id, step.name, status=StepStatus.SKIPPED.value)
    backend.finish_pipeline_run(record.id, PipelineStatus.KILLED.value, why)
    backend.update_run(record.id, status="KILLED", end_time=ended)


def scheduler_identity() -> str:
    """host:pid:thread, how a scheduler names itself in the slots it claims."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def run_scheduler(
    backend: Backend,
    *,
    poll_s: float = 10.0,
    grace_s: float = 60.0,
    lease_s: float = DEFAULT_LEASE_MS / 1000,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    once: bool = False,
    stop: threading.Event | None = None,
    on_tick: Callable[[list[tuple[str, int, str]]], None] | None = None,
    clock: Callable[[], int] = now_ms,
    **options: Any,
) -> None:
    """Fire due slots of every active schedule until ``stop`` is set (or once). Each
    claimed slot is a lease of ``lease_s`` renewed while its pipeline runs; the slots of
    a scheduler that died are taken over once their lease expired, at most
    ``max_attempts`` schedulers in all per slot."""
    stop = stop or threading.Event()
    lease = Leasing(
        scheduler_identity(),
        lease_ms=int(lease_s * 1000),
        max_attempts=max_attempts,
        on_takeover=lambda _schedule, slot: close_abandoned_run(backend, slot),
    )
    launch = _launch(backend, options)
    while not stop.is_set():
        handled = tick(backend, clock(), launch, lease=lease, grace_ms=int(grace_s * 1000))
        if on_tick is not None:
            on_tick(handled)
        if once:
            return
        stop.wait(poll_s)
