"""The runs table's grouping: the SQL path agrees with grouping full records."""

from __future__ import annotations

import math

import pytest

from shipyard.core.errors import InvalidInputError
from shipyard.store.db import create_store_engine
from shipyard.tracking.entities import MetricPoint
from shipyard.tracking.run_table import group_project_runs, group_runs, project_keys, run_counts
from shipyard.tracking.service import TrackingService


@pytest.fixture
def service(sqlite_url: str) -> TrackingService:
    svc = TrackingService(create_store_engine(sqlite_url))
    for i in range(9):
        run = svc.create_run(
            "g", config={"lr": str([0.1, 0.01, 0.001][i % 3])}, tags={"t": str(i % 2)}
        )
        value = math.nan if i == 8 else float(i)
        svc.log_batch(run.id, [MetricPoint("loss", value, 0, 0), MetricPoint("acc", 1.0, 0, 0)])
    svc.create_run("other", config={"zzz": 1})
    return svc


def test_sql_grouping_matches_record_grouping(service: TrackingService) -> None:
    pid = service.get_project("g").id
    runs = service.search_runs(["g"], None, [], 100).runs
    by, metrics = ["params.lr", "tags.t"], ["metrics.loss", "metrics.acc"]
    expected = group_runs(runs, by, metrics)
    got = group_project_runs(service.engine, pid, None, by=by, metrics=metrics)
    assert got.runs == 9 and not got.truncated
    assert [(g.values, sorted(g.run_ids), g.stats) for g in got.groups] == [
        (g.values, sorted(g.run_ids), g.stats) for g in expected
    ]
    lr = group_project_runs(
        service.engine, pid, "metrics.loss < 5", by=["params.lr"], metrics=["metrics.loss"]
    )
    assert [(g.values, len(g.run_ids)) for g in lr.groups] == [
        (("0.001",), 1),
        (("0.01",), 2),
        (("0.1",), 2),
    ]
    [nan_group] = [
        g
        for g in group_project_runs(
            service.engine, pid, None, by=["params.lr"], metrics=["metrics.loss"]
        ).groups
        if g.values == ("0.001",)
    ]
    assert nan_group.stats["metrics.loss"].count == 2  # the NaN run is left out of the stats
    capped = group_project_runs(service.engine, pid, None, by=["params.lr"], metrics=[], max_runs=4)
    assert capped.runs == 4 and capped.truncated
    with pytest.raises(InvalidInputError, match="params or tags"):
        group_project_runs(service.engine, pid, None, by=["metrics.loss"], metrics=[])


def test_project_keys_and_counts(service: TrackingService) -> None:
    keys = project_keys(service.engine, service.get_project("g").id)
    assert keys.params == ["lr"] and keys.metrics == ["acc", "loss"] and keys.tags == ["t"]
    assert keys.columns() == ["params.lr", "metrics.acc", "metrics.loss", "tags.t"]
    assert run_counts(service.engine) == {"g": 9, "other": 1}
