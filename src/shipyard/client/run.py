"""``Run``: the object ``sy.start_run`` returns (live) and queries return (read-only)."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from types import TracebackType
from typing import Any

from shipyard.artifacts import FileEntry
from shipyard.client.artifacts import ArtifactVersion, Progress, Reference, log_artifact
from shipyard.client.backend import Backend
from shipyard.client.logger import BatchLogger
from shipyard.client.media_upload import log_media_values
from shipyard.core.errors import (
    ImmutableParamError,
    InvalidInputError,
    RunNotActiveError,
    ShipyardError,
)
from shipyard.core.timeutil import now_ms
from shipyard.media import Media, media_items
from shipyard.tracking.entities import TERMINAL_STATUSES, MetricPoint, RunRecord, RunStatus
from shipyard.tracking.validation import check_key, metric_value, param_value

log = logging.getLogger("shipyard")


class Summary(MutableMapping[str, Any]):
    """Dict-like run summary: the last value of each metric unless set explicitly."""

    def __init__(self, run: Run) -> None:
        self._run = run

    def _merged(self) -> dict[str, Any]:
        merged = dict(self._run.metrics)
        merged.update(self._run._summary)
        return merged

    def __getitem__(self, key: str) -> Any:
        return self._merged()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._run._set_summary({key: value})

    def __delitem__(self, key: str) -> None:
        raise InvalidInputError("Summary values cannot be deleted; set a new value instead")

    def __iter__(self) -> Iterator[str]:
        return iter(self._merged())

    def __len__(self) -> int:
        return len(self._merged())

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._run._set_summary(dict(*args, **kwargs))

    def __repr__(self) -> str:
        return f"Summary({self._merged()!r})"


class Run:
    """A tracked run. Live runs log through a background batcher; others are snapshots."""

    def __init__(self, record: RunRecord, backend: Backend, *, live: bool = False) -> None:
        self._record = record
        self.backend = backend
        self._params = dict(record.params)
        self._tags = dict(record.tags)
        self._summary: dict[str, Any] = dict(record.summary_overrides)
        self._latest = dict(record.metrics)
        self._latest_step = {k: m.step for k, m in record.latest_metrics.items()}
        self._next_step = max(self._latest_step.values(), default=-1) + 1
        self._known_keys: set[str] = set(self._latest)
        self._lock = threading.Lock()
        self._logger: BatchLogger | None = BatchLogger(backend, record.id) if live else None
        self._status = record.status
        self._end_time = record.end_time
        self._on_finish: list[Any] = []

    @classmethod
    def from_record(cls, record: RunRecord, backend: Backend) -> Run:
        return cls(record, backend, live=False)

    # -- identity and state -----------------------------------------------------------
    @property
    def id(self) -> str:
        return self._record.id

    @property
    def name(self) -> str:
        return self._record.name

    @property
    def project(self) -> str:
        return self._record.project

    @property
    def status(self) -> str:
        return self._status.value

    @property
    def user(self) -> str:
        return self._record.user

    @property
    def parent_id(self) -> str | None:
        return self._record.parent_id

    @property
    def start_time(self) -> int:
        """Milliseconds since the epoch."""
        return self._record.start_time

    @property
    def end_time(self) -> int | None:
        return self._end_time

    @property
    def params(self) -> dict[str, str]:
        return dict(self._params)

    @property
    def config(self) -> dict[str, Any]:
        return dict(self._record.config)

    @property
    def tags(self) -> dict[str, str]:
        return dict(self._tags)

    @property
    def metrics(self) -> dict[str, float]:
        """Latest value of each metric."""
        with self._lock:
            return dict(self._latest)

    @property
    def summary(self) -> Summary:
        return Summary(self)

    @property
    def system(self) -> dict[str, Any]:
        return dict(self._record.system)

    @property
    def is_live(self) -> bool:
        return self._logger is not None

    def __repr__(self) -> str:
        return (
            f"Run(id={self.id!r}, name={self.name!r}, project={self.project!r}, "
            f"status={self.status})"
        )

    # -- logging ----------------------------------------------------------------------
    def log(self, data: Mapping[str, Any], step: int | None = None) -> None:
        """Log many metrics (and media: ``sy.Image``, ``sy.Table``, figures, ...) at one
        step; the step auto-increments when omitted. Media is stored before this returns."""
        logger = self._require_live()
        ts = now_ms()
        with self._lock:
            if step is None:
                step = self._next_step
            elif type(step) is not int:
                step = _int_step(step)
            if step >= self._next_step:
                self._next_step = step + 1
            values: dict[str, float] = {}
            media: dict[str, list[Media]] = {}
            known = self._known_keys
            for key, value in data.items():
                if key not in known:
                    check_key(key, "Metric")
                    known.add(key)
                if type(value) is float:
                    values[key] = value
                elif (items := media_items(value)) is not None:
                    media[key] = items
                else:
                    values[key] = metric_value(key, value)
            self._remember(values, step)
        if values or not media:
            logger.put_metrics(values, step, ts)
        if media:
            log_media_values(self.backend, self.id, media, step)

    def log_metric(
        self, key: str, value: float, step: int | None = None, timestamp: int | None = None
    ) -> None:
        """MLflow style: one metric; without a step it follows this key's last step."""
        logger = self._require_live()
        if key not in self._known_keys:
            check_key(key, "Metric")
            self._known_keys.add(key)
        value = metric_value(key, value)
        with self._lock:
            if step is None:
                step = self._latest_step.get(key, -1) + 1
            step = _int_step(step)
            self._remember({key: value}, step)
        logger.put_point(
            MetricPoint(key, value, step, now_ms() if timestamp is None else timestamp)
        )

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        """MLflow's ``log_metrics``: the same as ``log``."""
        self.log(metrics, step=step)

    def _remember(self, values: dict[str, float], step: int) -> None:
        latest_step = self._latest_step
        for key, value in values.items():
            if step >= latest_step.get(key, -1):
                latest_step[key] = step
                self._latest[key] = value

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Params are immutable: a different value for a logged key raises at once."""
        logger = self._require_live()
        clean = {check_key(k, "Param"): param_value(k, v) for k, v in params.items()}
        changed = sorted(k for k, v in clean.items() if k in self._params and self._params[k] != v)
        if changed:
            detail = "; ".join(f"{k!r}: {self._params[k]!r} → {clean[k]!r}" for k in changed[:5])
            raise ImmutableParamError(
                f"Params are immutable; run {self.id} already has a different value for {detail}",
                keys=changed,
            )
        self._params.update(clean)
        logger.put_params(clean)

    def log_param(self, key: str, value: Any) -> None:
        self.log_params({key: value})

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        logger = self._require_live()
        clean = {check_key(k, "Tag"): v if isinstance(v, str) else str(v) for k, v in tags.items()}
        self._tags.update(clean)
        logger.put_tags(clean)

    def set_tag(self, key: str, value: Any) -> None:
        self.set_tags({key: value})

    def _set_summary(self, values: dict[str, Any]) -> None:
        logger = self._require_live()
        self._summary.update(values)
        logger.put_summary(values)

    def flush(self, timeout: float | None = None) -> bool:
        """Block until everything logged so far is stored."""
        return True if self._logger is None else self._logger.flush(timeout)

    # -- artifacts --------------------------------------------------------------------
    def log_artifact(
        self,
        path: str | os.PathLike[str] | None,
        name: str,
        type: str = "dataset",
        metadata: Mapping[str, Any] | None = None,
        aliases: Sequence[str] = (),
        *,
        base: str | None = None,
        remove: Sequence[str] = (),
        references: Mapping[str, Reference | str] | None = None,
        progress: Progress | None = None,
    ) -> ArtifactVersion:
        """Log a file or folder as a version of ``name`` produced by this run (only
        files the store lacks are uploaded; identical content returns that version).
        ``base``/``remove`` build on an existing version; ``references`` record external
        objects (``s3://``, ``gs://``, ``file://``, ``https://``) without copying them."""
        self.flush()
        return log_artifact(
            self.backend, path, name=name, type=type, metadata=metadata, aliases=aliases,
            run_id=self.id, base=base, remove=remove, references=references,
            progress=progress,
        )  # fmt: skip

    def commit_artifact(
        self,
        entries: Sequence[FileEntry],
        name: str,
        type: str = "dataset",
        metadata: Mapping[str, Any] | None = None,
        aliases: Sequence[str] = (),
    ) -> ArtifactVersion:
        """Commit a version of ``name`` produced by this run from entries whose blobs
        are already stored (``store_files`` or a ``BlobWriter``, from any process):
        every blob is leased and checked to be stored first."""
        from shipyard.client.artifact_commit import commit_stored

        self.flush()
        return commit_stored(
            self.backend, entries, name=name, type=type, metadata=metadata,
            aliases=aliases, run_id=self.id,
        )  # fmt: skip

    def log_code(
        self, root: str | os.PathLike[str] | None = None, name: str | None = None
    ) -> ArtifactVersion:
        """Store the git-tracked files of the repository containing ``root`` (default:
        the working directory) as a ``code`` artifact produced by this run (default name
        ``code-<project>``), with the commit and whether the tree was dirty as metadata."""
        from shipyard.client.code_snapshot import log_code

        self.flush()
        return log_code(self.backend, self.id, self.project, root, name)

    def use_artifact(self, ref: str) -> ArtifactVersion:
        """Resolve ``ref`` (``name:v3``, ``name:latest``, ``name:<alias>``) and record
        that this run consumed it (an input lineage edge)."""
        self.flush()
        return ArtifactVersion(self.backend.use_artifact(self.id, ref), self.backend)

    # -- lifecycle --------------------------------------------------------------------
    def finish(self, status: RunStatus | str = RunStatus.FINISHED) -> None:
        """Flush everything, then mark the run FINISHED (or the given status)."""
        logger = self._logger
        if logger is None:
            return
        status = RunStatus(status)
        system_extra: dict[str, Any] = {}
        for hook in self._on_finish:
            extra = hook()
            if extra:
                system_extra.update(extra)
        timeout = float(os.environ.get("SHIPYARD_FINISH_TIMEOUT", "300"))
        if not logger.close(timeout):
            log.error(
                "Shipyard could not deliver all points of run %s within %.0fs", self.id, timeout
            )
        self._logger = None
        self._end_time = now_ms()
        self._status = status
        try:
            self._record = self.backend.update_run(
                self.id, status=status.value, end_time=self._end_time, system=system_extra or None
            )
        except ShipyardError as exc:
            log.error("Shipyard could not mark run %s %s: %s", self.id, status.value, exc)
        from shipyard.client import fluent

        fluent._forget(self)

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        from shipyard.client.fluent import Terminated

        if exc_type is None:
            self.finish(RunStatus.FINISHED)
        elif issubclass(exc_type, (KeyboardInterrupt, Terminated)):
            self.finish(RunStatus.KILLED)
        elif issubclass(exc_type, SystemExit) and getattr(exc, "code", 1) in (0, None):
            self.finish(RunStatus.FINISHED)  # sys.exit(0) inside the block
        else:
            self.finish(RunStatus.FAILED)

    def add_finish_hook(self, hook: Any) -> None:
        """Call ``hook()`` at finish; a dict it returns is merged into ``system``."""
        self._on_finish.append(hook)

    def refresh(self) -> Run:
        """Re-read the stored record (for runs obtained from queries)."""
        self._record = self.backend.get_run(self.id)
        self._status = self._record.status
        self._end_time = self._record.end_time
        self._params = dict(self._record.params)
        self._tags = dict(self._record.tags)
        self._summary = dict(self._record.summary_overrides)
        self._latest = dict(self._record.metrics)
        return self

    def _require_live(self) -> BatchLogger:
        logger = self._logger
        if logger is None:
            state = "finished" if self._status in TERMINAL_STATUSES else "not started here"
            raise RunNotActiveError(
                f"Run {self.id} is {state}; use sy.start_run(run_id=..., resume=True) to log more"
            )
        return logger


def _int_step(step: Any) -> int:
    try:
        as_int = int(step)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"step must be an integer, got {step!r}") from exc
    if as_int != step or isinstance(step, bool):
        raise InvalidInputError(f"step must be an integer, got {step!r}")
    return as_int
