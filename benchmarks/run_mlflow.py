"""Run the MLflow half of the benchmarks and write ``benchmarks/results/mlflow.json``.

Runs in the main Python. Makes sure ``benchmarks/.venvs/mlflow`` exists (MLflow 3.x from
PyPI, installed there and never into the main Python), then runs each script of
``benchmarks/mlflow_side/`` (ingest, history, search) with that venv's python, one after
the other, and collects the JSON object each prints. Each script's stderr is kept in
``benchmarks/results/logs/mlflow-<name>.log``. With ``--only``, the other entries of an
existing ``mlflow.json`` are kept.

    python benchmarks/run_mlflow.py                    # everything (~15-20 min on 2 cores)
    python benchmarks/run_mlflow.py --only search      # one benchmark
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

import peers

MLFLOW_REQUIREMENTS = ["mlflow>=3,<4"]
SIDE_DIR = peers.BENCH_DIR / "mlflow_side"
BENCHMARKS = ("ingest", "history", "search", "artifacts", "ui")


def script_args(name: str, args: argparse.Namespace) -> list[str]:
    extra: list[str] = []
    if name == "ingest" and args.steps is not None:
        extra += ["--steps", str(args.steps)]
    if name == "history" and args.history_points is not None:
        extra += ["--points", str(args.history_points)]
    if name == "search" and args.search_runs is not None:
        extra += ["--runs", str(args.search_runs)]
    if args.workers is not None:
        extra += ["--workers", str(args.workers)]
    if args.jobs:
        extra.append("--jobs")
    return extra


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, default=list(BENCHMARKS))
    parser.add_argument("--steps", type=int, default=None, help="ingest: log_batch steps")
    parser.add_argument("--history-points", type=int, default=None, help="history: points")
    parser.add_argument("--search-runs", type=int, default=None, help="search: runs")
    parser.add_argument("--workers", type=int, default=None, help="mlflow server --workers")
    parser.add_argument("--jobs", action="store_true", help="keep MLflow's job execution on")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds per script")
    args = parser.parse_args()

    python = peers.ensure_venv("mlflow", MLFLOW_REQUIREMENTS)
    version = subprocess.run(
        [str(python), "-c", "import mlflow; print(mlflow.__version__)"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"},
    ).stdout.strip()
    print(f"[run_mlflow] MLflow {version} in {python.parent.parent}", file=sys.stderr)

    out_path = peers.RESULTS_DIR / "mlflow.json"
    results: dict[str, Any] = {}
    if out_path.exists() and set(args.only) != set(BENCHMARKS):
        results = json.loads(out_path.read_text())
    results.update({"system": "mlflow", "mlflow_version": version})
    results["machine"] = peers.machine_info()
    results.setdefault("benchmarks", {})

    failed = []
    for name in args.only:
        cmd = [str(python), str(SIDE_DIR / f"{name}.py"), *script_args(name, args)]
        log_path = peers.RESULTS_DIR / "logs" / f"mlflow-{name}.log"
        print(f"[run_mlflow] {name}: {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
        start = time.perf_counter()
        try:
            res = peers.run_json(cmd, timeout=args.timeout, log_path=log_path)
        except (RuntimeError, ValueError, subprocess.TimeoutExpired) as exc:
            print(f"[run_mlflow] {name} FAILED: {exc}", file=sys.stderr)
            results["benchmarks"][name] = {"error": str(exc), "log": str(log_path)}
            failed.append(name)
            continue
        res["wall_s"] = time.perf_counter() - start
        results["benchmarks"][name] = res
        print(f"[run_mlflow] {name} done in {res['wall_s']:.0f}s", file=sys.stderr)
        peers.write_result("mlflow", results)  # keep partial results

    path = peers.write_result("mlflow", results)
    print(f"[run_mlflow] wrote {path}", file=sys.stderr)
    print(json.dumps(results, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
