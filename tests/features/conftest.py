"""A feature service over a fresh SQLite database, offline root and online store."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from shipyard.features import Entity, FeatureService, FeatureView, Field
from shipyard.features.service import FeatureStoreService
from shipyard.store.db import create_store_engine


def items(*definitions: Any) -> list[dict[str, Any]]:
    return [{"kind": d.kind, "name": d.name, "spec": d.to_spec()} for d in definitions]


def make_service(tmp: Path, online: str | None = None) -> FeatureStoreService:
    engine = create_store_engine(f"sqlite:///{tmp / 'meta.db'}")
    root = tmp / "features"
    return FeatureStoreService(engine, str(root), online or f"sqlite:///{root / 'online.db'}")


@pytest.fixture
def service(tmp_path: Path) -> Iterator[FeatureStoreService]:
    svc = make_service(tmp_path)
    yield svc
    svc.engine.dispose()


AIRPORT = Entity("airport", join_keys=["origin"])


def weather_view(
    ttl: timedelta | None = timedelta(hours=3), fields: Sequence[Field] | None = None
) -> FeatureView:
    return FeatureView(
        "weather", [AIRPORT],
        list(fields) if fields is not None else [
            Field("temp", "float64", min=-60, max=150), Field("wind", "float64", nullable=False),
        ],
        ttl=ttl, timestamp_field="ts",
    )  # fmt: skip


def weather_service() -> FeatureService:
    return FeatureService("svc", [weather_view()[["temp"]]])
