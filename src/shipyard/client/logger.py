"""Background batching of everything a run logs, so training never waits on I/O.

The caller's thread only validates and puts one item on a bounded queue (back-pressure
when the sender falls behind, never unbounded memory). A daemon thread drains the
queue into batches bounded by size and age, sends each with ``Backend.log_batch``, and
retries with exponential backoff while the backend is unavailable, keeping the points.
``flush()`` waits until everything queued before it is stored.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from shipyard.client.backend import Backend
from shipyard.core.errors import BackendUnavailableError, ShipyardError
from shipyard.tracking.entities import MetricColumns, MetricPoint

log = logging.getLogger("shipyard")

_STOP = object()


@dataclass
class LoggerSettings:
    """Batch bounds and retry policy (env: SHIPYARD_BATCH_POINTS, SHIPYARD_FLUSH_SECONDS,
    SHIPYARD_QUEUE_ITEMS, SHIPYARD_RETRY_MAX_SECONDS)."""

    batch_points: int = 10_000
    flush_seconds: float = 1.0
    queue_items: int = 20_000
    retry_initial_s: float = 0.2
    retry_max_s: float = 10.0

    @classmethod
    def from_env(cls) -> LoggerSettings:
        s = cls()
        s.batch_points = int(os.environ.get("SHIPYARD_BATCH_POINTS", s.batch_points))
        s.flush_seconds = float(os.environ.get("SHIPYARD_FLUSH_SECONDS", s.flush_seconds))
        s.queue_items = int(os.environ.get("SHIPYARD_QUEUE_ITEMS", s.queue_items))
        s.retry_max_s = float(os.environ.get("SHIPYARD_RETRY_MAX_SECONDS", s.retry_max_s))
        return s


@dataclass
class _Batch:
    points: MetricColumns = field(default_factory=MetricColumns)
    n_points: int = 0
    params: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)

    def empty(self) -> bool:
        return not (self.points or self.params or self.tags or self.summary)


class BatchLogger:
    """Queues a run's metrics, params, tags and summary and ships them in batches."""

    def __init__(self, backend: Backend, run_id: str, settings: LoggerSettings | None = None):
        self.backend = backend
        self.run_id = run_id
        self.settings = settings or LoggerSettings.from_env()
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=self.settings.queue_items)
        self._closed = False
        self.errors: list[ShipyardError] = []
        self.points_sent = 0
        self._thread = threading.Thread(
            target=self._run, name=f"shipyard-logger-{run_id[:8]}", daemon=True
        )
        self._thread.start()

    # -- caller side ------------------------------------------------------------------
    def put_metrics(self, values: dict[str, float], step: int, timestamp: int) -> None:
        """Queue one step of several metrics (blocks only when the queue is full)."""
        self._queue.put((values, step, timestamp))

    def put_point(self, point: MetricPoint) -> None:
        self._queue.put(point)

    def put_params(self, params: dict[str, Any]) -> None:
        self._queue.put(("params", params))

    def put_tags(self, tags: dict[str, Any]) -> None:
        self._queue.put(("tags", tags))

    def put_summary(self, summary: dict[str, Any]) -> None:
        self._queue.put(("summary", summary))

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything queued so far is stored; False on timeout."""
        if self._closed:
            return True
        done = threading.Event()
        self._queue.put(("flush", done))
        return done.wait(timeout)

    def close(self, timeout: float | None = None) -> bool:
        """Flush, then stop the sender thread."""
        if self._closed:
            return True
        ok = self.flush(timeout)
        self._closed = True
        self._queue.put(_STOP)
        self._thread.join(timeout=5 if ok else 0.1)
        return ok

    # -- sender thread ----------------------------------------------------------------
    def _run(self) -> None:
        batch = _Batch()
        deadline = time.monotonic() + self.settings.flush_seconds
        while True:
            timeout = max(0.0, deadline - time.monotonic())
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                item = None
            if item is _STOP:
                self._send(batch)
                return
            waiter = self._absorb(batch, item)
            due = time.monotonic() >= deadline
            if waiter is not None or due or batch.n_points >= self.settings.batch_points:
                self._send(batch)
                batch = _Batch()
                deadline = time.monotonic() + self.settings.flush_seconds
                if waiter is not None:
                    waiter.set()

    def _absorb(self, batch: _Batch, item: Any) -> threading.Event | None:
        """Add a queued item to the batch; return the event of a flush request."""
        if item is None:
            return None
        if isinstance(item, MetricPoint):
            batch.points.add(*item)
            batch.n_points += 1
        elif isinstance(item[0], dict):
            values, step, ts = item
            batch.points.add_step(values, step, ts)
            batch.n_points += len(values)
        elif item[0] == "params":
            batch.params.update(item[1])
        elif item[0] == "tags":
            batch.tags.update(item[1])
        elif item[0] == "summary":
            batch.summary.update(item[1])
        elif item[0] == "flush":
            return item[1]  # type: ignore[no-any-return]
        return None

    def _send(self, batch: _Batch) -> None:
        if batch.empty():
            return
        delay = self.settings.retry_initial_s
        batch_id = uuid.uuid4().hex  # the same id on every retry: the store keeps one copy
        while True:
            try:
                if batch.points or batch.params or batch.tags:
                    self.backend.log_batch(
                        self.run_id, batch.points, batch.params, batch.tags, batch_id
                    )
                    self.points_sent += batch.n_points
                    batch.points, batch.params, batch.tags = MetricColumns(), {}, {}
                if batch.summary:
                    self.backend.update_run(self.run_id, summary=batch.summary)
                return
            except BackendUnavailableError as exc:
                log.warning("Shipyard backend unavailable (%s); retrying in %.1fs", exc, delay)
                time.sleep(delay)
                delay = min(delay * 2, self.settings.retry_max_s)
            except ShipyardError as exc:
                log.error("Shipyard dropped a batch of run %s: %s", self.run_id, exc)
                self.errors.append(exc)
                return
