"""Bulk writes and reads of metric points (the hottest data in the store).

Points go in with one ``executemany`` per batch; the primary key covers the whole point
and conflicts are ignored, so a re-sent batch never stores a point twice. The
``latest_metrics`` row of each key moves only when a batch brings a later point
(higher step, then newer timestamp).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection, and_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from shipyard.tracking.entities import MetricHistory, MetricPoint
from shipyard.store.schema import latest_metrics, metric_points

_SQLITE_INSERT = (
    "INSERT INTO metric_points (series_id, step, timestamp, value, is_nan) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_POINT_DTYPE = np.dtype([("step", "i8"), ("ts", "i8"), ("value", "f8"), ("nan", "?")])


def write_points(conn: Connection, run_id: str, points: Sequence[MetricPoint]) -> None:
    """Store points of one run; the caller holds the write transaction."""
    if not points:
        return
    latest: dict[str, MetricPoint] = {}
    for p in points:
        cur = latest.get(p.key)
        if cur is None or (p.step, p.timestamp) >= (cur.step, cur.timestamp):
            latest[p.key] = p
    series = _ensure_series(conn, run_id, latest)
    rows = [
        (series[p.key][0], p.step, p.timestamp, 0.0, True)
        if p.value != p.value
        else (series[p.key][0], p.step, p.timestamp, p.value, False)
        for p in points
    ]
    _insert_rows(conn, rows)
    _advance_latest(conn, series, latest)


def _ensure_series(
    conn: Connection, run_id: str, latest: dict[str, MetricPoint]
) -> dict[str, tuple[int, int, int, bool]]:
    """Series id and current (step, timestamp) per key, creating missing series rows."""
    found = _load_series(conn, run_id, list(latest))
    missing = [k for k in latest if k not in found]
    if missing:
        rows = [_latest_row(run_id, latest[k]) for k in missing]
        insert = _dialect_insert(conn).values(rows).on_conflict_do_nothing()
        conn.execute(insert)
        found.update(_load_series(conn, run_id, missing))
        for key in missing:  # a fresh row already holds this batch's latest point
            sid, _, _, _ = found[key]
            found[key] = (sid, latest[key].step, latest[key].timestamp, True)
    return found


def _load_series(
    conn: Connection, run_id: str, keys: list[str]
) -> dict[str, tuple[int, int, int, bool]]:
    t = latest_metrics
    out: dict[str, tuple[int, int, int, bool]] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        query = select(t.c.key, t.c.id, t.c.step, t.c.timestamp).where(
            t.c.run_id == run_id, t.c.key.in_(chunk)
        )
        for key, sid, step, ts in conn.execute(query):
            out[key] = (int(sid), int(step), int(ts), False)
    return out


def _latest_row(run_id: str, p: MetricPoint) -> dict[str, Any]:
    nan = p.value != p.value
    return {
        "run_id": run_id,
        "key": p.key,
        "value": 0.0 if nan else p.value,
        "is_nan": nan,
        "step": p.step,
        "timestamp": p.timestamp,
    }


def _dialect_insert(conn: Connection) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(latest_metrics)
    return sqlite.insert(latest_metrics)


def _insert_rows(conn: Connection, rows: list[tuple[int, int, int, float, bool]]) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(_SQLITE_INSERT, rows)  # type: ignore[arg-type]
        return
    stmt = postgresql.insert(metric_points).on_conflict_do_nothing()
    keys = ("series_id", "step", "timestamp", "value", "is_nan")
    conn.execute(stmt, [dict(zip(keys, r, strict=True)) for r in rows])


def _advance_latest(
    conn: Connection,
    series: dict[str, tuple[int, int, int, bool]],
    latest: dict[str, MetricPoint],
) -> None:
    t = latest_metrics
    for key, p in latest.items():
        sid, step, ts, fresh = series[key]
        if fresh or (p.step, p.timestamp) < (step, ts):
            continue
        nan = p.value != p.value
        conn.execute(
            update(t)
            .where(and_(t.c.id == sid))
            .values(value=0.0 if nan else p.value, is_nan=nan, step=p.step, timestamp=p.timestamp)
        )


def read_history(conn: Connection, series_id: int, key: str) -> MetricHistory:
    """Every point of a series, ordered by step then timestamp, NaN restored."""
    if conn.dialect.name == "sqlite":
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cur = raw.cursor()
        cur.execute(
            "SELECT step, timestamp, value, is_nan FROM metric_points WHERE series_id = ? "
            "ORDER BY step, timestamp",
            (series_id,),
        )
        arr = np.fromiter(cur, dtype=_POINT_DTYPE)
        cur.close()
    else:
        t = metric_points
        query = (
            select(t.c.step, t.c.timestamp, t.c.value, t.c.is_nan)
            .where(t.c.series_id == series_id)
            .order_by(t.c.step, t.c.timestamp)
        )
        result = conn.execute(query)
        arr = np.fromiter((tuple(r) for r in result), dtype=_POINT_DTYPE)
    values = arr["value"].copy()
    values[arr["nan"]] = math.nan
    return MetricHistory(
        key=key,
        steps=arr["step"].copy(),
        timestamps=arr["ts"].copy(),
        values=values,
    )
