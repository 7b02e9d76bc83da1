"""Column statistics of an ingested batch, kept with the batch for monitoring."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["QUANTILES", "batch_stats", "column_stats"]

QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
HISTOGRAM_BINS = 20
TOP = 10


def _num(x: Any) -> float | None:
    value = float(x)
    return value if np.isfinite(value) else None


def column_stats(values: pd.Series, dtype: str) -> dict[str, Any]:
    """count, nulls, and per type: mean/std/min/max/quantiles/histogram or top values."""
    nulls = int(values.isna().sum())
    stats: dict[str, Any] = {"dtype": dtype, "count": len(values) - nulls, "nulls": nulls}
    present = values.dropna()
    if dtype in ("int64", "int32", "float64", "float32") and len(present):
        arr = present.to_numpy(dtype="float64")
        arr = arr[np.isfinite(arr)]
        if len(arr):
            qs = np.quantile(arr, QUANTILES)
            counts, edges = np.histogram(arr, bins=HISTOGRAM_BINS)
            stats.update(
                mean=_num(arr.mean()), std=_num(arr.std(ddof=1)) if len(arr) > 1 else 0.0,
                min=_num(arr.min()), max=_num(arr.max()),
                quantiles={str(q): _num(v) for q, v in zip(QUANTILES, qs, strict=True)},
                histogram={"counts": counts.tolist(), "edges": [float(e) for e in edges]},
            )  # fmt: skip
    elif dtype == "timestamp" and len(present):
        stats.update(min=present.min().isoformat(), max=present.max().isoformat())
    elif len(present):
        top = present.astype(str).value_counts().head(TOP)
        stats["unique"] = int(present.astype(str).nunique())
        stats["top"] = [{"value": k, "count": int(v)} for k, v in top.items()]
    return stats


def batch_stats(df: pd.DataFrame, schema: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Statistics of every declared feature of a validated batch."""
    return {f["name"]: column_stats(df[f["name"]], f["dtype"]) for f in schema}
