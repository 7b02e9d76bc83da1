"""Run-set panels: the runs a run set selects, drawn as Plotly figures or a table.

Each panel becomes plain data the renderer draws as it is: ``{"kind": "figure",
"figure": {"data": [...], "layout": {...}}}`` or ``{"kind": "table", ...}``. Every
string handed to Plotly (which reads ``<b>``-style markup in names and labels) has
``<``, ``>`` and ``&`` escaped here; tables are set as text by the renderer.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shipyard.tracking.downsample import ChartQuery, chart_series
from shipyard.tracking.entities import MetricHistory, RunRecord
from shipyard.tracking.run_table import column_value, group_runs
from shipyard.tracking.service import TrackingService

__all__ = ["RunSet", "bar", "line", "load_runset", "parallel", "scatter", "table"]

PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
PAGE = 1_000
# Above this many runs a line chart draws one trace per group (runs joined with gaps):
# hundreds of SVG traces make Plotly slow to draw and the legend useless.
MAX_RUN_TRACES = 40


def esc(value: Any) -> str:
    """Text for Plotly: its pseudo-HTML markup is escaped."""
    return html.escape("" if value is None else str(value), quote=False)


@dataclass
class RunSet:
    """The runs of one run set, with each run's group label and colour."""

    spec: dict[str, Any]
    runs: list[RunRecord]
    truncated: bool
    groups: dict[str, str] = field(default_factory=dict)  # run id → group label
    colors: dict[str, str] = field(default_factory=dict)  # run id → colour
    histories: dict[tuple[str, str], MetricHistory | None] = field(default_factory=dict)

    def label(self, run: RunRecord) -> str:
        return self.groups.get(run.id, "")

    def summary(self) -> dict[str, Any]:
        return {**self.spec, "count": len(self.runs), "truncated": self.truncated}


def load_runset(tracking: TrackingService, spec: dict[str, Any]) -> RunSet:
    """Search the run set's runs (up to its limit) and colour them by group."""
    runs: list[RunRecord] = []
    token: str | None = None
    limit = int(spec["limit"])
    truncated = False
    while len(runs) < limit:
        size = min(PAGE, limit - len(runs))
        page = tracking.search_runs(
            [spec["project"]], spec["filter"] or None, spec["order_by"], size, token
        )
        runs.extend(page.runs)
        token = page.next_page_token
        if token is None:
            break
        truncated = len(runs) >= limit
    rs = RunSet(spec, runs, truncated)
    by = spec["group_by"]
    labels: dict[str, int] = {}
    for i, run in enumerate(runs):
        label = " / ".join(str(column_value(run, c)) for c in by) if by else ""
        rs.groups[run.id] = label
        index = labels.setdefault(label, len(labels)) if by else i
        rs.colors[run.id] = PALETTE[index % len(PALETTE)]
    return rs


def _histories(tracking: TrackingService, rs: RunSet, key: str) -> None:
    """Read every run's series of ``key`` once per run set (one transaction)."""
    if any(k == key for _, k in rs.histories):
        return
    found = tracking.get_metric_histories([r.id for r in rs.runs if key in r.latest_metrics], key)
    for run in rs.runs:
        rs.histories[(run.id, key)] = found.get(run.id)


def ema(values: np.ndarray, weight: float) -> np.ndarray:
    """Debiased exponential moving average (TensorBoard's smoothing)."""
    if weight <= 0 or values.size == 0:
        return values
    out = np.empty_like(values)
    last = 0.0
    for i, v in enumerate(values):
        last = last * weight + (1 - weight) * v
        out[i] = last / (1 - weight ** (i + 1))
    return out


def _layout(title: str, x: str, y: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": {"text": esc(title)},
        "xaxis": {"title": {"text": esc(x)}},
        "yaxis": {"title": {"text": esc(y)}},
        "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
        "height": 360,
        "legend": {"font": {"size": 10}},
        **extra,
    }


def line(
    tracking: TrackingService, rs: RunSet, block: Mapping[str, Any], points: int
) -> dict[str, Any]:
    """One trace per run that logged the metric, down-sampled to ``points`` per trace
    (min/max buckets: vectorised, and spikes survive)."""
    key, x = block["key"], block["x"]
    query = ChartQuery(points=points, x=x, method="minmax")
    traces = []
    total = 0
    _histories(tracking, rs, key)
    for run in rs.runs:
        history = rs.histories.get((run.id, key))
        if history is None or len(history) == 0:
            continue
        series = chart_series(history, query)
        total += series["total"]
        xs = series["steps"] if x == "step" else series["timestamps"]
        ys = ema(series["values"], float(block["smoothing"]))
        label = rs.label(run)
        traces.append(
            {
                "type": "scattergl" if len(xs) > 2_000 else "scatter",
                "mode": "lines",
                "name": esc(run.name),
                "x": xs,
                "y": ys.astype(np.float32),
                "line": {"color": rs.colors[run.id], "width": 1.5},
                "legendgroup": esc(label) if label else None,
            }
        )
    if len(traces) > MAX_RUN_TRACES:
        traces = _merge_by_group(traces)
    layout = _layout(block["title"] or key, "step" if x == "step" else "time", key)
    if x == "time":
        layout["xaxis"]["type"] = "date"
    if block["log_y"]:
        layout["yaxis"]["type"] = "log"
    return {"kind": "figure", "figure": {"data": traces, "layout": layout}, "points": total}


