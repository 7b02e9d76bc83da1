"""Feast's half of the online benchmark (Feast venv): SQLite online store, 20 Float64
features, ``get_online_features`` for 1 and for 100 entities per call."""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import peers

FEATURES = [f"f{i}" for i in range(20)]
N_ENTITIES = 10_000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    import feast
    from feast import Entity, FeatureStore, FeatureView, Field, FileSource, RepoConfig
    from feast.types import Float64
    from feast.value_type import ValueType

    args.work.mkdir(parents=True, exist_ok=True)
    config = RepoConfig(
        project="bench_online",
        provider="local",
        registry=str(args.work / "registry.db"),
        online_store={"type": "sqlite", "path": str(args.work / "online.db")},
        entity_key_serialization_version=3,
    )
    store = FeatureStore(config=config)
    driver = Entity(name="driver", join_keys=["driver_id"], value_type=ValueType.INT64)
    source = FileSource(
        path=str(args.data), timestamp_field="event_timestamp", created_timestamp_column="created"
    )
    view = FeatureView(
        name="driver_online",
        entities=[driver],
        ttl=timedelta(days=30),
        schema=[Field(name=f, dtype=Float64) for f in FEATURES],
        source=source,
    )
    store.apply([driver, view])
    now = datetime.now(UTC)
    store.materialize(start_date=now - timedelta(days=2), end_date=now + timedelta(minutes=1))
    refs = [f"driver_online:{f}" for f in FEATURES]

    def timed(n: int, calls: int) -> dict[str, float]:
        def call() -> None:
            rows = [{"driver_id": random.randrange(N_ENTITIES)} for _ in range(n)]
            store.get_online_features(features=refs, entity_rows=rows).to_dict()

        for _ in range(min(100, calls)):
            call()
        samples = []
        for _ in range(calls):
            start = time.perf_counter()
            call()
            samples.append((time.perf_counter() - start) * 1000)
        return {
            "p50_ms": peers.percentile(samples, 50),
            "p99_ms": peers.percentile(samples, 99),
            "mean_ms": sum(samples) / len(samples),
            "calls": calls,
        }

    check = store.get_online_features(features=refs, entity_rows=[{"driver_id": 1}]).to_dict()
    print(
        json.dumps(
            {
                "feast_version": feast.__version__,
                "sdk_1": timed(1, args.calls),
                "sdk_100": timed(100, args.calls // 4),
                "value_found": check["f0"][0] is not None,
            }
        )
    )


if __name__ == "__main__":
    main()
