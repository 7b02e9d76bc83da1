"""The data both feature-store benchmarks use (stdlib + numpy/pandas/pyarrow only).

``write_dataset(folder, n_entities, n_feature_rows, n_entity_rows)`` writes
``features.parquet`` (entity ``driver_id``, hourly ``event_timestamp``, ``created``,
five float features ``f0..f4``) and ``entities.parquet`` (``driver_id``,
``event_timestamp``: random times over the same span, some before any feature row,
duplicates included, plus a ``row`` column to check order).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

START = pd.Timestamp("2024-01-01", tz="UTC")
FEATURES = [f"f{i}" for i in range(5)]
TTL_HOURS = 6


def write_dataset(folder: Path, n_entities: int, n_feature_rows: int, n_entity_rows: int) -> None:
    """Write both files unless they exist with these sizes."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / f"sizes-{n_entities}-{n_feature_rows}-{n_entity_rows}"
    if marker.exists():
        return
    rng = np.random.default_rng(0)
    per_entity = n_feature_rows // n_entities
    ids = np.repeat(np.arange(n_entities, dtype=np.int64), per_entity)
    hours = np.tile(np.arange(per_entity, dtype=np.int64), n_entities)
    ts = START + pd.to_timedelta(hours, unit="h")
    feats = pd.DataFrame({"driver_id": ids, "event_timestamp": ts, "created": ts})
    for name in FEATURES:
        feats[name] = rng.random(len(ids))
    feats.to_parquet(folder / "features.parquet", index=False, row_group_size=1_000_000)
    span_h = per_entity + 24  # some entity times fall after the data, some before it
    entity_hours = rng.uniform(-24, span_h, n_entity_rows)
    entities = pd.DataFrame(
        {
            "driver_id": rng.integers(0, n_entities, n_entity_rows, dtype=np.int64),
            "event_timestamp": START + pd.to_timedelta(entity_hours, unit="h"),
            "row": np.arange(n_entity_rows, dtype=np.int64),
        }
    )
    entities.to_parquet(folder / "entities.parquet", index=False)
    marker.touch()
