"""The FeatureStore SDK against every backend: SQLite and PostgreSQL, embedded and HTTP.

Names are unique per test because the PostgreSQL database is shared by the session.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

import shipyard as sy
from shipyard.core.errors import FeatureNotFoundError, FeatureValidationError
from shipyard.features import Entity, FeatureService, FeatureView, Field, FileSource

NOW = pd.Timestamp.now(tz="UTC").floor("s")


@pytest.fixture(autouse=True)
def _isolated_stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Offline data, online store and blobs in this test's folder (set before servers start)."""
    monkeypatch.setenv("SHIPYARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SHIPYARD_FEATURES_ROOT", str(tmp_path / "features"))


def _definitions(
    tag: str, source: FileSource | None = None
) -> tuple[Entity, FeatureView, FeatureService]:
    airport = Entity(f"airport_{tag}", join_keys=["origin"])
    weather = FeatureView(
        f"weather_{tag}", [airport],
        [Field("temp", "float64", min=-60, max=150), Field("wind", "float64", nullable=False)],
        source=source, timestamp_field="time_hour", ttl=timedelta(hours=3),
    )  # fmt: skip
    return airport, weather, FeatureService(f"model_{tag}", [weather[["temp", "wind"]]])


def _weather(hours_ago: list[float], temps: list[float]) -> pd.DataFrame:
    return pd.DataFrame({
        "origin": ["JFK", "EWR"] * (len(temps) // 2),
        "time_hour": [NOW - pd.Timedelta(hours=h) for h in hours_ago],
        "temp": temps, "wind": 5.0,
    })  # fmt: skip


def test_define_ingest_train_serve(tracking_uri: str, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    source = tmp_path / "weather.parquet"
    _weather([2.0, 2.0], [10.0, 20.0]).to_parquet(source)
    airport, weather, service = _definitions(
        tag, FileSource(str(source), timestamp_field="time_hour")
    )
    fs = sy.FeatureStore(tracking_uri)
    report = fs.apply([weather, service])  # the entity comes with the view
    assert sorted(report.created) == sorted([f"entity:{airport.name}", f"view:{weather.name}",
                                             f"service:{service.name}"])  # fmt: skip
    assert fs.ingest(weather.name).rows == 2  # from the view's own source
    batch = fs.ingest(weather.name, _weather([1.0, 1.0], [11.0, 21.0]))
    assert batch.stats["temp"]["mean"] == 16.0
    assert [b.id for b in fs.stats(weather.name)][-1] == batch.id

    entity_df = pd.DataFrame({
        "origin": ["JFK", "EWR", "LGA", "JFK"],
        "event_timestamp": [NOW - pd.Timedelta(hours=h) for h in (1.5, 0.5, 1.0, 10.0)],
    })  # fmt: skip
    train = fs.get_historical_features(entity_df, service=service.name)
    assert list(train.columns) == ["origin", "event_timestamp", "temp", "wind"]
    assert train["temp"].tolist()[:2] == [10.0, 21.0]
    assert train["temp"].isna().tolist()[2:] == [True, True]  # unknown key; older than any data

    dataset = fs.save_training_set(train, f"train-{tag}", service=service.name)
    lineage = dataset.metadata["feature_lineage"]["feature_views"][weather.name]
    assert lineage["version"] == 1 and lineage["rows"] == 4 and len(lineage["ingestions"]) == 2

    [mat] = fs.materialize(views=[weather.name])  # other tests' views share the database
    assert mat.rows == 2
    online = fs.get_online_features([{"origin": "EWR"}, {"origin": "SFO"}], service=service.name)
    assert online == {"origin": ["EWR", "SFO"], "temp": [21.0, None], "wind": [5.0, None]}
    fs.close()


def test_errors_cross_the_backend_unchanged(tracking_uri: str) -> None:
    tag = uuid.uuid4().hex[:8]
    _airport, weather, _service = _definitions(tag)
    fs = sy.FeatureStore(tracking_uri)
    fs.apply([weather])
    bad = _weather([1.0, 1.0], [500.0, 20.0])
    with pytest.raises(FeatureValidationError) as info:
        fs.ingest(weather.name, bad)
    assert info.value.details["rejected"] == 1
    assert info.value.details["rows"] == [{"row": 0, "column": "temp", "reason": "above max 150"}]
    assert fs.stats(weather.name) == []
    with pytest.raises(FeatureNotFoundError):
        fs.get_online_features([{"origin": "JFK"}], service=f"nope_{tag}")
    with pytest.raises(FeatureNotFoundError):
        fs.get_historical_features(
            pd.DataFrame({"origin": ["JFK"], "event_timestamp": [NOW]}),
            features=[f"{weather.name}:humidity"],
        )
    v2 = FeatureView(weather.name, weather.entities, [*weather.schema, Field("humid")],
                     timestamp_field="time_hour")  # fmt: skip
    assert fs.apply([v2]).updated == [f"view:{weather.name}"]
    assert [v.version for v in fs.versions("view", weather.name)] == [1, 2]
    assert fs.get_feature_view(weather.name, 1).schema == weather.schema
    fs.close()
