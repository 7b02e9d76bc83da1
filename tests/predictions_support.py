"""Batch prediction test support: a tiny demand world (a feature view and service with
ingested rows, a raw dataset artifact, and a registered linear model trained on it)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import shipyard as sy
from shipyard.features import Entity, FeatureService, FeatureView, Field

START = pd.Timestamp("2026-11-01", tz="UTC")


@dataclass(frozen=True)
class World:
    tracking_uri: str
    tag: str
    service: str
    model: str
    raw_ref: str
    entities: pd.DataFrame


def make_world(tracking_uri: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    from sklearn.linear_model import LinearRegression

    monkeypatch.setenv("SHIPYARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SHIPYARD_FEATURES_ROOT", str(tmp_path / "features"))
    monkeypatch.setenv("SHIPYARD_TRACKING_URI", tracking_uri)
    tag = uuid.uuid4().hex[:8]
    hours = pd.date_range(START, periods=72, freq="h")
    raw = pd.DataFrame({
        "region": np.repeat(["north", "south"], len(hours)),
        "ts": np.tile(hours, 2),
        "temp": np.linspace(5.0, 25.0, 2 * len(hours)),
    })  # fmt: skip
    raw["demand"] = 100.0 + 3.0 * raw["temp"]
    region = Entity(f"region_{tag}", join_keys=["region"])
    view = FeatureView(
        f"weather_{tag}", [region], [Field("temp", "float64")],
        timestamp_field="ts", ttl=timedelta(hours=6),
    )  # fmt: skip
    service = FeatureService(f"demand_{tag}", [view[["temp"]]])
    fs = sy.FeatureStore(tracking_uri)
    fs.apply([view, service])
    fs.ingest(view.name, raw[["region", "ts", "temp"]])
    fs.close()
    model_name = f"demand-{tag}"
    raw_version = sy.log_dataset(raw, f"raw-{tag}")
    with sy.start_run(project=f"train-{tag}", name="fit") as run:
        run.use_artifact(raw_version.ref)
        model = LinearRegression().fit(raw[["temp"]], raw["demand"])
        sy.models.log_model(model, model_name, input_example=raw[["temp"]].head())
    client = sy.Client(tracking_uri)
    client.set_alias(model_name, "champion", 1)
    client.close()
    entities = pd.DataFrame({
        "region": np.repeat(["north", "south"], 30),
        "event_timestamp": np.tile(pd.date_range(START + pd.Timedelta(hours=30),
                                                 periods=30, freq="h"), 2),
    })  # fmt: skip
    return World(tracking_uri, tag, service.name, model_name, raw_version.ref, entities)
