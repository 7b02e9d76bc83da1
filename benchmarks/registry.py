"""Model registry latency: Shipyard (embedded SQLite and ``shipyard server``) vs MLflow.

Each side creates N versions of one model, moves an alias N times, resolves the alias M
times (what ``models:/name@champion`` costs a loader) and gets versions by number M
times; every call is timed on its own. MLflow runs in ``benchmarks/.venvs/mlflow``
(``benchmarks/mlflow_side/registry.py``). Writes ``benchmarks/results/registry.json``.

    python benchmarks/registry.py [--versions 200] [--reads 500] [--no-mlflow]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import peers
import shipyard as sy
from run_mlflow import MLFLOW_REQUIREMENTS


def timed(fn: Callable[[int], object], n: int) -> dict[str, Any]:
    seconds = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        seconds.append(time.perf_counter() - start)
    out = peers.summarize(seconds)
    out.pop("all_s")
    return out


def bench(client: sy.Client, work: Path, versions: int, reads: int) -> dict[str, Any]:
    folder = work / f"model-{time.time_ns()}"
    folder.mkdir()
    (folder / "model.bin").write_bytes(b"weights")
    ref = client.log_artifact(folder, name="bench-model", type="model").ref
    return {
        "create_model_version": timed(
            lambda _i: client.create_model_version("bench", ref), versions
        ),
        "set_alias": timed(
            lambda i: client.set_alias("bench", "champion", i % versions + 1), versions
        ),
        "resolve_alias": timed(
            lambda _i: client.resolve_model_uri("models:/bench@champion"), reads
        ),
        "get_model_version": timed(
            lambda i: client.get_model_version("bench", i % versions + 1), reads
        ),
    }


def serve(db: str, port: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "shipyard.cli.main", "server", "--port", str(port),
           "--backend-store-uri", db, "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peers.wait_http(f"http://127.0.0.1:{port}/api/v1/health", 60, proc=proc)
    return proc


def shipyard_side(versions: int, reads: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="shipyard-registry-") as tmp:
        work = Path(tmp)
        embedded = bench(sy.Client(f"sqlite:///{work / 'embedded.db'}"), work, versions, reads)
        port = peers.free_port()
        proc = serve(f"sqlite:///{work / 'server.db'}", port)
        try:
            client = sy.Client(f"http://127.0.0.1:{port}")
            served = bench(client, work, versions, reads)
            client.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return {"embedded": embedded, "server": served}


def print_table(result: dict[str, Any]) -> None:
    sides = [("shipyard", result["shipyard"])]
    if "mlflow" in result:
        sides.append(("mlflow", result["mlflow"]))
    print(f"{'operation':<22}{'backend':<10}" + "".join(f"{s:>18}" for s, _ in sides))
    for op in ("create_model_version", "set_alias", "resolve_alias", "get_model_version"):
        for mode in ("embedded", "server"):
            cells = "".join(f"{data[mode][op]['p50_s'] * 1000:>10.2f} ms p50" for _, data in sides)
            print(f"{op:<22}{mode:<10}{cells}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=200)
    parser.add_argument("--reads", type=int, default=500)
    parser.add_argument("--no-mlflow", action="store_true")
    args = parser.parse_args()
    result: dict[str, Any] = {
        "machine": peers.machine_info(),
        "versions": args.versions,
        "reads": args.reads,
        "shipyard": shipyard_side(args.versions, args.reads),
    }
    if not args.no_mlflow:
        python = peers.ensure_venv("mlflow", MLFLOW_REQUIREMENTS)
        script = peers.BENCH_DIR / "mlflow_side" / "registry.py"
        log = peers.RESULTS_DIR / "logs" / "mlflow-registry.log"
        cmd = [python, script, "--versions", str(args.versions), "--reads", str(args.reads)]
        result["mlflow"] = peers.run_json(cmd, timeout=1800, log_path=log)
    path = peers.write_result("registry", result)
    print_table(result)
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
