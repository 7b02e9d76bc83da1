"""Online retrieval latency: 20 features of one entity (and of 100 per call), through the
SDK on SQLite, through the REST API of ``shipyard server``, and Feast's Python SDK on
its SQLite online store (its own venv) for the same lookups.

    python benchmarks/features_online.py [--no-feast] [--calls 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import peers  # noqa: E402

N_ENTITIES = 10_000
N_FEATURES = 20
FEATURES = [f"f{i}" for i in range(N_FEATURES)]


def write_data(folder: Path) -> Path:
    import numpy as np
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "online.parquet"
    if not path.exists():
        rng = np.random.default_rng(0)
        now = pd.Timestamp.now(tz="UTC").floor("s")
        df = pd.DataFrame(
            {
                "driver_id": np.arange(N_ENTITIES, dtype=np.int64),
                "event_timestamp": now,
                "created": now,
            }
        )
        for f in FEATURES:
            df[f] = rng.random(N_ENTITIES)
        df.to_parquet(path, index=False)
    return path


def timed(fn: Callable[[], Any], calls: int) -> dict[str, float]:
    for _ in range(min(100, calls)):  # warm-up
        fn()
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return {
        "p50_ms": peers.percentile(samples, 50),
        "p99_ms": peers.percentile(samples, 99),
        "mean_ms": sum(samples) / len(samples),
        "calls": calls,
    }


def _keys(n: int) -> list[dict[str, int]]:
    return [{"driver_id": random.randrange(N_ENTITIES)} for _ in range(n)]


def shipyard_side(work: Path, data: Path, calls: int) -> dict[str, Any]:
    from datetime import timedelta

    import httpx
    import pandas as pd

    os.environ["SHIPYARD_FEATURES_ROOT"] = str(work / "features")
    import shipyard as sy
    from shipyard.features import Entity, FeatureView, Field

    meta = work / "meta"
    fs = sy.FeatureStore(str(meta))
    driver = Entity("driver", join_keys=["driver_id"])
    view = FeatureView(
        "driver_online",
        [driver],
        [Field(f) for f in FEATURES],
        timestamp_field="event_timestamp",
        ttl=timedelta(days=30),
    )
    fs.apply([driver, view])
    if not fs.stats("driver_online"):
        fs.ingest("driver_online", pd.read_parquet(data))
        fs.materialize()
    refs = [f"driver_online:{f}" for f in FEATURES]
    out: dict[str, Any] = {
        "sdk_1": timed(lambda: fs.get_online_features(_keys(1), features=refs), calls),
        "sdk_100": timed(lambda: fs.get_online_features(_keys(100), features=refs), calls // 4),
    }
    port = peers.free_port()
    env = {**os.environ, "SHIPYARD_FEATURES_ROOT": str(work / "features")}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shipyard.cli.main",
            "server",
            "--port",
            str(port),
            "--backend-store-uri",
            str(meta),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        peers.wait_http(f"{base}/api/v1/health", 60, server)
        with httpx.Client(base_url=base) as client:

            def rest(n: int) -> Callable[[], Any]:
                def call() -> Any:
                    body = {"entity_rows": _keys(n), "features": refs}
                    response = client.post("/api/v1/features/online", json=body)
                    response.raise_for_status()
                    return response.json()

                return call

            out["rest_1"] = timed(rest(1), calls)
            out["rest_100"] = timed(rest(100), calls // 4)
        remote = sy.FeatureStore(base)
        out["http_sdk_1"] = timed(
            lambda: remote.get_online_features(_keys(1), features=refs), calls
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=Path("/tmp/shipyard-bench-online"))
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--no-feast", action="store_true")
    args = parser.parse_args()
    data = write_data(args.root / "data")
    results: dict[str, Any] = {
        "machine": peers.machine_info(),
        "features": N_FEATURES,
        "entities": N_ENTITIES,
    }
    results["shipyard"] = shipyard_side(args.root / "shipyard", data, args.calls)
    print("shipyard", results["shipyard"], file=sys.stderr, flush=True)
    if not args.no_feast:
        python = peers.ensure_venv("feast", ["feast==0.67.0"])
        done = subprocess.run(
            [
                str(python),
                str(BENCH / "feast_side" / "online.py"),
                "--data",
                str(data),
                "--work",
                str(args.root / "feast"),
                "--calls",
                str(args.calls),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        results["feast"] = json.loads(done.stdout.strip().splitlines()[-1])
        print("feast", results["feast"], file=sys.stderr, flush=True)
    peers.write_result("features_online", results)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