def _merge_by_group(traces: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One trace per group (per colour): the runs' lines joined with gaps between them."""
    merged: dict[str, dict[str, Any]] = {}
    for t in traces:
        label = t["legendgroup"] or "runs"
        m = merged.setdefault(label, {
            "type": "scatter", "mode": "lines", "name": f"{label} ({{n}} runs)", "xs": [],
            "ys": [], "n": 0, "line": {"color": t["line"]["color"], "width": 1},
            "connectgaps": False,
        })  # fmt: skip
        m["xs"].append(np.append(np.asarray(t["x"], dtype=np.float64), np.nan))
        m["ys"].append(np.append(np.asarray(t["y"], dtype=np.float32), np.nan))
        m["n"] += 1
    out = []
    for m in merged.values():
        xs, ys, n = m.pop("xs"), m.pop("ys"), m.pop("n")
        m["name"] = m["name"].replace("{n}", str(n))
        m["x"], m["y"] = np.concatenate(xs), np.concatenate(ys)
        out.append(m)
    return out


def _numeric(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def scatter(rs: RunSet, block: Mapping[str, Any]) -> dict[str, Any]:
    """One marker trace per group (or one for all runs)."""
    buckets: dict[str, list[RunRecord]] = {}
    for run in rs.runs:
        buckets.setdefault(rs.label(run), []).append(run)
    traces = []
    for label, runs in buckets.items():
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": esc(label or "runs"),
                "x": [column_value(r, block["x"]) for r in runs],
                "y": [column_value(r, block["y"]) for r in runs],
                "text": [esc(r.name) for r in runs],
                "marker": {"color": rs.colors[runs[0].id] if label else PALETTE[0], "size": 8},
            }
        )
    title = block["title"] or f"{block['y']} vs {block['x']}"
    return {
        "kind": "figure",
        "figure": {"data": traces, "layout": _layout(title, block["x"], block["y"])},
    }


def bar(rs: RunSet, block: Mapping[str, Any]) -> dict[str, Any]:
    """A bar per run, or per group (mean with the standard deviation as error bar)."""
    column = block["column"]
    title = block["title"] or column
    if rs.spec["group_by"] and column.startswith("metrics."):
        groups = group_runs(rs.runs, rs.spec["group_by"], [column])
        names = [esc(" / ".join(str(v) for v in g.values)) for g in groups]
        means = [g.stats[column].mean for g in groups]
        stds = [g.stats[column].std for g in groups]
        trace = {"type": "bar", "x": names, "y": means, "error_y": {"type": "data", "array": stds}}
    else:
        runs = rs.runs
        trace = {
            "type": "bar",
            "x": [esc(r.name) for r in runs],
            "y": [_numeric(column_value(r, column)) for r in runs],
            "marker": {"color": [rs.colors[r.id] for r in runs]},
        }
    return {"kind": "figure", "figure": {"data": [trace], "layout": _layout(title, "", column)}}


def _dimension(rs: RunSet, column: str) -> dict[str, Any] | None:
    raw = [column_value(r, column) for r in rs.runs]
    numbers = [_numeric(v) for v in raw]
    present = [n for v, n in zip(raw, numbers, strict=True) if v is not None]
    if present and all(n is not None for n in present):
        return {"label": esc(column), "values": numbers}
    cats = sorted({str(v) for v in raw if v is not None})
    if not cats:
        return None
    index = {c: i for i, c in enumerate(cats)}
    values = [index.get(str(v)) if v is not None else None for v in raw]
    return {
        "label": esc(column),
        "values": values,
        "tickvals": list(range(len(cats))),
        "ticktext": [esc(c) for c in cats],
    }


def parallel(rs: RunSet, block: Mapping[str, Any]) -> dict[str, Any]:
    """One parallel-coordinates trace over the run set; lines coloured by the last column."""
    dims = [d for d in (_dimension(rs, c) for c in block["columns"]) if d is not None]
    trace: dict[str, Any] = {"type": "parcoords", "dimensions": dims}
    if dims:
        trace["line"] = {"color": dims[-1]["values"], "colorscale": "Viridis", "showscale": True}
    layout = _layout(block["title"] or "parallel coordinates", "", "")
    layout["margin"] = {"l": 80, "r": 80, "t": 60, "b": 30}
    return {"kind": "figure", "figure": {"data": [trace], "layout": layout}}


def table(rs: RunSet, block: Mapping[str, Any]) -> dict[str, Any]:
    """The run set as rows of the chosen columns (the renderer sets cells as text)."""
    columns = list(block["columns"])
    rows = []
    for run in rs.runs:
        cells = [column_value(run, c) for c in columns]
        rows.append({"id": run.id, "group": rs.label(run), "cells": cells})
    return {"kind": "table", "title": block["title"], "columns": columns, "rows": rows}
