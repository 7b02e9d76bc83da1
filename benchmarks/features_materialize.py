"""Materialization throughput into the SQLite and Redis online stores.

``--rows`` feature rows (default 10,000,000) of ``--entities`` distinct keys (default:
as many as rows, so every row is written to the online store), five float features,
ingested into the offline store in 1,000,000-row batches, then materialized once into
SQLite and once into Redis (127.0.0.1:6379, DB 9, keys removed afterwards).

    python benchmarks/features_materialize.py [--rows N] [--entities K] [--no-redis]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import peers  # noqa: E402

FEATURES = [f"f{i}" for i in range(5)]
BATCH = 1_000_000


def _store(root: Path, online: str) -> Any:
    os.environ["SHIPYARD_FEATURES_ROOT"] = str(root / "features")
    os.environ["SHIPYARD_ONLINE_STORE"] = online
    import shipyard as sy

    return sy.FeatureStore(str(root / "meta"))


def _ingest(fs: Any, rows: int, entities: int) -> dict[str, Any]:
    import numpy as np
    import pandas as pd

    from shipyard.features import Entity, FeatureView, Field

    driver = Entity("driver", join_keys=["driver_id"])
    view = FeatureView("mat", [driver], [Field(f) for f in FEATURES], timestamp_field="ts")
    fs.apply([driver, view])
    if fs.stats("mat"):
        return {"ingest_s": None}
    rng = np.random.default_rng(0)
    start_ts = pd.Timestamp("2024-01-01", tz="UTC")
    started = time.perf_counter()
    for first in range(0, rows, BATCH):
        n = min(BATCH, rows - first)
        ids = np.arange(first, first + n, dtype=np.int64) % entities
        df = pd.DataFrame(
            {
                "driver_id": ids,
                "ts": start_ts + pd.to_timedelta(rng.integers(0, 86400 * 30, n), "s"),
            }
        )
        for f in FEATURES:
            df[f] = rng.random(n)
        fs.ingest("mat", df)
    seconds = time.perf_counter() - started
    return {"ingest_s": seconds, "ingest_rows_per_s": rows / seconds}


def _materialize(fs: Any, rows: int) -> dict[str, Any]:
    started = time.perf_counter()
    [record] = fs.materialize(views=["mat"])
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "offline_rows": rows,
        "online_rows_written": record.rows,
        "offline_rows_per_s": rows / seconds,
        "online_rows_per_s": record.rows / seconds,
    }


def _drop_keys(client: Any, prefix: str) -> None:
    """UNLINK the benchmark's keys, one SCAN page at a time."""
    cursor = 0
    while True:
        cursor, keys = client.scan(cursor, match=f"{prefix}*", count=50_000)
        if keys:
            client.unlink(*keys)
        if cursor == 0:
            return


def _drop_keys(client: Any, prefix: str) -> None:
    """UNLINK the benchmark's keys, one SCAN page at a time."""
    cursor = 0
    while True:
        cursor, keys = client.scan(cursor, match=f"{prefix}*", count=50_000)
        if keys:
            client.unlink(*keys)
        if cursor == 0:
            return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--entities", type=int, default=None)
    parser.add_argument("--root", type=Path, default=Path("/tmp/shipyard-bench-materialize"))
    parser.add_argument("--no-redis", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    entities = args.entities or args.rows
    root = args.root / f"{args.rows}-{entities}"
    results: dict[str, Any] = {
        "machine": peers.machine_info(),
        "rows": args.rows,
        "entities": entities,
    }
    sqlite = f"sqlite:///{root / 'online.db'}"
    fs = _store(root, sqlite)
    results["ingest"] = _ingest(fs, args.rows, entities)
    print("ingest", results["ingest"], file=sys.stderr, flush=True)
    if not args.no_sqlite:
        (root / "online.db").unlink(missing_ok=True)
        fs = _store(root, sqlite)
        results["sqlite"] = _materialize(fs, args.rows)
        print("sqlite", results["sqlite"], file=sys.stderr, flush=True)
    if not args.no_redis:
        import redis

        prefix = f"shipyard-bench-mat-{int(time.time())}:"  # a fresh store each run
        fs = _store(root, f"redis://127.0.0.1:6379/9?prefix={prefix}")
        try:
            results["redis"] = _materialize(fs, args.rows)
            print("redis", results["redis"], file=sys.stderr, flush=True)
        finally:
            _drop_keys(redis.Redis(db=9), prefix)
    peers.write_result(f"features_materialize_{args.rows}_{entities}", results)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
