"""Schema validation of an ingested batch: every bad row is found, then all are refused.

The result is the batch in the offline layout: join keys, declared features cast to
their dtypes, ``__ts`` (event time, UTC) and ``__created_ts`` (the declared created
timestamp, else the ingestion time) for breaking ties.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from shipyard.core.errors import FeatureValidationError, InvalidInputError

__all__ = ["MAX_REPORTED", "Problems", "validate_batch"]

MAX_REPORTED = 100
TS = "__ts"
CREATED = "__created_ts"
_INT_RANGE = {"int64": (-(2**63), 2**63 - 1), "int32": (-(2**31), 2**31 - 1)}
_TRUE = {"true", "1", "yes", "t", "y"}
_FALSE = {"false", "0", "no", "f", "n"}


@dataclass
class Problems:
    """Bad rows found so far: a mask of rejected rows and the first reasons."""

    size: int
    rejected: np.ndarray[Any, np.dtype[np.bool_]] = field(init=False)
    rows: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rejected = np.zeros(self.size, dtype=bool)

    def add(self, mask: Any, column: str, reason: str) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        self.rejected |= mask
        room = MAX_REPORTED - len(self.rows)
        for row in np.flatnonzero(mask)[: max(room, 0)]:
            self.rows.append({"row": int(row), "column": column, "reason": reason})

    def raise_if_any(self, view: str) -> None:
        count = int(self.rejected.sum())
        if count:
            self.rows.sort(key=lambda r: (r["row"], r["column"]))
            first = self.rows[0] if self.rows else {"row": 0, "column": "", "reason": ""}
            raise FeatureValidationError(
                f"{count} of {self.size} rows break the schema of feature view {view!r}; "
                f"nothing was ingested (first: row {first['row']}, {first['column']!r}: "
                f"{first['reason']})",
                rejected=count, rows=self.rows,
            )  # fmt: skip


def _timestamps(values: pd.Series, column: str, problems: Problems) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        out = values.dt.tz_convert("UTC")
    elif pd.api.types.is_datetime64_any_dtype(values.dtype):
        out = values.dt.tz_localize("UTC")
    else:
        out = pd.to_datetime(values, utc=True, errors="coerce", format="mixed")
    problems.add(out.isna().to_numpy() & values.notna().to_numpy(), column, "not a timestamp")
    return out.astype("datetime64[us, UTC]")


def _numbers(values: pd.Series, dtype: str, column: str, problems: Problems) -> pd.Series:
    if pd.api.types.is_bool_dtype(values.dtype):
        problems.add(np.ones(len(values), bool), column, f"bool is not {dtype}")
        return pd.Series(np.nan, index=values.index)
    out = pd.to_numeric(values, errors="coerce")
    problems.add(out.isna().to_numpy() & values.notna().to_numpy(), column, f"not {dtype}")
    if dtype in _INT_RANGE:
        as_float = out.astype("float64")
        lo, hi = _INT_RANGE[dtype]
        fractional = as_float.notna() & (np.floor(as_float) != as_float)
        problems.add(fractional.to_numpy(), column, f"not an integer ({dtype})")
        outside = as_float.notna() & ((as_float < lo) | (as_float > hi))
        problems.add(outside.to_numpy(), column, f"outside the {dtype} range")
        bad = fractional | outside
        return out.where(~bad).astype("Int64" if dtype == "int64" else "Int32")
    return out.astype(dtype)


def _bools(values: pd.Series, column: str, problems: Problems) -> pd.Series:
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean")
    text = values.astype("string").str.strip().str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[text.isin(_TRUE).fillna(False).to_numpy()] = True
    out[text.isin(_FALSE).fillna(False).to_numpy()] = False
    problems.add(out.isna().to_numpy() & values.notna().to_numpy(), column, "not a bool")
    return out


def _cast(values: pd.Series, dtype: str, column: str, problems: Problems) -> pd.Series:
    if dtype == "timestamp":
        return _timestamps(values, column, problems)
    if dtype == "string":
        return values.astype("string")
    if dtype == "bool":
        return _bools(values, column, problems)
    return _numbers(values, dtype, column, problems)


def _constraints(values: pd.Series, spec: Mapping[str, Any], problems: Problems) -> None:
    name = spec["name"]
    present = values.notna().to_numpy()
    if not spec.get("nullable", True):
        problems.add(~present, name, "null in a non-nullable field")
    if spec.get("min") is not None:
        low = (values < spec["min"]).fillna(False).to_numpy(dtype=bool)
        problems.add(low & present, name, f"below min {spec['min']}")
    if spec.get("max") is not None:
        high = (values > spec["max"]).fillna(False).to_numpy(dtype=bool)
        problems.add(high & present, name, f"above max {spec['max']}")
    if spec.get("allowed") is not None:
        allowed = values.isin(list(spec["allowed"])).to_numpy(dtype=bool)
        problems.add(~allowed & present, name, "not among the allowed values")


def validate_batch(
    view: str, spec: Mapping[str, Any], df: pd.DataFrame, ingested_at: pd.Timestamp
) -> pd.DataFrame:
    """Check ``df`` against a view spec; return it in the offline layout or raise
    ``FeatureValidationError`` listing the bad rows (the batch is refused as a whole)."""
    if len(df) == 0:
        raise InvalidInputError(f"Nothing to ingest into feature view {view!r}: empty batch")
    df = df.reset_index(drop=True)
    ts_field, created_field = spec["timestamp_field"], spec.get("created_timestamp_field")
    needed = [*spec["join_keys"], ts_field, *(f["name"] for f in spec["schema"])]
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise FeatureValidationError(
            f"Batch for feature view {view!r} lacks columns {missing}; nothing was ingested",
            rejected=len(df), rows=[], missing_columns=missing,
        )  # fmt: skip
    problems = Problems(len(df))
    out: dict[str, Any] = {}
    for key in spec["join_keys"]:
        problems.add(df[key].isna().to_numpy(), key, "null join key")
        out[key] = df[key]
    ts = _timestamps(df[ts_field], ts_field, problems)
    problems.add(ts.isna().to_numpy(), ts_field, "null event timestamp")
    for fspec in spec["schema"]:
        values = _cast(df[fspec["name"]], fspec["dtype"], fspec["name"], problems)
        _constraints(values, fspec, problems)
        out[fspec["name"]] = values
    out[TS] = ts
    if created_field and created_field in df.columns:
        out[CREATED] = _timestamps(df[created_field], created_field, problems)
        out[CREATED] = out[CREATED].fillna(ingested_at)
    else:
        out[CREATED] = pd.Series(ingested_at, index=df.index).astype("datetime64[us, UTC]")
    problems.raise_if_any(view)
    return pd.DataFrame(out)
