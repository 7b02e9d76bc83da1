"""MLflow half of the registry benchmark (runs in benchmarks/.venvs/mlflow).

Against an ``mlflow server`` (SQLite backend, 1 worker, like Shipyard's one process):
create N model versions, move an alias N times, resolve it M times, get versions M
times, each call timed. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from _common import MlflowServer, emit, log, mlflow_version, quiet_stdout, sqlite_uri, tempdir

import peers


def timed(fn: Any, n: int) -> dict[str, Any]:
    seconds = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        seconds.append(time.perf_counter() - start)
    out = peers.summarize(seconds)
    out.pop("all_s")
    return out


def bench(client: Any, versions: int, reads: int) -> dict[str, Any]:
    with quiet_stdout():
        exp = client.create_experiment(f"registry-{time.time_ns()}")
        run = client.create_run(exp)
        client.create_registered_model("bench")
    source = f"{run.info.artifact_uri}/model"
    result = {
        "create_model_version": timed(
            lambda _i: client.create_model_version("bench", source, run_id=run.info.run_id),
            versions,
        ),
        "set_alias": timed(
            lambda i: client.set_registered_model_alias("bench", "champion", str(i % versions + 1)),
            versions,
        ),
        "resolve_alias": timed(
            lambda _i: client.get_model_version_by_alias("bench", "champion"), reads
        ),
        "get_model_version": timed(
            lambda i: client.get_model_version("bench", str(i % versions + 1)), reads
        ),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--versions", type=int, default=200)
    parser.add_argument("--reads", type=int, default=500)
    args = parser.parse_args()
    from mlflow.tracking import MlflowClient

    with tempdir("mlflow-registry-") as tmp:
        work = Path(tmp)
        embedded_uri = sqlite_uri(work / "embedded.db")
        log("embedded (sqlite) client")
        embedded = bench(
            MlflowClient(tracking_uri=embedded_uri, registry_uri=embedded_uri),
            args.versions,
            args.reads,
        )
        with MlflowServer(sqlite_uri(work / "server.db"), work, workers=1) as server:
            log("server client")
            served = bench(
                MlflowClient(tracking_uri=server.url, registry_uri=server.url),
                args.versions,
                args.reads,
            )
    emit({"mlflow": mlflow_version(), "embedded": embedded, "server": served})


if __name__ == "__main__":
    main()
