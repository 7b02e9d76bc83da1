"""Point-in-time joins with DuckDB's ASOF join.

For each entity row and each feature view: the latest feature row with
``feature_ts <= entity_ts`` and (with a TTL) ``feature_ts > entity_ts - ttl``; among rows
with the same key and event time the one created last wins. Each view is one
ASOF LEFT JOIN, so entity rows keep their count, and ``ORDER BY`` the original row
position keeps their order. Nothing is merged and filtered afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from shipyard.core.errors import StoreError

__all__ = ["ViewPlan", "connect", "historical_join", "quote"]

ROW = "__row"
ENTITY_TS = "__ets"


def quote(name: str) -> str:
    """A DuckDB identifier."""
    return '"' + name.replace('"', '""') + '"'


def connect(
    memory_limit: str | None = None, temp_directory: str | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB session in UTC (spilling to ``temp_directory`` if given)."""
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    if temp_directory:
        con.execute(f"SET temp_directory = '{temp_directory}'")
    return con


@dataclass(frozen=True)
class ViewPlan:
    """One view's part of a join: its files, keys, TTL and (feature, output name) pairs."""

    name: str
    files: Sequence[str]
    join_keys: Sequence[str]
    features: Sequence[tuple[str, str]]
    ttl_s: float | None


# The ASOF inequality compares structs lexicographically: the feature row with the
# greatest (event time, created time, batch, row in batch) not after the entity's time
# wins, so rows sharing an event time need no separate reduction step.
_FEATURE_KEY = "{'t': __ts, 'c': __created_ts, 'i': __ingestion_id, 's': __seq}"
_ENTITY_KEY = (
    "{'t': __ets, 'c': 'infinity'::TIMESTAMPTZ, 'i': 9223372036854775807, 's': 9223372036854775807}"
)


def _view_cte(index: int, plan: ViewPlan) -> str:
    keys = ", ".join(quote(k) for k in plan.join_keys)
    cols = ", ".join(quote(f) for f, _ in plan.features)
    files = ", ".join("'" + f.replace("'", "''") + "'" for f in plan.files)
    return (
        f"v{index} AS (SELECT {keys}, __ts, {cols}, {_FEATURE_KEY} AS __k "
        f"FROM read_parquet([{files}], union_by_name = true) "
        f"WHERE __ts <= (SELECT max({ENTITY_TS}) FROM e))"
    )


def _select(index: int, plan: ViewPlan) -> list[str]:
    alias = f"v{index}"
    if not plan.files:  # no data yet: every value is missing
        return [f"NULL AS {quote(name)}" for _f, name in plan.features]
    out = []
    for feature, name in plan.features:
        col = f"{alias}.{quote(feature)}"
        if plan.ttl_s is not None:
            micros = int(plan.ttl_s * 1_000_000)
            window = f"e.{ENTITY_TS} - to_microseconds({micros})"
            col = f"CASE WHEN {alias}.__ts > {window} THEN {col} END"
        out.append(f"{col} AS {quote(name)}")
    return out


def historical_join(
    con: duckdb.DuckDBPyConnection, entity: pa.Table, plans: Sequence[ViewPlan]
) -> pa.Table:
    """``entity`` holds the join keys, ``__ets`` (TIMESTAMPTZ) and ``__row`` (its order)."""
    con.register("entity_input", entity)
    ctes = [f"e AS (SELECT *, {_ENTITY_KEY} AS __k FROM entity_input)"]
    ctes += [_view_cte(i, p) for i, p in enumerate(plans) if p.files]
    joins = []
    for i, plan in enumerate(plans):
        if not plan.files:
            continue
        on = " AND ".join(f"e.{quote(k)} = v{i}.{quote(k)}" for k in plan.join_keys)
        joins.append(f"ASOF LEFT JOIN v{i} ON {on} AND e.__k >= v{i}.__k")
    select = [f"e.* EXCLUDE ({ENTITY_TS}, __k)"] + [
        s for i, p in enumerate(plans) for s in _select(i, p)
    ]
    sql = (
        f"WITH {', '.join(ctes)} SELECT {', '.join(select)} FROM e "
        f"{' '.join(joins)} ORDER BY e.{ROW}"
    )
    try:
        table = con.sql(sql).to_arrow_table()
    except duckdb.IOException as exc:
        raise StoreError(f"Cannot read the offline feature store: {exc}") from exc
    finally:
        con.unregister("entity_input")
    return table.drop_columns([ROW])
