"""Bulk writes and reads of metric points (the hottest data in the store).

A batch becomes one packed block per metric key (``metric_codec``): inserting a million
points costs a few hundred rows, and reading a series back is a handful of
``numpy.frombuffer`` calls. The ``latest_metrics`` row of a key moves only when a batch
brings a later point (higher step, then newer timestamp). A batch sent with an id is
recorded in ``ingested_batches`` in the same transaction, so sending it again is a no-op.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from shipyard.core.timeutil import now_ms
from shipyard.store.schema import ingested_batches, latest_metrics, metric_blocks
from shipyard.tracking.entities import MetricColumns, MetricHistory
from shipyard.tracking.metric_codec import decode_block, encode_block

MAX_BLOCK_POINTS = 100_000


def claim_batch(conn: Connection, run_id: str, batch_id: str | None) -> bool:
    """Record a batch id; False when this run already stored a batch with that id."""
    if batch_id is None:
        return True
    row = {"run_id": run_id, "batch_id": batch_id, "created_at": now_ms()}
    stmt = (
        _dialect_insert(conn, ingested_batches)
        .values(row)
        .on_conflict_do_nothing()
        .returning(ingested_batches.c.batch_id)
    )
    return conn.execute(stmt).first() is not None


def write_columns(conn: Connection, run_id: str, columns: MetricColumns) -> int:
    """Store per-key columns (steps, timestamps, values) as blocks; returns points stored."""
    if not columns:
        return 0
    latest: dict[str, tuple[int, int, float]] = {}
    rows: list[tuple[str, dict[str, Any]]] = []
    total = 0
    for key, (steps, stamps, values) in columns.items():
        s = np.asarray(steps, dtype=np.int64)
        t = np.asarray(stamps, dtype=np.int64)
        v = np.asarray(values, dtype=np.float64)
        total += len(s)
        last = int(np.lexsort((t, s))[-1])
        latest[key] = (int(s[last]), int(t[last]), float(v[last]))
        for start in range(0, len(s), MAX_BLOCK_POINTS):
            end = start + MAX_BLOCK_POINTS
            rows.append((key, _block_row(s[start:end], t[start:end], v[start:end])))
    series = _ensure_series(conn, run_id, latest)
    conn.execute(
        metric_blocks.insert(), [{"series_id": series[key][0], **row} for key, row in rows]
    )
    _advance_latest(conn, series, latest)
    return total


def _block_row(s: np.ndarray, t: np.ndarray, v: np.ndarray) -> dict[str, Any]:
    return {
        "n_points": int(s.shape[0]),
        "min_step": int(s.min()),
        "max_step": int(s.max()),
        "data": encode_block(s, t, v),
    }


def _ensure_series(
    conn: Connection, run_id: str, latest: dict[str, tuple[int, int, float]]
) -> dict[str, tuple[int, int, int, bool]]:
    """Series id and stored (step, timestamp) per key, creating missing series rows."""
    found = _load_series(conn, run_id, list(latest))
    missing = [k for k in latest if k not in found]
    if missing:
        rows = [_latest_values(run_id, k, latest[k]) for k in missing]
        conn.execute(_dialect_insert(conn, latest_metrics).values(rows).on_conflict_do_nothing())
        found.update(_load_series(conn, run_id, missing))
    return found


def _load_series(
    conn: Connection, run_id: str, keys: list[str]
) -> dict[str, tuple[int, int, int, bool]]:
    t = latest_metrics
    out: dict[str, tuple[int, int, int, bool]] = {}
    for start in range(0, len(keys), 500):
        query = select(t.c.key, t.c.id, t.c.step, t.c.timestamp).where(
            t.c.run_id == run_id, t.c.key.in_(keys[start : start + 500])
        )
        for key, sid, step, ts in conn.execute(query):
            out[key] = (int(sid), int(step), int(ts), False)
    return out


def _latest_values(run_id: str, key: str, point: tuple[int, int, float]) -> dict[str, Any]:
    step, ts, value = point
    nan = math.isnan(value)
    return {
        "run_id": run_id,
        "key": key,
        "value": 0.0 if nan else value,
        "is_nan": nan,
        "step": step,
        "timestamp": ts,
    }


def _dialect_insert(conn: Connection, table: Any) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _advance_latest(
    conn: Connection,
    series: dict[str, tuple[int, int, int, bool]],
    latest: dict[str, tuple[int, int, float]],
) -> None:
    t = latest_metrics
    for key, (step, ts, value) in latest.items():
        sid, cur_step, cur_ts, _ = series[key]
        if (step, ts) < (cur_step, cur_ts):
            continue
        nan = math.isnan(value)
        conn.execute(
            update(t)
            .where(t.c.id == sid)
            .values(value=0.0 if nan else value, is_nan=nan, step=step, timestamp=ts)
        )


def iter_blocks(conn: Connection, series_id: int) -> Iterator[tuple[int, bytes]]:
    """(block id, packed data) of a series in insertion order."""
    query = (
        select(metric_blocks.c.id, metric_blocks.c.data)
        .where(metric_blocks.c.series_id == series_id)
        .order_by(metric_blocks.c.id)
    )
    for block_id, data in conn.execute(query):
        yield int(block_id), bytes(data)


def read_history(conn: Connection, series_id: int, key: str) -> MetricHistory:
    """Every point of a series, ordered by step then timestamp (stable for ties)."""
    parts = [decode_block(data) for _, data in iter_blocks(conn, series_id)]
    if not parts:
        empty_i = np.empty(0, dtype=np.int64)
        return MetricHistory(key, empty_i, empty_i.copy(), np.empty(0, dtype=np.float64))
    steps = np.concatenate([p[0] for p in parts])
    stamps = np.concatenate([p[1] for p in parts])
    values = np.concatenate([p[2] for p in parts])
    if not _is_sorted(steps, stamps):
        order = np.lexsort((stamps, steps))
        steps, stamps, values = steps[order], stamps[order], values[order]
    return MetricHistory(key=key, steps=steps, timestamps=stamps, values=values)


def _is_sorted(steps: np.ndarray, stamps: np.ndarray) -> bool:
    if steps.shape[0] < 2:
        return True
    ds = np.diff(steps)
    if (ds < 0).any():
        return False
    ties = ds == 0
    return not ties.any() or bool((np.diff(stamps)[ties] >= 0).all())
