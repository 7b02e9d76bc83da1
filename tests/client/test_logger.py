"""The background batch logger: batching bounds, back-pressure, retries, flush."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from shipyard.client.logger import BatchLogger, LoggerSettings
from shipyard.core.errors import BackendUnavailableError, InvalidInputError
from shipyard.tracking.entities import MetricColumns, MetricPoint


class FakeBackend:
    """Records batches; can be told to be unavailable or to block."""

    uri = "fake://"

    def __init__(self) -> None:
        self.batches: list[tuple[MetricColumns, dict[str, Any], dict[str, Any], str | None]] = []
        self.down = False
        self.gate = threading.Event()
        self.gate.set()
        self.attempts = 0
        self.reject = False
        self.summaries: list[dict[str, Any]] = []

    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[MetricPoint] | MetricColumns = (),
        params: Mapping[str, Any] | None = None,
        tags: Mapping[str, Any] | None = None,
        batch_id: str | None = None,
    ) -> bool:
        self.attempts += 1
        self.gate.wait()
        if self.down:
            raise BackendUnavailableError("server down")
        if self.reject:
            raise InvalidInputError("bad batch")
        assert isinstance(metrics, MetricColumns)
        self.batches.append((metrics, dict(params or {}), dict(tags or {}), batch_id))
        return True

    def update_run(self, run_id: str, **kwargs: Any) -> None:
        self.summaries.append(kwargs["summary"])

    def points(self) -> int:
        return sum(b[0].n_points() for b in self.batches)


def test_batches_are_bounded_by_size() -> None:
    backend = FakeBackend()
    logger = BatchLogger(backend, "r" * 32, LoggerSettings(batch_points=100, flush_seconds=60))  # type: ignore[arg-type]
    for step in range(100):
        logger.put_metrics({"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0, "e": 5.0}, step, 0)
    assert logger.close(10)
    assert backend.points() == 500
    assert all(b[0].n_points() <= 100 for b in backend.batches)
    assert len(backend.batches) == 5


def test_batches_are_bounded_by_age() -> None:
    backend = FakeBackend()
    logger = BatchLogger(backend, "r" * 32, LoggerSettings(batch_points=10**6, flush_seconds=0.05))  # type: ignore[arg-type]
    logger.put_metrics({"a": 1.0}, 0, 0)
    deadline = time.monotonic() + 5
    while backend.points() < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert backend.points() == 1  # sent without any flush call
    logger.close(5)


def test_full_queue_applies_back_pressure_instead_of_growing() -> None:
    backend = FakeBackend()
    backend.gate.clear()  # the backend hangs: nothing drains
    settings = LoggerSettings(batch_points=1, flush_seconds=60, queue_items=10)
    logger = BatchLogger(backend, "r" * 32, settings)  # type: ignore[arg-type]
    done = threading.Event()

    def produce() -> None:
        for step in range(100):
            logger.put_metrics({"a": 1.0}, step, 0)
        done.set()

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    time.sleep(0.3)
    assert not done.is_set()  # the producer is held back
    assert logger._queue.qsize() <= 10
    backend.gate.set()
    assert done.wait(10)
    assert logger.close(10)
    assert backend.points() == 100


def test_unavailable_backend_is_retried_with_the_same_batch_id() -> None:
    backend = FakeBackend()
    backend.down = True
    settings = LoggerSettings(batch_points=10, flush_seconds=60, retry_initial_s=0.01)
    logger = BatchLogger(backend, "r" * 32, settings)  # type: ignore[arg-type]
    for step in range(10):
        logger.put_metrics({"a": float(step)}, step, 0)
    time.sleep(0.2)
    assert backend.attempts >= 3 and backend.points() == 0
    backend.down = False
    assert logger.close(10)
    assert backend.points() == 10
    assert backend.batches[0][0]["a"][2] == [float(s) for s in range(10)]


def test_rejected_batch_is_reported_not_retried() -> None:
    backend = FakeBackend()
    backend.reject = True
    logger = BatchLogger(backend, "r" * 32, LoggerSettings(flush_seconds=60))  # type: ignore[arg-type]
    logger.put_metrics({"a": 1.0}, 0, 0)
    assert logger.flush(5)
    assert backend.attempts == 1
    assert [e.error_code for e in logger.errors] == ["INVALID_INPUT"]
    logger.close(5)


def test_flush_waits_for_everything_before_it() -> None:
    backend = FakeBackend()
    logger = BatchLogger(backend, "r" * 32, LoggerSettings(batch_points=10**6, flush_seconds=60))  # type: ignore[arg-type]
    for step in range(1000):
        logger.put_metrics({"a": 1.0}, step, 0)
    logger.put_params({"p": "1"})
    logger.put_summary({"best": 1.0})
    assert logger.flush(10)
    assert backend.points() == 1000
    assert backend.batches[-1][1] == {"p": "1"}
    assert backend.summaries == [{"best": 1.0}]
    logger.close(5)
