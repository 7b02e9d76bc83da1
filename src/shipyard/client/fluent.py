"""Module-level API: ``sy.start_run``, ``sy.log``, ``sy.active_run`` and friends."""

from __future__ import annotations

import atexit
import getpass
import os
import signal
import sys
import threading
import warnings
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from shipyard.client.backend import Backend
from shipyard.client.factory import backend_for, offline_backend
from shipyard.client.run import Run
from shipyard.core.config import offline_mode_from_env
from shipyard.core.errors import InvalidInputError, NotFoundError, RunAlreadyExistsError
from shipyard.tracking.entities import RunStatus

DEFAULT_PROJECT = "default"


class _ProcessState:
    """Runs started in this process and how the process is ending."""

    def __init__(self) -> None:
        self.active: list[Run] = []
        self.lock = threading.Lock()
        self.hooks_installed = False
        self.exit_status = RunStatus.FINISHED


_state = _ProcessState()


def start_run(  # noqa: PLR0917 - the documented public signature takes these in order
    project: str | None = None,
    name: str | None = None,
    config: Mapping[str, Any] | None = None,
    tags: Mapping[str, Any] | None = None,
    run_id: str | None = None,
    resume: bool = False,
    parent: Run | str | None = None,
    *,
    offline: bool | None = None,
    tracking_uri: str | None = None,
    capture: Any = None,
    system_metrics: bool | float = False,
    save_code: bool = False,
) -> Run:
    """Start (or with ``resume=True`` continue) a run; use as a context manager or call
    ``run.finish()``. ``offline=True`` (or ``SHIPYARD_MODE=offline``) logs locally for a
    later ``shipyard sync``. ``system_metrics=True`` (or a period in seconds) samples
    CPU, memory, disk, network and GPU as ``system/*`` metrics. ``save_code=True``
    stores the git-tracked files of the working directory's repository as a ``code``
    artifact produced by the run (``run.log_code()``; a warning if there is no repo)."""
    offline = offline_mode_from_env() if offline is None else offline
    backend = offline_backend() if offline else backend_for(tracking_uri)
    project = project or os.environ.get("SHIPYARD_PROJECT") or DEFAULT_PROJECT
    parent_id = parent.id if isinstance(parent, Run) else parent
    record = None
    if run_id is not None and resume:
        record = _resume(backend, run_id)
    if record is None:
        from shipyard.tracking.system_info import CaptureOptions, capture_system_info

        opts = capture if isinstance(capture, CaptureOptions) else CaptureOptions.from_env()
        system = capture_system_info(opts)
        try:
            record = backend.create_run(
                project,
                name=name,
                config=config,
                tags=tags,
                parent_id=parent_id,
                run_id=run_id,
                user=_user(),
                system=system,
            )
        except RunAlreadyExistsError as exc:
            raise RunAlreadyExistsError(
                f"{exc.message}; pass resume=True to keep logging to it"
            ) from exc
    from shipyard.tracking.system_info import RunClock

    clock = RunClock()
    run = Run(record, backend, live=True)
    if resume and (config or tags):
        if config:
            from shipyard.tracking.validation import flatten_config

            run.log_params(flatten_config(config))
        if tags:
            run.set_tags(tags)
    run.add_finish_hook(lambda: {"run_time": clock.stop()})
    if system_metrics:
        _attach_sampler(run, system_metrics)
    if save_code and not resume:
        _save_code(run)
    _push(run)
    return run


def _save_code(run: Run) -> None:
    try:
        run.log_code()
    except InvalidInputError as exc:
        warnings.warn(f"save_code: {exc.message}", stacklevel=3)


def _resume(backend: Backend, run_id: str) -> Any:
    try:
        backend.get_run(run_id)
    except NotFoundError:
        return None
    return backend.update_run(run_id, status=RunStatus.RUNNING.value)


def _attach_sampler(run: Run, setting: bool | float) -> None:
    from shipyard.tracking.system_metrics import SystemMetricsSampler

    interval = None if setting is True else float(setting)
    kwargs = {} if interval is None else {"interval_s": interval}
    counter = iter(range(1 << 62))
    sampler = SystemMetricsSampler(callback=lambda m: _log_system(run, m, next(counter)), **kwargs)
    sampler.start()
    run.add_finish_hook(sampler.stop)


def _log_system(run: Run, metrics: dict[str, float], sample: int) -> None:
    """System metrics get their own step axis: the sample number."""
    from shipyard.core.timeutil import now_ms
    from shipyard.tracking.entities import MetricPoint

    logger = run._logger
    if logger is not None:
        ts = now_ms()
        for key, value in metrics.items():
            logger.put_point(MetricPoint(key, float(value), sample, ts))


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def _push(run: Run) -> None:
    with _state.lock:
        _state.active.append(run)
        if not _state.hooks_installed:
            _install_exit_hooks()
            _state.hooks_installed = True


def _forget(run: Run) -> None:
    with _state.lock:
        if run in _state.active:
            _state.active.remove(run)


def active_run() -> Run | None:
    """The innermost run started in this process and not yet finished."""
    with _state.lock:
        return _state.active[-1] if _state.active else None


def _require_active() -> Run:
    run = active_run()
    if run is None:
        raise InvalidInputError("No active run: call sy.start_run(...) first")
    return run


def log(data: Mapping[str, Any], step: int | None = None) -> None:
    """``run.log`` on the active run."""
    _require_active().log(data, step=step)


def log_metric(
    key: str, value: float, step: int | None = None, timestamp: int | None = None
) -> None:
    _require_active().log_metric(key, value, step=step, timestamp=timestamp)


def log_params(params: Mapping[str, Any]) -> None:
    _require_active().log_params(params)


def set_tags(tags: Mapping[str, Any]) -> None:
    _require_active().set_tags(tags)


def finish(status: str = RunStatus.FINISHED.value) -> None:
    """Finish the active run."""
    _require_active().finish(status)


class Terminated(SystemExit):
    """Raised in the main thread when the process gets SIGTERM while runs are open."""


def _install_exit_hooks() -> None:
    """At exit, finish runs still open: FAILED after an uncaught exception, KILLED after
    Ctrl-C or SIGTERM, FINISHED otherwise."""
    previous = sys.excepthook
    _install_sigterm_handler()

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        _state.exit_status = (
            RunStatus.KILLED if issubclass(exc_type, KeyboardInterrupt) else RunStatus.FAILED
        )
        previous(exc_type, exc, tb)

    sys.excepthook = hook
    atexit.register(_finish_all)


def _install_sigterm_handler() -> None:
    """Turn SIGTERM into ``Terminated`` so ``with`` blocks and atexit close runs as KILLED.

    Only from the main thread, and only when nobody else handles SIGTERM already."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return

    def on_sigterm(signum: int, _frame: Any) -> None:
        _state.exit_status = RunStatus.KILLED
        raise Terminated(128 + signum)

    signal.signal(signal.SIGTERM, on_sigterm)


def _finish_all() -> None:
    while True:
        run = active_run()
        if run is None:
            return
        run.finish(_state.exit_status)
