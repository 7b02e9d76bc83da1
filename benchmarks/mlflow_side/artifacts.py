"""MLflow's half of the artifact benchmarks: log and download a folder through the
artifact proxy of ``mlflow server --serve-artifacts`` (runs inside the mlflow venv).

    python benchmarks/mlflow_side/artifacts.py [--files 1000] [--file-mib 1]

The folder is ``peers.artifact_dataset(..., seed=0)``, the same bytes Shipyard's half
uploads. Timed: ``mlflow.log_artifacts`` of the folder in a run (the client sends every
file to the server, which writes it under ``--artifacts-destination``), the same again
after one file changed (MLflow uploads the whole folder again), and
``mlflow.artifacts.download_artifacts`` of it into an empty folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from _common import MlflowServer, emit, log, mlflow_version, quiet_stdout, sqlite_uri

import peers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--file-mib", type=float, default=1.0)
    args = parser.parse_args()
    work = Path(os.environ.get("BENCH_TMP", "/tmp")) / f"mlflow-bench-artifacts-{os.getpid()}"
    work.mkdir(parents=True)
    try:
        return run(work, args.files, int(args.file_mib * 1024 * 1024))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work: Path, n_files: int, file_size: int) -> int:
    import mlflow

    data = work / "data"
    total = peers.artifact_dataset(data, n_files, file_size, seed=0)
    gb = total / 1e9
    result: dict[str, object] = {"mlflow_version": mlflow_version(), "bytes": total}
    with MlflowServer(sqlite_uri(work / "mlflow.db"), work, proxy_artifacts=True) as server:
        mlflow.set_tracking_uri(server.url)
        with quiet_stdout(), mlflow.start_run() as run:
            start = time.perf_counter()
            mlflow.log_artifacts(str(data), artifact_path="bench-dir")
            result["upload_s"] = time.perf_counter() - start
            log(f"log_artifacts {result['upload_s']:.2f}s")
            changed = data / "d0" / "part-0000.bin"
            changed.write_bytes(os.urandom(file_size))
            start = time.perf_counter()
            mlflow.log_artifacts(str(data), artifact_path="bench-dir-v2")
            result["relog_s"] = time.perf_counter() - start
            log(f"re-log {result['relog_s']:.2f}s")
        start = time.perf_counter()
        mlflow.artifacts.download_artifacts(
            run_id=run.info.run_id, artifact_path="bench-dir", dst_path=str(work / "dl")
        )
        result["download_s"] = time.perf_counter() - start
        log(f"download_artifacts {result['download_s']:.2f}s")
        result["server"] = server.info()
    result["upload_gb_per_s"] = gb / float(result["upload_s"])  # type: ignore[arg-type]
    result["download_gb_per_s"] = gb / float(result["download_s"])  # type: ignore[arg-type]
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
