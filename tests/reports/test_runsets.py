"""Line charts over large run sets: one trace per group, runs joined with gaps."""

from __future__ import annotations

import numpy as np

from shipyard.reports.runsets import _merge_by_group, ema


def test_many_runs_merge_into_one_trace_per_group() -> None:
    traces = [
        {"x": np.arange(3), "y": np.ones(3), "legendgroup": g, "line": {"color": c}}
        for g, c in [("a", "#1"), ("b", "#2"), ("a", "#1")]
    ]
    merged = _merge_by_group(traces)
    assert [m["name"] for m in merged] == ["a (2 runs)", "b (1 runs)"]
    assert len(merged[0]["x"]) == 8 and np.isnan(merged[0]["y"][3])  # a gap between runs
    assert merged[0]["line"]["color"] == "#1" and merged[0]["connectgaps"] is False


def test_ema_is_debiased() -> None:
    out = ema(np.array([1.0, 1.0, 1.0]), 0.9)
    assert np.allclose(out, 1.0)  # no pull toward zero at the start
    assert ema(np.array([1.0, 3.0]), 0.0).tolist() == [1.0, 3.0]
