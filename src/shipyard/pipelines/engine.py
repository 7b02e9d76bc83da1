"""The orchestrator: runs a step graph, independent steps in parallel.

For each step whose upstream steps are done it either reuses a stored result (``reuse``
from a resumed run, or a cache hit on code hash + parameters + input digests) or submits
attempts to the executor, retrying with exponential backoff. The first failure stops new
submissions; running steps finish, downstream steps are marked SKIPPED.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from shipyard.core.timeutil import now_ms
from shipyard.pipelines.dsl import Graph, Node, Pipeline
from shipyard.pipelines.executors import Executor
from shipyard.pipelines.hashing import cache_key
from shipyard.pipelines.ports import PipelineStore, RunTracker, StepResult, StepTask
from shipyard.pipelines.records import PipelineRunRecord, PipelineStatus, StepRunRecord, StepStatus

__all__ = ["Event", "RunOptions", "execute"]

MAX_BACKOFF_S = 300.0
Event = Callable[[str, str, Mapping[str, Any]], None]


@dataclass
class RunOptions:
    """How a graph is run and recorded."""

    trigger: str = "manual"
    schedule_id: int | None = None
    slot_time: int | None = None
    resumed_from: str | None = None
    reuse: dict[str, StepRunRecord] = field(default_factory=dict)
    on_event: Event | None = None


def _artifact_name(pipeline: str, step: str) -> str:
    return f"{pipeline}.{step}"


class _Run:
    """State of one pipeline run while it executes."""

    def __init__(
        self,
        pipe: Pipeline,
        graph: Graph,
        params: dict[str, Any],
        *,
        store: PipelineStore,
        tracker: RunTracker,
        executor: Executor,
        opts: RunOptions,
    ) -> None:
        self.pipe, self.graph, self.params = pipe, graph, params
        self.store, self.tracker, self.executor, self.opts = store, tracker, executor, opts
        self.outputs: dict[str, dict[str, Any]] = {}
        self.status: dict[str, StepStatus] = {n.name: StepStatus.PENDING for n in graph.nodes}
        self.failed: tuple[str, str] | None = None
        self.run_id = ""

    def emit(self, kind: str, step: str, data: Mapping[str, Any]) -> None:
        if self.opts.on_event is not None:
            self.opts.on_event(kind, step, data)

    def update(self, node: Node, status: StepStatus, **values: Any) -> StepRunRecord:
        self.status[node.name] = status
        record = self.store.update_step_run(self.run_id, node.name, status=status.value, **values)
        self.emit(status.value, node.name, record.to_dict())
        return record

    # -- the loop --------------------------------------------------------------------
    def start(self) -> None:
        pipe = self.pipe
        self.store.register_pipeline(
            pipe.name, pipe.project, pipe.target, pipe.definition(self.graph)
        )
        tags = {"shipyard.pipeline": pipe.name, "shipyard.trigger": self.opts.trigger}
        self.run_id = self.tracker.start_run(pipe.project, pipe.name, parent_id=None, tags=tags)
        steps = [{"name": n.name, "upstream": n.upstream} for n in self.graph.nodes]
        self.store.create_pipeline_run(
            pipe.name,
            self.run_id,
            steps,
            params=self.params,
            executor=self.executor.name,
            trigger=self.opts.trigger,
            schedule_id=self.opts.schedule_id,
            slot_time=self.opts.slot_time,
            resumed_from=self.opts.resumed_from,
        )
        self.emit(
            "started", "", {"run_id": self.run_id, "steps": [n.name for n in self.graph.nodes]}
        )

    def ready(self) -> list[Node]:
        return [
            n
            for n in self.graph.nodes
            if self.status[n.name] is StepStatus.PENDING
            and all(self.status[u].done_ok for u in n.upstream)
        ]

    def loop(self) -> PipelineRunRecord:
        running: dict[Future[StepResult], tuple[Node, int]] = {}
        with ThreadPoolExecutor(max_workers=self.executor.max_workers) as pool:
            while True:
                progressed = False
                if self.failed is None:
                    for node in self.ready():
                        submitted = self.dispatch(node, pool)
                        if submitted is None:
                            progressed = True
                        else:
                            running[submitted[0]] = (node, submitted[1])
                if progressed:
                    continue
                if not running:
                    break
                done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for fut in done:
                    node, started = running.pop(fut)
                    self.finish_step(node, fut.result(), started)
        return self.close()

    def dispatch(
        self, node: Node, pool: ThreadPoolExecutor
    ) -> tuple[Future[StepResult], int] | None:
        """Reuse a stored result (returns None) or submit the step's attempts."""
        if node.name in self.opts.reuse:
            old = self.opts.reuse[node.name]
            self.outputs[node.name] = old.outputs
            self.update(
                node,
                StepStatus.REUSED,
                outputs=old.outputs,
                cached_from=old.id,
                cache_key=old.cache_key,
                code_hash=old.code_hash,
                inputs=old.inputs,
                duration_ms=0,
            )
            return None
        code = node.step.code_hash()
        digests = {arg: self.outputs[up]["value"]["digest"] for arg, up in node.refs.items()}
        key = cache_key(code, node.params, digests)
        inputs = {
            **{a: {"step": u, **self.outputs[u]["value"]} for a, u in node.refs.items()},
            **{a: {"param": v} for a, v in node.params.items()},
        }
        if node.step.cache:
            hit = self.store.find_cached_step(key)
            if hit is not None and self.tracker.output_available(hit.outputs["value"]["ref"]):
                self.outputs[node.name] = hit.outputs
                self.update(
                    node,
                    StepStatus.CACHED,
                    outputs=hit.outputs,
                    cached_from=hit.id,
                    cache_key=key,
                    code_hash=code,
                    inputs=inputs,
                    duration_ms=0,
                )
                return None
        started = now_ms()
        self.update(
            node,
            StepStatus.RUNNING,
            cache_key=key,
            code_hash=code,
            inputs=inputs,
            started_at=started,
        )
        return pool.submit(self.attempts, node, inputs), started

    def attempts(self, node: Node, inputs: dict[str, Any]) -> StepResult:
        """Every attempt of one step, with exponential backoff (runs on a pool thread)."""
        step = node.step
        result = StepResult(ok=False, error="not run")
        for attempt in range(1, step.retries + 2):
            tags = {
                "shipyard.pipeline": self.pipe.name,
                "shipyard.step": node.name,
                "shipyard.attempt": str(attempt),
            }
            run_id = self.tracker.start_run(
                self.pipe.project, node.name, parent_id=self.run_id, tags=tags
            )
            self.store.update_step_run(self.run_id, node.name, run_id=run_id, attempts=attempt)
            self.emit("attempt", node.name, {"attempt": attempt, "run_id": run_id})
            result = self.attempt(node, inputs, run_id, attempt)
            if result.ok:
                return result
            self.tracker.end_run(run_id, "KILLED" if result.timed_out else "FAILED")
            if attempt <= step.retries:
                delay = min(step.retry_delay_s * 2 ** (attempt - 1), MAX_BACKOFF_S)
                self.emit(
                    "retry",
                    node.name,
                    {"attempt": attempt, "delay_s": delay, "error": result.error},
                )
                time.sleep(delay)
        return result

    def attempt(self, node: Node, inputs: dict[str, Any], run_id: str, attempt: int) -> StepResult:
        refs = {
            a: {k: v for k, v in i.items() if k != "step"} for a, i in inputs.items() if "ref" in i
        }
        local = self.executor.local_logs
        log_path = os.path.join(tempfile.gettempdir(), f"shipyard-log-{uuid.uuid4().hex}.txt")
        task = StepTask(
            pipeline=self.pipe.name,
            pipeline_run_id=self.run_id,
            step=node.name,
            run_id=run_id,
            attempt=attempt,
            fn=node.step.fn,
            fn_ref=node.step.ref,
            params=dict(node.params),
            inputs=refs,
            artifact_name=_artifact_name(self.pipe.name, node.name),
            tracking_uri=self.tracker.tracking_uri,
            allow_pickle=node.step.pickle,
            log_path=log_path if local else None,
            upload_logs=not local,
        )
        result = self.executor.run(task, node.step.timeout_s)
        if local:
            stored = self.tracker.store_log(log_path) if os.path.exists(log_path) else None
            with_log = result.to_dict()
            if stored is not None:
                with_log["log_digest"], with_log["log_bytes"] = stored
                os.unlink(log_path)
            result = StepResult.from_dict(with_log)
        return result

    def finish_step(self, node: Node, result: StepResult, started: int) -> None:
        ended = now_ms()
        common = {
            "ended_at": ended,
            "duration_ms": ended - started,
            "log_digest": result.log_digest,
            "log_bytes": result.log_bytes,
        }
        if result.ok:
            self.outputs[node.name] = result.outputs
            self.update(node, StepStatus.SUCCEEDED, outputs=result.outputs, **common)
            return
        status = StepStatus.TIMED_OUT if result.timed_out else StepStatus.FAILED
        self.update(node, status, error=result.error, **common)
        if self.failed is None:
            self.failed = (node.name, result.error or status.value)

    def close(self) -> PipelineRunRecord:
        for node in self.graph.nodes:
            if self.status[node.name] is StepStatus.PENDING:
                self.update(node, StepStatus.SKIPPED)
        if self.failed is None:
            status, error = PipelineStatus.SUCCEEDED, None
        else:
            status = PipelineStatus.FAILED
            error = f"step {self.failed[0]!r} failed: {self.failed[1]}"[:10_000]
        record = self.store.finish_pipeline_run(self.run_id, status.value, error)
        self.tracker.end_run(self.run_id, "FINISHED" if self.failed is None else "FAILED")
        self.emit("finished", "", record.to_dict())
        return record


def execute(
    pipe: Pipeline,
    graph: Graph,
    params: dict[str, Any],
    *,
    store: PipelineStore,
    tracker: RunTracker,
    executor: Executor,
    opts: RunOptions | None = None,
) -> PipelineRunRecord:
    """Run ``graph`` and record it; returns the finished pipeline run (check ``status``)."""
    run = _Run(
        pipe,
        graph,
        params,
        store=store,
        tracker=tracker,
        executor=executor,
        opts=opts or RunOptions(),
    )
    run.start()
    try:
        return run.loop()
    except BaseException:
        store.finish_pipeline_run(run.run_id, PipelineStatus.KILLED.value, "interrupted")
        tracker.end_run(run.run_id, "KILLED")
        raise
