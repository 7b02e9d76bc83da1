"""Down-sampling for charts: LTTB and min/max buckets keep what a chart must show."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from shipyard.core.errors import InvalidInputError
from shipyard.tracking.downsample import ChartQuery, band, chart_series, lttb, minmax
from shipyard.tracking.entities import MetricHistory

finite = st.floats(-1e9, 1e9, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(1, 3000), elements=finite), st.integers(10, 500))
def test_lttb_indices_are_sorted_unique_bounded_and_keep_the_ends(y, n_out) -> None:
    x = np.arange(y.shape[0])
    idx = lttb(x, y, n_out)
    assert (np.diff(idx) > 0).all()
    assert idx.shape[0] <= min(n_out, y.shape[0])
    assert idx[0] == 0 and idx[-1] == y.shape[0] - 1


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(1, 3000), elements=finite), st.integers(10, 500))
def test_minmax_never_loses_the_extremes(y, n_out) -> None:
    idx = minmax(y, n_out)
    assert (np.diff(idx) > 0).all() and idx.shape[0] <= min(n_out, y.shape[0])
    assert y[idx].max() == y.max() and y[idx].min() == y.min()
    assert idx[0] == 0 and idx[-1] == y.shape[0] - 1


def test_lttb_keeps_a_single_spike() -> None:
    y = np.zeros(100_000)
    y[54_321] = 10.0
    idx = lttb(np.arange(y.shape[0]), y, 500)
    assert 54_321 in idx


def _history(n: int) -> MetricHistory:
    steps = np.arange(n, dtype=np.int64)
    values = np.sin(steps / 100.0)
    values[7] = np.nan
    return MetricHistory("loss", steps, steps * 1000, values)


def test_chart_series_counts_windows_and_aligns() -> None:
    out = chart_series(_history(100_000), ChartQuery(points=1000))
    assert out["total"] == 100_000 and out["nonfinite"] == 1
    assert out["steps"].shape == out["values"].shape == out["timestamps"].shape
    assert len(out["steps"]) <= 1000
    assert np.array_equal(out["timestamps"], out["steps"] * 1000)
    window = chart_series(_history(100_000), ChartQuery(points=1000, start=500, end=900))
    assert window["in_window"] == 401 and window["steps"][0] == 500 and window["steps"][-1] == 900
    assert len(window["steps"]) <= 1000
    small = chart_series(_history(50), ChartQuery(points=100, method="minmax", x="time"))
    assert len(small["steps"]) == 49


@pytest.mark.parametrize("bad", [{"points": 5}, {"method": "avg"}, {"x": "epoch"}])
def test_chart_query_rejects_bad_input(bad) -> None:
    with pytest.raises(InvalidInputError):
        ChartQuery(**bad)


def test_band_mean_std_over_runs_with_different_lengths() -> None:
    a = MetricHistory("m", np.arange(11), np.arange(11), np.full(11, 1.0))
    b = MetricHistory("m", np.arange(6), np.arange(6), np.full(6, 3.0))
    out = band([a, b], points=11)
    assert out["steps"].tolist() == list(range(11))
    assert out["mean"][:6].tolist() == [2.0] * 6 and out["mean"][6:].tolist() == [1.0] * 5
    assert out["std"][0] == 1.0 and out["n"].tolist() == [2] * 6 + [1] * 5
    with pytest.raises(InvalidInputError):
        band([])
