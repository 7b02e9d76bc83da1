"""Shipyard's half of the tracking benchmarks (issue 2), in the main Python.

    python benchmarks/shipyard_tracking.py [--steps 100000] [--history-points 1000000]
                                           [--search-runs 100000] [--only NAME ...]

* ingest   - one client logs 10 metrics x STEPS steps with ``run.log`` to a local
             ``shipyard server`` (SQLite); points/s until ``run.finish()`` returns, i.e.
             durable. Also the same into the embedded store.
* history  - full history of one metric with 1,000,000 points through the HTTP backend
             (median of 3) and embedded.
* search   - 100,000 runs x 20 params x 10 metrics in SQLite (same data as MLflow's
             half, ``peers.search_dataset``); ``metrics.m3 > 0.5 and params.p1 = 'v3'``
             ordered by ``metrics.m5 DESC``, top 100: p50/p90 over 10 repetitions,
             embedded and through the server.
* overhead - caller-thread cost of ``run.log`` with 10 keys (median, p99), embedded.

Writes ``benchmarks/results/shipyard.json``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import shipyard as sy
from peers import (
    free_port,
    machine_info,
    percentile,
    search_dataset,
    summarize,
    wait_http,
    write_result,
)
from shipyard.tracking.entities import MetricColumns

FILTER = "metrics.m3 > 0.5 and params.p1 = 'v3'"
ORDER = ["metrics.m5 DESC"]


def start_server(db_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shipyard.cli.main",
            "server",
            "--port",
            str(port),
            "--backend-store-uri",
            db_url,
            "--log-level",
            "warning",
        ],
    )
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/api/v1/health", timeout=60, proc=proc)
    return proc, url


def ingest(uri: str, steps: int) -> dict[str, Any]:
    keys = [f"metric_{i}" for i in range(10)]
    run = sy.start_run(project="bench-ingest", tracking_uri=uri)
    started = time.perf_counter()
    for step in range(steps):
        run.log({k: step * 0.001 + i for i, k in enumerate(keys)}, step=step)
    enqueued = time.perf_counter() - started
    run.finish()
    seconds = time.perf_counter() - started
    stored = len(sy.Client(uri).get_metric_history(run.id, "metric_0"))
    assert stored == steps, (stored, steps)
    points = steps * len(keys)
    return {
        "points": points,
        "seconds": seconds,
        "points_per_s": points / seconds,
        "enqueue_seconds": enqueued,
    }


def history(uri: str, points: int, reps: int = 3) -> dict[str, Any]:
    client = sy.Client(uri)
    record = client.backend.create_run("bench-history")
    chunk = 200_000
    values = np.random.default_rng(0).random(points)
    for start in range(0, points, chunk):
        end = min(points, start + chunk)
        cols = MetricColumns(
            {
                "loss": (
                    list(range(start, end)),
                    [1_700_000_000_000 + i for i in range(start, end)],
                    values[start:end].tolist(),
                )
            }
        )
        client.backend.log_batch(record.id, cols)
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        hist = client.get_metric_history(record.id, "loss")
        times.append(time.perf_counter() - started)
        assert len(hist) == points and np.array_equal(hist.values, values)
    median = statistics.median(times)
    return {"points": points, "seconds": median, "points_per_s": points / median, "all_s": times}


def build_search_db(path: Path, n_runs: int) -> str:
    """Insert the search data set straight into Shipyard's schema (SQL bulk insert)."""
    import uuid

    from sqlalchemy import insert

    from shipyard.store.db import create_store_engine, write_transaction
    from shipyard.store.schema import latest_metrics, params, projects, runs

    url = f"sqlite:///{path}"
    engine = create_store_engine(url)
    with write_transaction(engine) as conn:
        pid = conn.execute(
            insert(projects).values(name="bench-search", description="", created_at=0)
        ).inserted_primary_key[0]
    batch_runs: list[dict[str, Any]] = []
    batch_params: list[dict[str, Any]] = []
    batch_metrics: list[dict[str, Any]] = []

    def flush() -> None:
        with write_transaction(engine) as conn:
            conn.execute(insert(runs), batch_runs)
            conn.execute(insert(params), batch_params)
            conn.execute(insert(latest_metrics), batch_metrics)
        batch_runs.clear(), batch_params.clear(), batch_metrics.clear()

    for i, (param_values, metric_values) in enumerate(search_dataset(n_runs)):
        rid = uuid.UUID(int=i + 1).hex
        batch_runs.append(
            {
                "id": rid,
                "project_id": pid,
                "name": f"run-{i}",
                "status": "FINISHED",
                "user": "bench",
                "parent_id": None,
                "start_time": 1_700_000_000_000 + i,
                "end_time": None,
                "config": "{}",
                "summary": "{}",
                "system": "{}",
            }
        )
        batch_params.extend(
            {"run_id": rid, "key": f"p{j}", "value": v} for j, v in enumerate(param_values)
        )
        batch_metrics.extend(
            {"run_id": rid, "key": f"m{k}", "value": v, "is_nan": False, "step": 0, "timestamp": 0}
            for k, v in enumerate(metric_values)
        )
        if len(batch_runs) == 5000:
            flush()
    if batch_runs:
        flush()
    engine.dispose()
    return url


