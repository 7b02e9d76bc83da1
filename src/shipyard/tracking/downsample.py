"""Down-sampling long metric series for charts, on the server.

* ``lttb`` — Largest-Triangle-Three-Buckets (Steinarsson 2013): keeps the visual shape.
* ``minmax`` — per bucket the first, last, minimum and maximum point (M4): no spike or
  dip is ever lost, fully vectorised.

Both return sorted indices into the input, so steps, timestamps and values stay aligned.
Non-finite values (NaN, ±inf) are left out of charts and counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from shipyard.core.errors import InvalidInputError
from shipyard.tracking.entities import MetricHistory

METHODS = ("lttb", "minmax")
X_AXES = ("step", "time")
MIN_POINTS, MAX_POINTS = 10, 20_000


def lttb(x: np.ndarray, y: np.ndarray, n_out: int) -> np.ndarray:
    """Indices of ``n_out`` points chosen by LTTB (all indices when the series is short)."""
    n = x.shape[0]
    if n_out >= n or n_out < 3:
        return np.arange(n)
    xf, yf = x.astype(np.float64), y.astype(np.float64)
    edges = np.linspace(1, n - 1, n_out - 1).astype(np.int64)
    out = np.empty(n_out, dtype=np.int64)
    out[0], out[-1] = 0, n - 1
    prev = 0
    for i in range(n_out - 2):
        lo, hi = edges[i], max(edges[i + 1], edges[i] + 1)
        nlo, nhi = hi, max(edges[i + 2] if i + 2 < n_out - 1 else n, hi + 1)
        avg_x, avg_y = xf[nlo:nhi].mean(), yf[nlo:nhi].mean()
        bx, by = xf[lo:hi], yf[lo:hi]
        area = np.abs((xf[prev] - avg_x) * (by - yf[prev]) - (xf[prev] - bx) * (avg_y - yf[prev]))
        prev = lo + int(area.argmax())
        out[i + 1] = prev
    return np.unique(out)


def minmax(y: np.ndarray, n_out: int) -> np.ndarray:
    """Indices of the first, last, min and max point of ``n_out // 4`` equal buckets."""
    n = y.shape[0]
    buckets = max(1, n_out // 4)
    if n <= n_out:
        return np.arange(n)
    size = math.ceil(n / buckets)
    buckets = math.ceil(n / size)
    pad = buckets * size - n
    lows = np.pad(y, (0, pad), constant_values=np.inf).reshape(buckets, size)
    highs = np.pad(y, (0, pad), constant_values=-np.inf).reshape(buckets, size)
    starts = np.arange(buckets, dtype=np.int64) * size
    picks = np.concatenate(
        [
            starts,
            np.minimum(starts + size - 1, n - 1),
            starts + lows.argmin(axis=1),
            starts + highs.argmax(axis=1),
        ]
    )
    return np.unique(picks)


@dataclass(frozen=True)
class ChartQuery:
    """How to down-sample: target point count, method, x axis and an optional step window."""

    points: int = 1_000
    method: str = "lttb"
    x: str = "step"
    start: int | None = None
    end: int | None = None

    def __post_init__(self) -> None:
        if not MIN_POINTS <= self.points <= MAX_POINTS:
            raise InvalidInputError(f"points must be between {MIN_POINTS} and {MAX_POINTS}")
        if self.method not in METHODS:
            raise InvalidInputError(f"method must be one of {', '.join(METHODS)}")
        if self.x not in X_AXES:
            raise InvalidInputError(f"x must be one of {', '.join(X_AXES)}")


def chart_series(history: MetricHistory, query: ChartQuery) -> dict[str, Any]:
    """A chart-sized version of a series: ``steps``, ``timestamps``, ``values`` arrays plus
    ``total`` (points stored), ``in_window`` and ``nonfinite`` counts."""
    steps, stamps, values = history.steps, history.timestamps, history.values
    lo = 0 if query.start is None else int(np.searchsorted(steps, query.start, "left"))
    hi = len(steps) if query.end is None else int(np.searchsorted(steps, query.end, "right"))
    steps, stamps, values = steps[lo:hi], stamps[lo:hi], values[lo:hi]
    finite = np.isfinite(values)
    nonfinite = int(finite.size - np.count_nonzero(finite))
    if nonfinite:
        steps, stamps, values = steps[finite], stamps[finite], values[finite]
    x = steps if query.x == "step" else stamps
    points = query.points
    idx = lttb(x, values, points) if query.method == "lttb" else minmax(values, points)
    return {
        "key": history.key,
        "total": int(history.steps.shape[0]),
        "in_window": int(hi - lo),
        "nonfinite": nonfinite,
        "method": query.method,
        "steps": steps[idx],
        "timestamps": stamps[idx],
        "values": values[idx],
    }


def band(histories: list[MetricHistory], points: int = 500) -> dict[str, Any]:
    """Mean, std, min and max across runs on a common step grid (linear interpolation
    within each run's own step range; runs contribute only where they have data)."""
    if not histories:
        raise InvalidInputError("band needs at least one run")
    series = []
    for h in histories:
        ok = np.isfinite(h.values)
        if ok.any():
            series.append((h.steps[ok].astype(np.float64), h.values[ok]))
    if not series:
        raise InvalidInputError("No run has a finite value for this metric")
    lo = min(s[0][0] for s in series)
    hi = max(s[0][-1] for s in series)
    grid = np.unique(np.linspace(lo, hi, max(2, min(points, MAX_POINTS))).round())
    stack = np.full((len(series), grid.shape[0]), np.nan)
    for row, (s, v) in enumerate(series):
        inside = (grid >= s[0]) & (grid <= s[-1])
        stack[row, inside] = np.interp(grid[inside], s, v)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            result = {
                "steps": grid,
                "mean": np.nanmean(stack, axis=0),
                "std": np.nanstd(stack, axis=0),
                "min": np.nanmin(stack, axis=0),
                "max": np.nanmax(stack, axis=0),
                "n": np.count_nonzero(~np.isnan(stack), axis=0),
            }
    return result
