"""MLflow metric-history read speed: one metric with 1,000,000 points, via ``mlflow server``.

Starts a fresh ``mlflow server`` (SQLite backend) on 127.0.0.1, creates a run through the
REST API, then writes ``--points`` points (default 1,000,000) of one metric straight into
MLflow's SQLite ``metrics`` table with ``executemany`` (columns key, value, timestamp,
run_uuid, step, is_nan; ``latest_metrics`` is updated too), because logging them through
MLflow would take far too long. It then times
``MlflowClient(<server url>).get_metric_history(run_id, key)`` (which pages through the
REST API 25,000 points at a time): the median of ``--reps`` (default 3) reads.

If one read takes more than ``--slow-seconds`` (default 120 s), the remaining repetitions
at full size are skipped and the same measurement is also made on a run with
``--fallback-points`` (default 100,000) points. Prints one JSON object to stdout. Run it
inside the mlflow venv (``benchmarks/run_mlflow.py`` does this):

    benchmarks/.venvs/mlflow/bin/python benchmarks/mlflow_side/history.py [--points N]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import time
from pathlib import Path
from typing import Any

from _common import (
    MlflowServer,
    emit,
    log,
    mlflow_version,
    peers,
    quiet_stdout,
    sqlite_uri,
    tempdir,
)

KEY = "loss"
CHUNK = 100_000


def insert_points(db: Path, run_id: str, n_points: int, seed: int = 0) -> float:
    """Write ``n_points`` of metric ``KEY`` for ``run_id`` directly into MLflow's tables."""
    rng = random.Random(seed)
    base_ms = int(time.time() * 1000) - n_points
    start = time.perf_counter()
    conn = sqlite3.connect(db, timeout=60)
    try:
        with conn:
            for lo in range(0, n_points, CHUNK):
                rows = [
                    (KEY, rng.random(), base_ms + step, run_id, step, 0)
                    for step in range(lo, min(lo + CHUNK, n_points))
                ]
                conn.executemany(
                    "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    rows,
                )
            last_key, last_value, last_ts, _, last_step, last_nan = rows[-1]
            conn.execute(
                "INSERT OR REPLACE INTO latest_metrics"
                " (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, ?, ?)",
                (last_key, last_value, last_ts, last_step, last_nan, run_id),
            )
    finally:
        conn.close()
    return time.perf_counter() - start


def make_run(client: Any, exp_id: str, db: Path, n_points: int) -> tuple[str, float]:
    run_id = str(client.create_run(exp_id).info.run_id)
    client.set_terminated(run_id)
    log(f"inserting {n_points:,} points for run {run_id} directly into SQLite")
    insert_s = insert_points(db, run_id, n_points)
    log(f"inserted in {insert_s:.1f}s")
    return run_id, insert_s


def time_history(
    client: Any, run_id: str, n_points: int, reps: int, slow_seconds: float
) -> dict[str, Any]:
    times: list[float] = []
    skipped = False
    for rep in range(reps):
        start = time.perf_counter()
        history = client.get_metric_history(run_id, KEY)
        elapsed = time.perf_counter() - start
        if len(history) != n_points:
            raise SystemExit(f"get_metric_history returned {len(history)} of {n_points} points")
        del history
        times.append(elapsed)
        log(f"get_metric_history({n_points:,} points) rep {rep + 1}: {elapsed:.2f}s")
        if elapsed > slow_seconds and rep + 1 < reps:
            log(f"slower than {slow_seconds:.0f}s: skipping the remaining repetitions")
            skipped = True
            break
    median = statistics.median(times)
    return {
        "points": n_points,
        "seconds": median,
        "points_per_s": n_points / median,
        "reps": len(times),
        "reps_skipped_because_slow": skipped,
        "all_s": [round(t, 4) for t in times],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--fallback-points", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--slow-seconds", type=float, default=120.0)
    parser.add_argument("--workers", type=int, default=None, help="mlflow server --workers")
    parser.add_argument("--jobs", action="store_true", help="keep MLflow's job execution on")
    args = parser.parse_args()
    machine = peers.machine_info()

    from mlflow.tracking import MlflowClient

    result: dict[str, Any] = {
        "benchmark": "history",
        "system": "mlflow",
        "mlflow_version": mlflow_version(),
        "backend": "sqlite",
        "api": "MlflowClient.get_metric_history via REST (server)",
    }
    with quiet_stdout(), tempdir("mlflow-history-") as tmp:
        workdir = Path(tmp)
        db = workdir / "mlflow.db"
        with MlflowServer(sqlite_uri(db), workdir, workers=args.workers, jobs=args.jobs) as server:
            client = MlflowClient(tracking_uri=server.url)
            exp_id = client.create_experiment("history")
            run_id, insert_s = make_run(client, exp_id, db, args.points)
            full = time_history(client, run_id, args.points, args.reps, args.slow_seconds)
            full["direct_sqlite_insert_s"] = insert_s
            result["full"] = full
            if max(full["all_s"]) > args.slow_seconds:
                small_id, small_insert_s = make_run(client, exp_id, db, args.fallback_points)
                small = time_history(
                    client, small_id, args.fallback_points, args.reps, args.slow_seconds
                )
                small["direct_sqlite_insert_s"] = small_insert_s
                result["fallback"] = small
            result["server"] = server.info()
    result["machine"] = machine
    emit(result)


if __name__ == "__main__":
    main()
