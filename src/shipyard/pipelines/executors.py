"""Executors run one step attempt in its own process, with a timeout that kills it.

* ``ProcessExecutor`` (default): a process per attempt from a ``forkserver`` (a clean
  parent with the heavy imports done); the step is imported by reference in the child
  and the result comes back as a JSON file.
* ``RayExecutor``: a Ray task per attempt; ``ray.init()`` starts a local Ray when no
  address is given, ``RAY_ADDRESS`` or ``ray_address`` joins a cluster. A timed-out task
  is cancelled with ``force=True``, which kills its worker process. Ray is optional and
  imported only here, when asked for.
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any, Protocol

from shipyard.core.errors import InvalidPipelineError
from shipyard.pipelines.ports import StepResult, StepTask, Worker

__all__ = ["Executor", "ProcessExecutor", "RayExecutor", "make_executor"]


PRELOAD = ("shipyard", "shipyard.client.pipeline_worker", "numpy", "pandas", "pyarrow.parquet")


class Executor(Protocol):
    name: str
    max_workers: int
    local_logs: bool

    def run(self, task: StepTask, timeout_s: float | None) -> StepResult: ...

    def close(self) -> None: ...


def _child(worker: Worker, task: StepTask, result_path: str) -> None:
    try:
        result = worker(task)
    except BaseException as exc:  # the worker reports step errors itself; this is a bug
        result = StepResult(
            ok=False, error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"
        )
    Path(result_path).write_text(json.dumps(result.to_dict()))


class ProcessExecutor:
    """One process per step attempt, forked from a clean ``forkserver`` process that has
    Shipyard, numpy and pandas imported (no inherited database connections or threads);
    ``max_workers`` run at once."""

    name = "local"
    local_logs = True

    def __init__(self, worker: Worker, max_workers: int | None = None) -> None:
        self.worker = worker
        self.max_workers = max_workers or os.cpu_count() or 2
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(list(PRELOAD))

    def run(self, task: StepTask, timeout_s: float | None) -> StepResult:
        with tempfile.TemporaryDirectory(prefix="shipyard-step-") as tmp:
            result_path = os.path.join(tmp, "result.json")
            # the forkserver's environment is from when it started: send the current one
            bare = dataclasses.replace(task, fn=None, env=dict(os.environ))
            proc = self._ctx.Process(
                target=_child, args=(self.worker, bare, result_path), daemon=False
            )
            proc.start()
            proc.join(timeout_s)
            if proc.is_alive():
                proc.kill()
                proc.join()
                return StepResult(
                    ok=False, timed_out=True, error=f"Timed out after {timeout_s:g} s (killed)"
                )
            if not os.path.exists(result_path):
                return StepResult(
                    ok=False, error=f"The step's process died with exit code {proc.exitcode}"
                )
            return StepResult.from_dict(json.loads(Path(result_path).read_text()))

    def close(self) -> None:
        """Nothing is kept between attempts."""


class RayExecutor:
    """A Ray task per step attempt, on a local Ray or the cluster at ``address``."""

    name = "ray"
    local_logs = False

    def __init__(
        self, worker: Worker, address: str | None = None, max_workers: int | None = None
    ) -> None:
        try:
            import ray
        except ImportError as exc:
            raise InvalidPipelineError(
                "The Ray executor needs Ray: pip install 'shipyard[ray]'"
            ) from exc
        self._ray = ray
        address = address or os.environ.get("RAY_ADDRESS") or None
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"ignore_reinit_error": True, "log_to_driver": False}
            if address is None:
                # a local Ray: workers see the driver's import path, so steps import
                kwargs["runtime_env"] = {"env_vars": {"PYTHONPATH": os.pathsep.join(sys.path)}}
            ray.init(address=address, **kwargs)
        cpus = int(ray.cluster_resources().get("CPU", 1))  # type: ignore[no-untyped-call]
        self.max_workers = max_workers or max(cpus, 1)
        self._remote = ray.remote(max_retries=0, num_cpus=1)(worker)

    def run(self, task: StepTask, timeout_s: float | None) -> StepResult:
        ray = self._ray
        ref = self._remote.remote(task)
        started = time.monotonic()
        ready, _ = ray.wait([ref], timeout=timeout_s)
        if not ready:
            ray.cancel(ref, force=True)
            waited = time.monotonic() - started
            return StepResult(
                ok=False, timed_out=True, error=f"Timed out after {waited:.1f} s (killed)"
            )
        try:
            result: StepResult = ray.get(ref)
        except Exception as exc:  # a worker crash or a task Ray could not run
            return StepResult(ok=False, error=f"Ray task failed: {type(exc).__name__}: {exc}")
        return result

    def close(self) -> None:
        """Leave Ray running: it is shared by the process and costly to start."""


def make_executor(
    kind: str, worker: Worker, *, max_workers: int | None = None, ray_address: str | None = None
) -> Executor:
    """``"local"`` (processes) or ``"ray"``."""
    if max_workers is not None and max_workers < 1:
        raise InvalidPipelineError(f"max_workers must be at least 1, got {max_workers}")
    if kind == "local":
        return ProcessExecutor(worker, max_workers)
    if kind == "ray":
        return RayExecutor(worker, ray_address, max_workers)
    raise InvalidPipelineError(f"Unknown executor {kind!r}; use 'local' or 'ray'")
