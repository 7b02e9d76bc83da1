"""Metric storage semantics: ordering, latest value, ties, and blocks over batches."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipyard.store.db import create_store_engine
from shipyard.tracking.entities import MetricPoint
from shipyard.tracking.service import TrackingService

point = st.tuples(st.integers(0, 50), st.integers(0, 5), st.floats(-1e6, 1e6))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=st.lists(st.lists(point, max_size=30), min_size=1, max_size=6))
def test_history_is_every_point_in_step_then_time_order(tmp_path_factory, batches) -> None:  # type: ignore[no-untyped-def]
    engine = create_store_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 's.db'}")
    service = TrackingService(engine)
    run = service.create_run("p")
    sent: list[tuple[int, int, float]] = []
    for batch in batches:
        service.log_batch(run.id, [MetricPoint("m", v, s, t) for s, t, v in batch])
        sent.extend(batch)
    if not sent:
        return
    hist = service.get_metric_history(run.id, "m")
    got = list(
        zip(hist.steps.tolist(), hist.timestamps.tolist(), hist.values.tolist(), strict=True)
    )
    # stable sort by (step, timestamp): ties keep the order they were logged in
    assert got == sorted(sent, key=lambda p: (p[0], p[1]))
    latest = service.get_run(run.id).latest_metrics["m"]
    top = max(sent, key=lambda p: (p[0], p[1]))
    assert (latest.step, latest.timestamp) == (top[0], top[1])
    engine.dispose()


def test_latest_only_moves_forward(tmp_path) -> None:  # type: ignore[no-untyped-def]
    service = TrackingService(create_store_engine(f"sqlite:///{tmp_path / 's.db'}"))
    run = service.create_run("p")
    service.log_batch(run.id, [MetricPoint("m", 5.0, 10, 100)])
    service.log_batch(run.id, [MetricPoint("m", 1.0, 3, 200)])  # older step: not latest
    assert service.get_run(run.id).metrics == {"m": 5.0}
    service.log_batch(run.id, [MetricPoint("m", math.nan, 11, 50)])
    assert math.isnan(service.get_run(run.id).metrics["m"])
