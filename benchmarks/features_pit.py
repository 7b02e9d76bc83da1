"""Point-in-time join benchmark: Shipyard's feature store vs. Feast (its own venv).

Sizes (from the feature-store issue): ``small`` = 100,000 entity rows against 1,000,000
feature rows of 1,000 entities; ``large`` = 1,000,000 entity rows against 10,000,000
feature rows of 10,000 entities. Five float features, TTL 6 h. Each measurement runs in a
fresh subprocess so its peak RSS (``ru_maxrss``) is its own.

    python benchmarks/features_pit.py                  # both sizes, Shipyard and Feast
    python benchmarks/features_pit.py --sizes small --no-feast
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import peers  # noqa: E402

SIZES = {"small": (1_000, 1_000_000, 100_000), "large": (10_000, 10_000_000, 1_000_000)}
FEAST_REQUIREMENTS = ["feast==0.67.0"]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _shipyard_store(work: Path) -> Any:
    os.environ["SHIPYARD_FEATURES_ROOT"] = str(work / "shipyard-features")
    import shipyard as sy

    return sy.FeatureStore(str(work / "shipyard-meta"))


def prepare(size: str, data: Path, work: Path) -> dict[str, Any]:
    """Write the data and ingest it into Shipyard in 1,000,000-row batches."""
    from datetime import timedelta

    import pyarrow.parquet as pq

    from features_data import FEATURES, TTL_HOURS, write_dataset
    from shipyard.features import Entity, FeatureView, Field

    write_dataset(data, *SIZES[size])
    fs = _shipyard_store(work)
    driver = Entity("driver", join_keys=["driver_id"])
    view = FeatureView(
        "driver_stats",
        [driver],
        [Field(f) for f in FEATURES],
        timestamp_field="event_timestamp",
        created_timestamp_field="created",
        ttl=timedelta(hours=TTL_HOURS),
    )
    fs.apply([driver, view])
    if fs.stats("driver_stats"):
        return {"ingest_s": None}
    start = time.perf_counter()
    rows = 0
    for batch in pq.ParquetFile(data / "features.parquet").iter_batches(1_000_000):
        rows += fs.ingest("driver_stats", batch.to_pandas()).rows
    seconds = time.perf_counter() - start
    return {"ingest_s": seconds, "ingest_rows_per_s": rows / seconds}


def query(data: Path, work: Path) -> dict[str, Any]:
    """One point-in-time join; time, peak RSS, rows and a check of order and count."""
    import pandas as pd

    import shipyard.features.retrieval  # noqa: F401 (imports DuckDB: not part of the query)
    from features_data import FEATURES

    fs = _shipyard_store(work)
    entity_df = pd.read_parquet(data / "entities.parquet")
    base_mb = _peak_mb()
    start = time.perf_counter()
    out = fs.get_historical_features(entity_df, features=[f"driver_stats:{f}" for f in FEATURES])
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "peak_rss_mb": _peak_mb(),
        "rss_before_query_mb": base_mb,
        "entity_rows": len(entity_df),
        "rows_returned": len(out),
        "order_kept": bool((out["row"].to_numpy() == entity_df["row"].to_numpy()).all()),
        "rows_with_values": int(out["f0"].notna().sum()),
    }


def _child(phase: str, size: str, data: Path, work: Path, python: str = sys.executable) -> Any:
    script = BENCH / ("feast_side/pit.py" if phase == "feast" else "features_pit.py")
    args = [
        python,
        str(script),
        "--child",
        phase,
        "--size",
        size,
        "--data",
        str(data),
        "--work",
        str(work),
    ]
    done = subprocess.run(args, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--no-feast", action="store_true")
    parser.add_argument("--feast-sizes", nargs="+", default=["small"], choices=list(SIZES))
    parser.add_argument("--root", type=Path, default=Path("/tmp/shipyard-bench-features"))
    parser.add_argument("--child", choices=["prepare", "query"])
    parser.add_argument("--size", choices=list(SIZES))
    parser.add_argument("--data", type=Path)
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    if args.child == "prepare":
        print(json.dumps(prepare(args.size, args.data, args.work)))
        return
    if args.child == "query":
        print(json.dumps(query(args.data, args.work)))
        return
    results: dict[str, Any] = {"machine": peers.machine_info()}
    for size in args.sizes:
        data, work = args.root / size / "data", args.root / size / "work"
        entry: dict[str, Any] = {
            "sizes": dict(
                zip(["entities", "feature_rows", "entity_rows"], SIZES[size], strict=True)
            )
        }
        entry["shipyard_prepare"] = _child("prepare", size, data, work)
        entry["shipyard"] = [_child("query", size, data, work) for _ in range(3)]
        print(size, "shipyard", entry["shipyard"], file=sys.stderr, flush=True)
        if not args.no_feast and size in args.feast_sizes:
            python = str(peers.ensure_venv("feast", FEAST_REQUIREMENTS))
            entry["feast"] = _child("feast", size, data, args.root / size / "feast", python)
            print(size, "feast", entry["feast"], file=sys.stderr, flush=True)
        results[size] = entry
    peers.write_result("features_pit", results)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
