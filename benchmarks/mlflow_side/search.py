"""MLflow ``search_runs`` latency on 100,000 runs x 20 params x 10 metrics (SQLite).

Builds an MLflow SQLite DB with one experiment of ``--runs`` runs (default 100,000), each
with params ``p0..p19`` (values ``v0``..``v9``), metrics ``m0..m9`` (uniform [0, 1), one
point at step 0) and the four tags MLflow's fluent API sets (``mlflow.user``,
``mlflow.source.name``, ``mlflow.source.type``, ``mlflow.runName``). The schema is made
by MLflow itself (``SqlAlchemyStore``); the rows are bulk-inserted with ``executemany``
into ``runs``, ``params``, ``metrics``, ``latest_metrics`` and ``tags`` exactly as MLflow
would write them. The data comes from ``peers.search_dataset`` (seed 0), the same data the
Shipyard half uses. The DB is cached in ``benchmarks/results/`` keyed by MLflow version and
size, so re-runs skip the build.

It then times::

    client.search_runs([exp_id], filter_string="metrics.m3 > 0.5 and params.p1 = 'v3'",
                       order_by=["metrics.m5 DESC"], max_results=100)

``--reps`` times (default 10) after one warm-up, reporting p50/p90, once with
``MlflowClient(tracking_uri="sqlite:///...")`` (in-process store, no server) and once
through a running ``mlflow server`` (REST). Results are checked (filter and order).
At 100,000 runs one MLflow query takes about a minute here (SQLite's plan scans the
materialized ``metrics.m5`` subquery for each matching run), so each mode stops after
``--budget-seconds`` (default 240 s, at least 3 timed calls) and reports how many calls
it made. Prints one JSON object to stdout. Run it inside the mlflow venv:

    benchmarks/.venvs/mlflow/bin/python benchmarks/mlflow_side/search.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import time
import uuid
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

FILTER = "metrics.m3 > 0.5 and params.p1 = 'v3'"
ORDER_BY = ["metrics.m5 DESC"]
MAX_RESULTS = 100
EXPERIMENT = "search-bench"
CHUNK_RUNS = 5_000


def cache_path(n_runs: int, n_params: int, n_metrics: int) -> Path:
    name = f"mlflow-{mlflow_version()}-search-{n_runs}r-{n_params}p-{n_metrics}m.db"
    return peers.RESULTS_DIR / name


def build_db(path: Path, n_runs: int, n_params: int, n_metrics: int) -> float:
    """Create the DB at ``path`` (atomically, via a temp file); return build seconds."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    start = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".building")
    tmp.unlink(missing_ok=True)
    artifact_root = str(path.parent / "mlflow-search-artifacts")
    store = SqlAlchemyStore(sqlite_uri(tmp), artifact_root)
    exp_id = store.create_experiment(EXPERIMENT)
    store.engine.dispose()
    log(f"schema made by MLflow, experiment {exp_id}; inserting {n_runs:,} runs")

    uuid_rng = random.Random(12345)
    base_ms = 1_700_000_000_000
    conn = sqlite3.connect(tmp)
    conn.execute("PRAGMA synchronous=OFF")  # build only; this pragma is per connection
    conn.execute("PRAGMA cache_size=-524288")
    data = peers.search_dataset(n_runs, n_params, n_metrics, seed=0)
    with conn:
        for lo in range(0, n_runs, CHUNK_RUNS):
            runs, tags, params, metrics, latest = [], [], [], [], []
            for i in range(lo, min(lo + CHUNK_RUNS, n_runs)):
                param_values, metric_values = next(data)
                run_uuid = uuid.UUID(int=uuid_rng.getrandbits(128), version=4).hex
                name = f"run-{i}"
                start_ms = base_ms + i * 1000
                end_ms = start_ms + 500
                runs.append(
                    (
                        run_uuid,
                        name,
                        "LOCAL",
                        "bench",
                        "",
                        "bench",
                        "FINISHED",
                        start_ms,
                        end_ms,
                        "",
                        "active",
                        f"{artifact_root}/{exp_id}/{run_uuid}/artifacts",
                        int(exp_id),
                        None,
                    )
                )
                tags += [
                    ("mlflow.user", "bench", run_uuid),
                    ("mlflow.source.name", "bench", run_uuid),
                    ("mlflow.source.type", "LOCAL", run_uuid),
                    ("mlflow.runName", name, run_uuid),
                ]
                params += [(f"p{j}", v, run_uuid) for j, v in enumerate(param_values)]
                for k, value in enumerate(metric_values):
                    ts = start_ms + 100 + k
                    metrics.append((f"m{k}", value, ts, run_uuid, 0, 0))
                    latest.append((f"m{k}", value, ts, 0, 0, run_uuid))
            conn.executemany(
                "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name,"
                " user_id, status, start_time, end_time, source_version, lifecycle_stage,"
                " artifact_uri, experiment_id, deleted_time)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                runs,
            )
            conn.executemany("INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)", tags)
            conn.executemany("INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)", params)
            conn.executemany(
                "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                metrics,
            )
            conn.executemany(
                "INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                latest,
            )
            if (lo // CHUNK_RUNS) % 4 == 3:
                log(f"  {lo + CHUNK_RUNS:,} runs")
    conn.close()
    os.replace(tmp, path)
    return time.perf_counter() - start


def experiment_id(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT experiment_id FROM experiments WHERE name = ?", (EXPERIMENT,)
        ).fetchone()
    return str(row[0])


def check(runs: list[Any]) -> None:
    if len(runs) != MAX_RESULTS:
        raise SystemExit(f"search_runs returned {len(runs)} runs, expected {MAX_RESULTS}")
    m5 = [r.data.metrics["m5"] for r in runs]
    if m5 != sorted(m5, reverse=True):
        raise SystemExit("search_runs results are not ordered by metrics.m5 DESC")
    for r in runs:
        if not (r.data.metrics["m3"] > 0.5 and r.data.params["p1"] == "v3"):
            raise SystemExit(f"run {r.info.run_id} does not match the filter")


def time_search(client: Any, exp_id: str, reps: int, budget_s: float) -> dict[str, Any]:
    """One warm-up, then up to ``reps`` timed calls while they fit in ``budget_s``.

    At least 3 timed calls are made; a call is not started when the time spent on timed
    calls plus the slowest one so far would exceed the budget (so a very slow system gets
    fewer repetitions rather than an hour-long run).
    """

    def once() -> float:
        start = time.perf_counter()
        runs = client.search_runs(
            [exp_id], filter_string=FILTER, order_by=ORDER_BY, max_results=MAX_RESULTS
        )
        elapsed = time.perf_counter() - start
        check(list(runs))
        return elapsed

    warmup = once()
    log(f"  warm-up {warmup:.2f}s")
    times: list[float] = []
    while len(times) < reps:
        if len(times) >= 3 and sum(times) + max(times) > budget_s:
            log(f"  time budget of {budget_s:.0f}s reached after {len(times)} repetitions")
            break
        times.append(once())
        log(f"  rep {len(times)}: {times[-1]:.2f}s")
    summary = peers.summarize(times)
    summary["warmup_s"] = warmup
    summary["reps_requested"] = reps
    summary["budget_s"] = budget_s
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--params", type=int, default=20)
    parser.add_argument("--metrics", type=int, default=10)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument(
        "--budget-seconds", type=float, default=240.0, help="time budget per mode (store/server)"
    )
    parser.add_argument("--rebuild", action="store_true", help="ignore the cached DB")
    parser.add_argument("--workers", type=int, default=None, help="mlflow server --workers")
    parser.add_argument("--jobs", action="store_true", help="keep MLflow's job execution on")
    args = parser.parse_args()
    if args.params < 2 or args.metrics < 6:
        parser.error("the query needs p1, m3 and m5: --params >= 2, --metrics >= 6")
    machine = peers.machine_info()

    from mlflow.tracking import MlflowClient

    db = cache_path(args.runs, args.params, args.metrics)
    build_s = None
    if args.rebuild or not db.exists():
        log(f"building {db}")
        build_s = build_db(db, args.runs, args.params, args.metrics)
        log(f"built in {build_s:.1f}s")
    else:
        log(f"using cached {db}")
    exp_id = experiment_id(db)

    result: dict[str, Any] = {
        "benchmark": "search",
        "system": "mlflow",
        "mlflow_version": mlflow_version(),
        "backend": "sqlite",
        "runs": args.runs,
        "params_per_run": args.params,
        "metrics_per_run": args.metrics,
        "query": {"filter_string": FILTER, "order_by": ORDER_BY, "max_results": MAX_RESULTS},
        "db_path": str(db),
        "db_bytes": db.stat().st_size,
        "db_build_s": build_s,
    }
    with quiet_stdout():
        log("search_runs via MlflowClient(sqlite:///...) (in-process store)")
        result["store"] = time_search(
            MlflowClient(tracking_uri=sqlite_uri(db)), exp_id, args.reps, args.budget_seconds
        )
        log(f"store p50 {result['store']['p50_s']:.3f}s")
        with (
            tempdir("mlflow-search-") as tmp,
            MlflowServer(sqlite_uri(db), Path(tmp), workers=args.workers, jobs=args.jobs) as srv,
        ):
            log("search_runs via mlflow server (REST)")
            result["server"] = time_search(
                MlflowClient(tracking_uri=srv.url), exp_id, args.reps, args.budget_seconds
            )
            result["server"]["server"] = srv.info()
            log(f"server p50 {result['server']['p50_s']:.3f}s")
    result["machine"] = machine
    emit(result)


if __name__ == "__main__":
    main()
