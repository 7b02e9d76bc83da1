"""Historical (point-in-time) and online retrieval over the feature store's data."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa

from shipyard.core.errors import InvalidInputError
from shipyard.features.pit import ENTITY_TS, ROW, ViewPlan, connect, historical_join

if TYPE_CHECKING:
    from shipyard.features.service import FeatureRef, FeatureStoreService

__all__ = ["encode_key", "historical_features", "online_features"]

ENV_MEMORY_LIMIT = "SHIPYARD_FEATURES_MEMORY_LIMIT"


def encode_key(values: Sequence[Any]) -> str:
    """The online key of an entity: the JSON of its join key values."""
    return orjson.dumps(list(values), option=orjson.OPT_SERIALIZE_NUMPY).decode()


def _group(refs: Sequence[FeatureRef]) -> dict[str, list[FeatureRef]]:
    groups: dict[str, list[FeatureRef]] = {}
    for ref in refs:
        groups.setdefault(ref.view, []).append(ref)
    return groups


def _entity_table(entity_df: pd.DataFrame, timestamp_column: str) -> pa.Table:
    if timestamp_column not in entity_df.columns:
        raise InvalidInputError(
            f"entity_df has no {timestamp_column!r} column (pass timestamp_column=...)"
        )
    for reserved in (ROW, ENTITY_TS, "__k"):
        if reserved in entity_df.columns:
            raise InvalidInputError(f"entity_df must not have a column named {reserved!r}")
    df = entity_df.reset_index(drop=True)
    ts = df[timestamp_column]
    if isinstance(ts.dtype, pd.DatetimeTZDtype):
        ets = ts.dt.tz_convert("UTC")
    elif pd.api.types.is_datetime64_any_dtype(ts.dtype):
        ets = ts.dt.tz_localize("UTC")
    else:
        ets = pd.to_datetime(ts, utc=True, errors="coerce", format="mixed")
    table = pa.Table.from_pandas(df, preserve_index=False)
    table = table.append_column(ENTITY_TS, pa.array(ets.astype("datetime64[us, UTC]")))
    return table.append_column(ROW, pa.array(np.arange(len(df), dtype=np.int64)))


def historical_features(
    service: FeatureStoreService,
    entity_df: pd.DataFrame,
    refs: Sequence[FeatureRef],
    timestamp_column: str = "event_timestamp",
) -> pd.DataFrame:
    """Point-in-time correct features for every entity row, in the rows' order."""
    table = _entity_table(entity_df, timestamp_column)
    taken = set(entity_df.columns)
    plans = []
    for view, group in _group(refs).items():
        spec = service.view(view).spec
        missing = [k for k in spec["join_keys"] if k not in entity_df.columns]
        if missing:
            raise InvalidInputError(f"entity_df lacks join keys {missing} of view {view!r}")
        names = [(r.feature, r.output if r.output not in taken else f"{view}__{r.feature}")
                 for r in group]  # fmt: skip
        files = [path for _id, path in service.files(view)]
        plans.append(ViewPlan(view, files, spec["join_keys"], names, spec.get("ttl_s")))
    con = connect(os.environ.get(ENV_MEMORY_LIMIT) or None, str(service.offline.root / ".tmp"))
    try:
        result = historical_join(con, table, plans)
    finally:
        con.close()
    return result.to_pandas()


def _values(data: bytes) -> dict[str, Any]:
    try:
        found: dict[str, Any] = orjson.loads(data)
    except orjson.JSONDecodeError:  # ±Infinity, which only the standard parser reads
        found = json.loads(data)
    return found


def online_features(
    service: FeatureStoreService,
    entity_rows: Sequence[Mapping[str, Any]],
    refs: Sequence[FeatureRef],
) -> dict[str, list[Any]]:
    """Latest values per entity row, column-wise; older than the TTL → missing (None)."""
    now_us = time.time_ns() // 1000
    out: dict[str, list[Any]] = {}
    for view, group in _group(refs).items():
        spec = service.view(view).spec
        keys = spec["join_keys"]
        try:
            encoded = [encode_key([row[k] for k in keys]) for row in entity_rows]
        except KeyError as exc:
            raise InvalidInputError(
                f"An entity row lacks join key {exc.args[0]!r} of view {view!r}"
            ) from exc
        for key in keys:
            out.setdefault(key, [row[key] for row in entity_rows])
        ttl = spec.get("ttl_s")
        horizon = now_us - int(ttl * 1_000_000) if ttl is not None else None
        found = service.online.read(view, encoded)
        columns: list[list[Any]] = [[] for _ in group]
        for hit in found:
            values: dict[str, Any] = {}
            if hit is not None and (horizon is None or hit[0] > horizon):
                values = _values(hit[1])
            for column, ref in zip(columns, group, strict=True):
                column.append(values.get(ref.feature))
        for column, ref in zip(columns, group, strict=True):
            out[ref.output] = column
    return out
