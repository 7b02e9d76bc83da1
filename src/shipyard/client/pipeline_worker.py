"""What runs inside a step's process: load inputs, call the function, store the output.

The step's tracked run was created by the orchestrator; the worker resumes it, so
``sy.log(...)`` inside a step logs to the step's run. stdout and stderr are redirected at
the file-descriptor level (so output of C extensions and subprocesses is kept too) and
``logging`` records at INFO and above are written there as well.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sys
import tempfile
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from shipyard.client.backend import Backend
from shipyard.client.factory import backend_for
from shipyard.client.fluent import start_run
from shipyard.client.run import Run
from shipyard.pipelines.dsl import Step, resolve
from shipyard.pipelines.materializers import load_value, save_value
from shipyard.pipelines.ports import StepResult, StepTask

__all__ = ["run_step", "store_log"]


@contextlib.contextmanager
def _captured(path: str) -> Iterator[None]:
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(lambda record: not record.name.startswith("alembic"))
    root = logging.getLogger()
    level = root.level
    try:
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        root.addHandler(handler)
        root.setLevel(min(level, logging.INFO) if level else logging.INFO)
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        root.removeHandler(handler)
        root.setLevel(level)
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for f in (fd, *saved):
            os.close(f)


def store_log(backend: Backend, path: str) -> tuple[str, int] | None:
    """Upload a log file as a blob; returns (digest, size), None for an empty log."""
    data = Path(path)
    size = data.stat().st_size
    if size == 0:
        return None
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    if backend.missing_blobs([digest]):
        backend.upload_blob(data, digest)
    return digest, size


def _load_inputs(run: Run, task: StepTask, tmp: Path) -> dict[str, Any]:
    kwargs: dict[str, Any] = dict(task.params)
    for arg, info in task.inputs.items():
        version = run.use_artifact(info["ref"])
        folder = version.download(tmp / "inputs" / arg)
        kwargs[arg] = load_value(folder, info, allow_pickle=task.allow_pickle)
    return kwargs


def _function(task: StepTask) -> Any:
    if task.fn is not None:
        return task.fn
    obj = resolve(task.fn_ref)
    return obj.fn if isinstance(obj, Step) else obj


def _execute(task: StepTask) -> StepResult:
    run = start_run(run_id=task.run_id, resume=True, tracking_uri=task.tracking_uri)
    try:
        with tempfile.TemporaryDirectory(prefix="shipyard-step-") as tmp:
            kwargs = _load_inputs(run, task, Path(tmp))
            print(f"[shipyard] step {task.step} attempt {task.attempt}", file=sys.stderr)
            value = _function(task)(**kwargs)
            out = Path(tmp) / "output"
            info = save_value(value, out, allow_pickle=task.allow_pickle)
            meta = {
                **info,
                "pipeline": task.pipeline,
                "step": task.step,
                "pipeline_run_id": task.pipeline_run_id,
            }
            version = run.log_artifact(
                out, name=task.artifact_name, type=info["artifact_type"], metadata=meta
            )
    except BaseException as exc:
        traceback.print_exc()
        run.finish("FAILED")
        return StepResult(ok=False, error=f"{type(exc).__name__}: {exc}"[:10_000])
    run.finish()
    value_out = {"ref": version.ref, "digest": version.digest, **info}
    return StepResult(ok=True, outputs={"value": value_out})


def run_step(task: StepTask) -> StepResult:
    """Run one attempt of a step (in a local worker process or a Ray worker)."""
    if task.env is not None:
        os.environ.clear()
        os.environ.update(task.env)
    log_path = task.log_path or os.path.join(
        tempfile.gettempdir(), f"shipyard-log-{os.getpid()}-{task.run_id}.txt"
    )
    with _captured(log_path):
        result = _execute(task)
    if not task.upload_logs:
        return result
    try:
        stored = store_log(backend_for(task.tracking_uri), log_path)
    finally:
        os.unlink(log_path)
    if stored is None:
        return result
    return StepResult(**{**result.to_dict(), "log_digest": stored[0], "log_bytes": stored[1]})
