"""Feast's half of the point-in-time benchmark; runs in the Feast venv.

Same data as Shipyard's half (``features_data.py``): a FileSource over
``features.parquet``, one entity, five Float64 features, TTL 6 h, Feast's default local
offline store. Prints one JSON object: time, peak RSS, rows returned.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FEATURES = [f"f{i}" for i in range(5)]


def _store(work: Path, data: Path):  # type: ignore[no-untyped-def]
    from feast import Entity, FeatureStore, FeatureView, Field, FileSource, RepoConfig
    from feast.types import Float64
    from feast.value_type import ValueType

    work.mkdir(parents=True, exist_ok=True)
    config = RepoConfig(
        project="bench",
        provider="local",
        registry=str(work / "registry.db"),
        online_store={"type": "sqlite", "path": str(work / "online.db")},
        entity_key_serialization_version=3,
    )
    store = FeatureStore(config=config)
    driver = Entity(name="driver", join_keys=["driver_id"], value_type=ValueType.INT64)
    source = FileSource(
        path=str(data / "features.parquet"),
        timestamp_field="event_timestamp",
        created_timestamp_column="created",
    )
    view = FeatureView(
        name="driver_stats",
        entities=[driver],
        ttl=timedelta(hours=6),
        schema=[Field(name=f, dtype=Float64) for f in FEATURES],
        source=source,
    )
    store.apply([driver, view])
    return store


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--size")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    args = parser.parse_args()
    import feast
    import pandas as pd

    store = _store(args.work, args.data)
    entity_df = pd.read_parquet(args.data / "entities.parquet")
    start = time.perf_counter()
    job = store.get_historical_features(
        entity_df=entity_df, features=[f"driver_stats:{f}" for f in FEATURES]
    )
    out = job.to_df()
    seconds = time.perf_counter() - start
    kept = "row" in out and sorted(out["row"].tolist()) == entity_df["row"].tolist()
    print(
        json.dumps(
            {
                "feast_version": feast.__version__,
                "seconds": seconds,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "entity_rows": len(entity_df),
                "rows_returned": len(out),
                "every_entity_row_kept": bool(kept),
                "rows_with_values": int(out["f0"].notna().sum()),
            }
        )
    )


if __name__ == "__main__":
    main()
