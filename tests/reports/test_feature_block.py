"""A feature-statistics block over a real feature view, embedded and through a server."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import shipyard as sy
from shipyard.features import Entity, FeatureView, Field


@pytest.mark.parametrize("kind", ["local", "http"])
def test_feature_stats_block(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, live_server: object
) -> None:
    monkeypatch.setenv("SHIPYARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SHIPYARD_FEATURES_ROOT", str(tmp_path / "features"))
    url = f"sqlite:///{tmp_path / 'shipyard.db'}"
    uri = live_server(url).url if kind == "http" else url  # type: ignore[operator]
    view = FeatureView(
        "weather", [Entity("airport", join_keys=["origin"])],
        [Field("temp", "float64"), Field("kind", "string")], timestamp_field="ts",
    )  # fmt: skip
    fs = sy.FeatureStore(uri)
    fs.apply([view])
    now = pd.Timestamp.now(tz="UTC").floor("s")
    frame = pd.DataFrame({
        "origin": ["JFK", "EWR", "LGA", "JFK"], "ts": [now] * 4,
        "temp": [1.0, 2.0, 3.0, 10.0], "kind": ["a", "b", "a", "a"],
    })  # fmt: skip
    fs.ingest("weather", frame)
    fs.ingest("weather", frame.iloc[:2])
    sy.Client(uri).create_project("feat")
    r = sy.Report(project="feat", title="features", tracking_uri=uri)
    r.feature_stats("weather")
    r.feature_stats("nope")
    r.save()
    blocks = sy.Client(uri).backend.report_data(str(r.id))["blocks"]
    stats = blocks[0]
    assert stats["kind"] == "features" and stats["batches"] == 2 and stats["rows"] == 6
    by_name = {c["name"]: c for c in stats["columns"]}
    assert by_name["temp"]["count"] == 2 and by_name["temp"]["mean"] == pytest.approx(1.5)
    assert by_name["kind"]["unique"] == 2
    assert len(stats["figures"]) >= 1 and stats["figures"][0]["data"][0]["type"] == "bar"
    assert blocks[1]["kind"] == "error" and blocks[1]["error_code"] == "FEATURE_NOT_FOUND"
