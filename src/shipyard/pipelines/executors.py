"""Executors run one step attempt in a separate process, with a timeout that kills it.

* ``ProcessExecutor`` (default): up to ``max_workers`` worker processes, forked from a
  ``forkserver`` that has the heavy imports done (so no database connection or thread
  of the caller is inherited). A worker serves the attempts of one pipeline run one
  after the other, which keeps its imports, connections and compiled statements warm; a
  timed-out attempt kills its worker, which is replaced by a fresh one. Steps are
  imported by reference in the worker; results come back over a pipe.
* ``RayExecutor``: a Ray task per attempt; ``ray.init()`` starts a local Ray when no
  address is given, ``RAY_ADDRESS`` or ``ray_address`` joins a cluster. A timed-out task
  is cancelled with ``force=True``, which kills its worker process. Ray is optional and
  imported only here, when asked for.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import queue
import sys
import threading
import time
import traceback
from multiprocessing.connection import Connection
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


def _serve(conn: Connection, worker: Worker) -> None:
    """A worker process: run the tasks that arrive on ``conn`` until it is closed."""
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        try:
            result = worker(task)
        except BaseException as exc:  # the worker reports step errors itself; this is a bug
            trace = traceback.format_exc()
            result = StepResult(ok=False, error=f"{type(exc).__name__}: {exc}\n{trace}")
        conn.send(result.to_dict())


class _Slot:
    """One worker process and the pipe to it."""

    def __init__(self, ctx: Any, worker: Worker) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, worker), daemon=False)
        self.proc.start()
        child.close()

    def run(self, task: StepTask, timeout_s: float | None) -> StepResult:
        """The attempt's result; the process is killed on timeout and gone if it died."""
        try:
            self.conn.send(task)
            if self.conn.poll(timeout_s):
                return StepResult.from_dict(self.conn.recv())
        except (EOFError, OSError):
            self.proc.join(5)
            return StepResult(
                ok=False, error=f"The step's process died with exit code {self.proc.exitcode}"
            )
        self.kill()
        return StepResult(
            ok=False, timed_out=True, error=f"Timed out after {timeout_s:g} s (killed)"
        )

    @property
    def alive(self) -> bool:
        return bool(self.proc.is_alive())

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        self.conn.close()

    def close(self) -> None:
        self.conn.close()  # the worker sees EOF and exits
        self.proc.join(5)
        if self.proc.is_alive():
            self.kill()


class ProcessExecutor:
    """Warm worker processes from a forkserver; ``max_workers`` attempts run at once."""

    name = "local"
    local_logs = True

    def __init__(self, worker: Worker, max_workers: int | None = None) -> None:
        self.worker = worker
        self.max_workers = max_workers or os.cpu_count() or 2
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(list(PRELOAD))
        self._idle: queue.SimpleQueue[_Slot] = queue.SimpleQueue()
        self._slots: list[_Slot] = []
        self._lock = threading.Lock()

    def _take(self) -> _Slot:
        while True:
            try:
                slot = self._idle.get_nowait()
            except queue.Empty:
                break
            if slot.alive:
                return slot
        slot = _Slot(self._ctx, self.worker)
        with self._lock:
            self._slots.append(slot)
        return slot

    def run(self, task: StepTask, timeout_s: float | None) -> StepResult:
        slot = self._take()
        # the forkserver's environment is from when it started: send the current one
        bare = dataclasses.replace(task, fn=None, env=dict(os.environ))
        result = slot.run(bare, timeout_s)
        if slot.alive:
            self._idle.put(slot)
        return result

    def close(self) -> None:
        """Stop every worker process."""
        with self._lock:
            slots, self._slots = self._slots, []
        for slot in slots:
            slot.close()


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