def search(uri: str, reps: int = 10) -> dict[str, Any]:
    client = sy.Client(uri)
    first = client.search_runs("bench-search", filter=FILTER, order_by=ORDER, limit=100)
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        got = client.search_runs("bench-search", filter=FILTER, order_by=ORDER, limit=100)
        times.append(time.perf_counter() - started)
    assert [r.id for r in got] == [r.id for r in first] and len(got) == 100
    return {
        "p50_ms": percentile(times, 50) * 1000,
        "p90_ms": percentile(times, 90) * 1000,
        **{"timings": summarize(times)},
    }


def overhead(uri: str, calls: int = 100_000) -> dict[str, Any]:
    keys = [f"k{i}" for i in range(10)]
    run = sy.start_run(project="bench-overhead", tracking_uri=uri)
    lat = []
    clock = time.perf_counter_ns
    for step in range(calls):
        values = {k: 0.5 for k in keys}
        t0 = clock()
        run.log(values, step=step)
        lat.append(clock() - t0)
    run.finish()
    lat.sort()
    return {
        "calls": calls,
        "median_us": lat[len(lat) // 2] / 1000,
        "p99_us": lat[int(len(lat) * 0.99)] / 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--history-points", type=int, default=1_000_000)
    parser.add_argument("--search-runs", type=int, default=100_000)
    parser.add_argument("--only", nargs="*", default=["ingest", "history", "search", "overhead"])
    args = parser.parse_args()
    out: dict[str, Any] = {
        "system": "shipyard",
        "version": sy.__version__,
        "machine": machine_info(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        if "ingest" in args.only or "history" in args.only:
            proc, url = start_server(f"sqlite:///{tmpdir / 'server.db'}")
            try:
                if "ingest" in args.only:
                    out["ingest_http"] = ingest(url, args.steps)
                    out["ingest_embedded"] = ingest(f"sqlite:///{tmpdir / 'e.db'}", args.steps)
                    print("ingest", out["ingest_http"], out["ingest_embedded"], flush=True)
                if "history" in args.only:
                    out["history_http"] = history(url, args.history_points)
                    out["history_embedded"] = history(
                        f"sqlite:///{tmpdir / 'h.db'}", args.history_points
                    )
                    print(
                        "history",
                        out["history_http"]["seconds"],
                        out["history_embedded"]["seconds"],
                        flush=True,
                    )
            finally:
                proc.terminate()
                proc.wait(30)
        if "search" in args.only:
            db = build_search_db(tmpdir / "search.db", args.search_runs)
            out["search_embedded"] = search(db)
            proc, url = start_server(db)
            try:
                out["search_http"] = search(url)
            finally:
                proc.terminate()
                proc.wait(30)
            print(
                "search", out["search_embedded"]["p50_ms"], out["search_http"]["p50_ms"], flush=True
            )
        if "overhead" in args.only:
            out["overhead"] = overhead(f"sqlite:///{tmpdir / 'o.db'}")
            print("overhead", out["overhead"], flush=True)
    print(write_result("shipyard", out))


if __name__ == "__main__":
    main()
