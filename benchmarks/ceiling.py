"""The raw SQLite insert ceiling for metric points: "what the database itself can insert".

Creates a fresh SQLite file with Shipyard's schema (``shipyard.store.schema.metadata``,
``create_all``), sets ``PRAGMA journal_mode=WAL`` and ``PRAGMA synchronous=NORMAL``, adds
the parent rows (one project, one run, one ``latest_metrics`` series per metric key) and
inserts ``--series`` x ``--steps`` points (default 10 x 100,000 = 1,000,000) with the
standard library's ``sqlite3`` ``executemany``, ``--batch`` points (default 10,000) per
transaction, timed until the last transaction has committed. Points are generated (and,
for blocks, packed) before the clock starts, in training order: every series at each step.

Two layouts (``--layout``, default both):

* ``rows``: one row per point in ``metric_points``, a WITHOUT ROWID table whose primary
  key is the whole point (series_id, step, timestamp, value, is_nan). This is the table of
  Shipyard's first schema; if ``shipyard.store.schema`` no longer has it, the identical
  definition below (``METRIC_POINTS_COLUMNS``) is added next to Shipyard's tables.
* ``blocks``: Shipyard's current ``metric_blocks`` table (if the schema has it): each
  transaction stores one row per series holding that batch's points packed like
  ``shipyard/tracking/metric_codec.py`` (``SYM1``, uint32 n, int64 steps, int64
  timestamps, float64 values), i.e. 10 rows of 1,000 points per 10,000-point batch.

Foreign-key enforcement is SQLite's default (off) unless ``--foreign-keys``. Runs in
the main Python (no MLflow); prints one JSON object to stdout and, with ``--write``,
saves it as ``benchmarks/results/ceiling.json``:

    python benchmarks/ceiling.py [--write]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import struct
import sys
import tempfile
import time
from array import array
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
SRC_DIR = BENCH_DIR.parent / "src"
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

import peers  # noqa: E402

RUN_ID = "0123456789abcdef0123456789abcdef"
POINT_COLUMNS = ("series_id", "step", "timestamp", "value", "is_nan")
BLOCK_HEADER = struct.Struct("<4sI")


def load_metadata() -> Any:
    """Shipyard's schema, from the installed package or else from ``src/``."""
    try:
        from shipyard.store.schema import metadata
    except ImportError:
        sys.path.insert(0, str(SRC_DIR))
        from shipyard.store.schema import metadata
    return metadata


def build_metadata() -> Any:
    """A copy of Shipyard's metadata, plus ``metric_points`` if Shipyard dropped it."""
    from sqlalchemy import BigInteger, Boolean, Column, Float, ForeignKey, MetaData, Table

    shipyard_md = load_metadata()
    md = MetaData(naming_convention=dict(shipyard_md.naming_convention))
    for table in shipyard_md.sorted_tables:
        table.to_metadata(md)
    if "metric_points" not in md.tables:
        series_type = md.tables["latest_metrics"].c.id.type
        Table(
            "metric_points",
            md,
            Column(
                "series_id",
                series_type,
                ForeignKey("latest_metrics.id", ondelete="CASCADE"),
                primary_key=True,
            ),
            Column("step", BigInteger, primary_key=True),
            Column("timestamp", BigInteger, primary_key=True),
            Column("value", Float, primary_key=True),
            Column("is_nan", Boolean, primary_key=True),
            sqlite_with_rowid=False,
        )
    names = tuple(c.name for c in md.tables["metric_points"].columns)
    if set(names) != set(POINT_COLUMNS):
        raise SystemExit(f"metric_points columns are {names}; update {__file__}")
    return md


def fresh_db(
    path: Path, foreign_keys: bool, n_series: int
) -> tuple[sqlite3.Connection, list[int], str]:
    """Schema + pragmas + parent rows; returns (connection, series ids, journal mode)."""
    from sqlalchemy import create_engine

    md = build_metadata()
    engine = create_engine(f"sqlite:///{path}")
    md.create_all(engine)
    engine.dispose()
    conn = sqlite3.connect(path, isolation_level=None)  # explicit BEGIN/COMMIT below
    journal_mode = str(conn.execute("PRAGMA journal_mode=WAL").fetchone()[0])
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
    now = int(time.time() * 1000)
    latest_cols = {c.name for c in md.tables["latest_metrics"].columns}
    extra = ", count" if "count" in latest_cols else ""
    extra_val = ", 0" if extra else ""
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO projects (id, name, description, created_at) VALUES (1, 'bench', '', ?)",
        (now,),
    )
    conn.execute(
        "INSERT INTO runs (id, project_id, name, status, user, start_time, config, summary,"
        " system) VALUES (?, 1, 'ceiling', 'RUNNING', '', ?, '{}', '{}', '{}')",
        (RUN_ID, now),
    )
    series_ids = []
    for k in range(n_series):
        cur = conn.execute(
            "INSERT INTO latest_metrics (run_id, key, value, is_nan, step, timestamp"
            f"{extra}) VALUES (?, ?, 0, 0, 0, ?{extra_val})",
            (RUN_ID, f"m{k}", now),
        )
        series_ids.append(int(cur.lastrowid or 0))
    conn.execute("COMMIT")
    return conn, series_ids, journal_mode


