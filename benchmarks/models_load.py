"""Model loading and single-row predict: ``sy.models.load(...).predict`` vs MLflow's
``mlflow.pyfunc.load_model(...).predict`` on the same scikit-learn model, and each
against the raw ``model.predict`` it wraps. Writes ``benchmarks/results/models.json``.

    python benchmarks/models_load.py               # both sides (creates MLflow's venv once)
    python benchmarks/models_load.py --no-mlflow   # Shipyard only

Cold: a fresh process imports, loads the model from a local folder and predicts one row
(median of ``--cold`` runs; the time from the script's start is reported too).
Latency: 4 x 500 single-row calls with a 1-row DataFrame, interleaved with the same
number of raw ``predict`` calls on the underlying estimator, in one process.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import peers

SIDE = Path(__file__).resolve().parent / "models_side.py"


def _side(python: str, side: str, mode: str, folder: Path) -> dict[str, Any]:
    return peers.run_json([python, SIDE, side, mode, folder], timeout=900)


def measure(python: str, side: str, cold_runs: int, root: Path) -> dict[str, Any]:
    folder = root / side
    _side(python, side, "save", folder)
    colds = [_side(python, side, "cold", folder) for _ in range(cold_runs)]
    return {
        "cold_load_and_first_predict_s": statistics.median(
            c["load_and_first_predict_s"] for c in colds
        ),
        "cold_since_script_start_s": statistics.median(c["since_script_start_s"] for c in colds),
        "cold_runs": cold_runs,
        "latency": _side(python, side, "latency", folder),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", type=int, default=7, help="cold-process runs per side")
    parser.add_argument("--no-mlflow", action="store_true")
    args = parser.parse_args()
    result: dict[str, Any] = {"machine": peers.machine_info(), "loadavg_start": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="shipyard-bench-models-") as tmp:
        result["shipyard"] = measure(sys.executable, "shipyard", args.cold, Path(tmp))
        if not args.no_mlflow:
            python = str(peers.ensure_venv("mlflow", ["mlflow>=3,<4"]))
            result["mlflow"] = measure(python, "mlflow", args.cold, Path(tmp))
    result["loadavg_end"] = os.getloadavg()
    path = peers.write_result("models", result)
    for side in ("shipyard", "mlflow"):
        if side in result:
            r = result[side]
            lat = r["latency"]
            print(
                f"{side:9s} cold {r['cold_load_and_first_predict_s']:.3f}s "
                f"(from start {r['cold_since_script_start_s']:.3f}s)  predict p50 "
                f"{lat['wrapped']['p50_us']:.0f}us vs raw {lat['raw']['p50_us']:.0f}us "
                f"(x{lat['ratio_p50']:.2f}); p99 {lat['wrapped']['p99_us']:.0f}us vs "
                f"{lat['raw']['p99_us']:.0f}us"
            )
    print(f"load average {result['loadavg_start']} -> {result['loadavg_end']}; wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
