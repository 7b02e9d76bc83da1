"""MLflow metric ingest throughput through a real ``mlflow server`` (SQLite backend).

Starts ``mlflow server --backend-store-uri sqlite:///<tmp>/mlflow.db`` on 127.0.0.1 and
a free port, then measures two ways of logging metric points from one client:

(a) ``mlflow.log_metric`` once per point (one HTTP request each): 10 metrics x
    ``--call-steps`` steps (default 200 -> 2,000 points);
(b) ``MlflowClient().log_batch`` with 1,000 metrics per call (MLflow's per-request
    limit): 10 metrics x ``--steps`` steps (default 10,000 -> 100,000 points), timed until
    the last call returns (each call is committed to MLflow's DB before it returns).

Rows are then counted in the SQLite DB to check that every point landed. For context it
also times ``GET /health`` on a keep-alive connection and on fresh connections (MLflow's
client keeps connections alive). Prints one JSON object to stdout. Run it inside the
mlflow venv (``benchmarks/run_mlflow.py`` does this):

    benchmarks/.venvs/mlflow/bin/python benchmarks/mlflow_side/ingest.py [--steps 10000]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import time
from pathlib import Path

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

BATCH_LIMIT = 1000  # MLflow's MAX_METRICS_PER_BATCH


def bench_log_metric(url: str, n_metrics: int, n_steps: int) -> dict[str, object]:
    import mlflow

    mlflow.set_tracking_uri(url)
    exp_id = mlflow.create_experiment("ingest-log-metric")
    rng = random.Random(0)
    values = [[rng.random() for _ in range(n_metrics)] for _ in range(n_steps)]
    with mlflow.start_run(experiment_id=exp_id) as run:
        start = time.perf_counter()
        for step in range(n_steps):
            for k in range(n_metrics):
                mlflow.log_metric(f"m{k}", values[step][k], step=step)
        seconds = time.perf_counter() - start
    points = n_metrics * n_steps
    return {
        "run_id": run.info.run_id,
        "points": points,
        "calls": points,
        "seconds": seconds,
        "points_per_s": points / seconds,
        "ms_per_call": seconds / points * 1000,
    }


def bench_log_batch(url: str, n_metrics: int, n_steps: int) -> dict[str, object]:
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=url)
    exp_id = client.create_experiment("ingest-log-batch")
    run = client.create_run(exp_id)
    run_id = run.info.run_id
    rng = random.Random(1)
    base_ms = int(time.time() * 1000)
    metrics = [
        Metric(f"m{k}", rng.random(), base_ms + step, step)
        for step in range(n_steps)
        for k in range(n_metrics)
    ]
    batches = [metrics[i : i + BATCH_LIMIT] for i in range(0, len(metrics), BATCH_LIMIT)]
    log(f"log_batch: {len(metrics):,} points in {len(batches)} calls")
    start = time.perf_counter()
    for batch in batches:
        client.log_batch(run_id, metrics=batch, synchronous=True)
    seconds = time.perf_counter() - start
    client.set_terminated(run_id)
    return {
        "run_id": run_id,
        "points": len(metrics),
        "calls": len(batches),
        "batch_size": BATCH_LIMIT,
        "seconds": seconds,
        "points_per_s": len(metrics) / seconds,
        "ms_per_call": seconds / len(batches) * 1000,
    }


def count_rows(db: Path, run_id: str) -> int:
    with sqlite3.connect(db) as conn:
        (n,) = conn.execute("SELECT count(*) FROM metrics WHERE run_uuid = ?", (run_id,)).fetchone()
    return int(n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--metrics", type=int, default=10, help="metric keys per run")
    parser.add_argument("--call-steps", type=int, default=200, help="steps for (a) log_metric")
    parser.add_argument("--steps", type=int, default=10_000, help="steps for (b) log_batch")
    parser.add_argument("--workers", type=int, default=None, help="mlflow server --workers")
    parser.add_argument("--jobs", action="store_true", help="keep MLflow's job execution on")
    args = parser.parse_args()
    machine = peers.machine_info()

    with quiet_stdout(), tempdir("mlflow-ingest-") as tmp:
        workdir = Path(tmp)
        db = workdir / "mlflow.db"
        with MlflowServer(sqlite_uri(db), workdir, workers=args.workers, jobs=args.jobs) as server:
            log(f"(a) log_metric: {args.metrics} x {args.call_steps} points, one call each")
            per_call = bench_log_metric(server.url, args.metrics, args.call_steps)
            log(f"(a) {per_call['points_per_s']:.0f} points/s")
            log(f"(b) log_batch: {args.metrics} x {args.steps} points")
            batch = bench_log_batch(server.url, args.metrics, args.steps)
            log(f"(b) {batch['points_per_s']:.0f} points/s")
            server_info = server.info()
            server_info["http_probe"] = server.http_probe()
        per_call["rows_in_db"] = count_rows(db, str(per_call["run_id"]))
        batch["rows_in_db"] = count_rows(db, str(batch["run_id"]))
        db_bytes = db.stat().st_size

    for name, res in (("log_metric", per_call), ("log_batch", batch)):
        if res["rows_in_db"] != res["points"]:
            raise SystemExit(f"{name}: {res['rows_in_db']} rows in DB, expected {res['points']}")
    emit(
        {
            "benchmark": "ingest",
            "system": "mlflow",
            "mlflow_version": mlflow_version(),
            "backend": "sqlite",
            "server": server_info,
            "log_metric": per_call,
            "log_batch": batch,
            "db_bytes": db_bytes,
            "machine": machine,
        }
    )


if __name__ == "__main__":
    main()