def make_points(series_ids: list[int], n_steps: int) -> list[tuple[int, int, int, float, int]]:
    rng = random.Random(0)
    base_ms = int(time.time() * 1000)
    return [
        (sid, step, base_ms + step, rng.random(), 0)
        for step in range(n_steps)
        for sid in series_ids
    ]


def pack_blocks(
    batch: list[tuple[int, int, int, float, int]],
) -> list[tuple[int, int, int, int, bytes]]:
    """One (series_id, n_points, min_step, max_step, data) row per series of a batch."""
    per_series: dict[int, tuple[array[int], array[int], array[float]]] = {}
    for sid, step, ts, value, _ in batch:
        steps, stamps, values = per_series.setdefault(sid, (array("q"), array("q"), array("d")))
        steps.append(step)
        stamps.append(ts)
        values.append(value)
    rows = []
    for sid, (steps, stamps, values) in per_series.items():
        data = b"".join(
            (
                BLOCK_HEADER.pack(b"SYM1", len(steps)),
                steps.tobytes(),
                stamps.tobytes(),
                values.tobytes(),
            )
        )
        rows.append((sid, len(steps), min(steps), max(steps), data))
    return rows


def run_layout(layout: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="shipyard-ceiling-") as tmp:
        path = Path(tmp) / "ceiling.db"
        conn, series_ids, journal_mode = fresh_db(path, args.foreign_keys, args.series)
        points = make_points(series_ids, args.steps)
        batches = [points[lo : lo + args.batch] for lo in range(0, len(points), args.batch)]
        if layout == "rows":
            sql = f"INSERT INTO metric_points ({', '.join(POINT_COLUMNS)}) VALUES (?, ?, ?, ?, ?)"
            payloads: list[Any] = batches
            count_sql = "SELECT count(*) FROM metric_points"
        else:
            sql = (
                "INSERT INTO metric_blocks (series_id, n_points, min_step, max_step, data)"
                " VALUES (?, ?, ?, ?, ?)"
            )
            payloads = [pack_blocks(b) for b in batches]
            count_sql = "SELECT coalesce(sum(n_points), 0) FROM metric_blocks"

        start = time.perf_counter()
        for rows in payloads:
            conn.execute("BEGIN")
            conn.executemany(sql, rows)
            conn.execute("COMMIT")
        seconds = time.perf_counter() - start

        (stored,) = conn.execute(count_sql).fetchone()
        if stored != len(points):
            raise SystemExit(f"{layout}: {stored} points stored, expected {len(points)}")
        db_rows = sum(len(p) for p in payloads)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        return {
            "table": "metric_points (WITHOUT ROWID, one row per point)"
            if layout == "rows"
            else "metric_blocks (one packed row per series per batch)",
            "journal_mode": journal_mode,
            "points": len(points),
            "db_rows": db_rows,
            "transactions": len(payloads),
            "seconds": seconds,
            "points_per_s": len(points) / seconds,
            "db_bytes": path.stat().st_size,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10)
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000, help="points per transaction")
    parser.add_argument("--layout", choices=["rows", "blocks", "both"], default="both")
    parser.add_argument("--foreign-keys", action="store_true", help="PRAGMA foreign_keys=ON")
    parser.add_argument("--write", action="store_true", help="save results/ceiling.json")
    args = parser.parse_args()
    machine = peers.machine_info()

    layouts = ["rows", "blocks"] if args.layout == "both" else [args.layout]
    if "blocks" in layouts and "metric_blocks" not in load_metadata().tables:
        print("[ceiling] Shipyard's schema has no metric_blocks: skipping", file=sys.stderr)
        layouts.remove("blocks")
    result: dict[str, Any] = {
        "benchmark": "ceiling",
        "system": "sqlite3 (raw executemany)",
        "sqlite_version": sqlite3.sqlite_version,
        "pragmas": {"journal_mode": "WAL", "synchronous": "NORMAL"},
        "foreign_keys": args.foreign_keys,
        "points": args.series * args.steps,
        "series": args.series,
        "steps": args.steps,
        "batch_points": args.batch,
    }
    for layout in layouts:
        print(f"[ceiling] {layout}: inserting {result['points']:,} points", file=sys.stderr)
        result[layout] = run_layout(layout, args)
        print(
            f"[ceiling] {layout}: {result[layout]['points_per_s']:,.0f} points/s", file=sys.stderr
        )
    result["machine"] = machine
    if args.write:
        peers.write_result("ceiling", result)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
