"""MLflow's UI data requests on the same data as ``benchmarks/ui.py`` (reference figures).

Builds 10,000 runs x 20 params x 10 metrics (``search.build_db``, the search benchmark's
data) plus one run with 1,000,000 points of one metric (``history.insert_points``), starts
``mlflow server`` and times the two requests MLflow's web UI makes for the same views:

* runs table: ``POST /ajax-api/2.0/mlflow/runs/search`` (100 runs, newest first, as the
  experiment page asks for them);
* chart: ``GET /ajax-api/2.0/mlflow/metrics/get-history-bulk-interval`` with
  ``max_results=1000`` (MLflow's server-side sampling for charts) and the full
  ``get-history`` that older UI versions used, once.

Run it inside the mlflow venv; prints one JSON object:

    benchmarks/.venvs/mlflow/bin/python benchmarks/mlflow_side/ui.py [--runs N] [--points N]
"""

from __future__ import annotations

import argparse
import json
import time
import urllib.request
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
from history import KEY, make_run
from search import build_db, experiment_id


def request(url: str, body: dict[str, Any] | None = None) -> bytes:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as res:
        return bytes(res.read())


def timed(reps: int, fn: Any) -> dict[str, Any]:
    fn()
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - started)
    result = peers.summarize(times)
    result["bytes"] = len(out)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=10)
    args = parser.parse_args()
    result: dict[str, Any] = {"mlflow": mlflow_version(), "runs": args.runs, "points": args.points}
    with tempdir("mlflow-ui") as tmp:
        db = Path(tmp) / "mlflow.db"
        result["build_s"] = build_db(db, args.runs, 20, 10)
        exp = experiment_id(db)
        with MlflowServer(sqlite_uri(db), Path(tmp)) as server, quiet_stdout():
            from mlflow import MlflowClient

            run_id, _ = make_run(MlflowClient(server.url), exp, db, args.points)
            api = f"{server.url}/ajax-api/2.0/mlflow"
            search = {"experiment_ids": [exp], "max_results": 100, "run_view_type": "ACTIVE_ONLY",
                      "order_by": ["attributes.start_time DESC"]}  # fmt: skip
            result["runs_search_100"] = timed(
                args.reps, lambda: request(f"{api}/runs/search", search)
            )
            interval = (
                f"{api}/metrics/get-history-bulk-interval?run_ids={run_id}"
                f"&metric_key={KEY}&max_results=1000"
            )
            result["chart_bulk_interval_1000"] = timed(args.reps, lambda: request(interval))
            log("timing one full get-history of the 1,000,000-point metric")
            full = f"{api}/metrics/get-history?run_id={run_id}&metric_key={KEY}&max_results=1000000"
            started = time.perf_counter()
            try:
                size = len(request(full))
                result["history_full_once"] = {
                    "seconds": time.perf_counter() - started,
                    "bytes": size,
                }
            except OSError as exc:  # MLflow's server drops the connection on some setups
                result["history_full_once"] = {
                    "error": f"{type(exc).__name__}: {exc}",
                    "seconds_until_error": time.perf_counter() - started,
                }
    emit(result)


if __name__ == "__main__":
    main()
