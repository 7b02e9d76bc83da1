"""The whole example in one call (``shipyard quickstart`` renders it).

1. publish the validated raw data as dataset ``elecdemand-raw`` (same data: same version);
2. run ``energy_training`` on that version (features, training set, candidates,
   registry, promotion);
3. run ``energy_forecast`` (the next day's forecasts from the champion);
4. schedule both hourly (``exist_ok``: a second call keeps the schedules);
5. trace a forecast row back through the lineage graph to the raw version.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

import shipyard as sy
from shipyard.examples.energy.data import publish_raw
from shipyard.examples.energy.pipelines import (
    CHAMPION,
    FORECAST_ARTIFACT,
    MODEL_NAME,
    energy_forecast,
    energy_training,
)

__all__ = ["SCHEDULES", "QuickstartResult", "run_quickstart"]

#: schedule name → pipeline; the forecast runs a quarter past, after the retraining
SCHEDULES = {"energy-training-hourly": energy_training, "energy-forecast-hourly": energy_forecast}
Stage = Callable[[str], None]
StepEvent = Callable[[str, str, Mapping[str, Any]], None]


@dataclass
class QuickstartResult:
    """What the quickstart produced, for rendering and for tests."""

    tracking_uri: str
    raw: Any
    raw_created: bool
    features: dict[str, Any]
    training: Any
    forecast: Any
    decision: dict[str, Any]
    champion: Any
    predictions: pd.DataFrame
    prediction_ref: str
    schedules: list[Any]
    lineage: dict[str, Any]
    cached: dict[str, list[str]] = field(default_factory=dict)

    @property
    def lineage_reaches_raw(self) -> bool:
        return any(a["ref"] == self.raw.ref for a in self.lineage.get("artifacts", []))


def _cached(run: Any) -> list[str]:
    return [s.name for s in run.record.steps if s.status == "CACHED"]


def run_quickstart(
    tracking_uri: str | None = None,
    *,
    on_stage: Stage | None = None,
    on_step: StepEvent | None = None,
    executor: str = "local",
    max_workers: int | None = None,
) -> QuickstartResult:
    """Run the example end to end against ``tracking_uri`` (default: the configured
    store); ``on_stage(name)`` announces each stage, ``on_step`` gets pipeline events."""
    stage = on_stage or (lambda _name: None)
    client = sy.Client(tracking_uri)
    uri = client.tracking_uri
    options: dict[str, Any] = {"executor": executor, "max_workers": max_workers,
                               "tracking_uri": uri, "progress": on_step}  # fmt: skip
    try:
        stage("raw data")
        raw, created = publish_raw(uri)
        stage("training pipeline")
        training = energy_training.run(raw=raw.ref, **options)
        features = training.output("build_features")
        decision = training.output("promote_if_better")
        stage("forecast pipeline")
        forecast = energy_forecast.run(raw=raw.ref, **options)
        stage("schedules")
        schedules = [
            client.create_schedule(name, pipe, exist_ok=True) for name, pipe in SCHEDULES.items()
        ]
        stage("lineage")
        produced = forecast.output("forecast")
        version = int(str(produced["artifact"]).rpartition(":v")[2])
        rows = sy.predictions.latest(FORECAST_ARTIFACT, version=version, client=client)
        lineage = sy.predictions.trace(rows.iloc[0], FORECAST_ARTIFACT, tracking_uri=uri)
        return QuickstartResult(
            tracking_uri=uri, raw=raw, raw_created=created, features=features,
            training=training, forecast=forecast, decision=decision,
            champion=client.get_model_version_by_alias(MODEL_NAME, CHAMPION),
            predictions=rows, prediction_ref=str(produced["artifact"]), schedules=schedules,
            lineage=lineage,
            cached={"energy_training": _cached(training), "energy_forecast": _cached(forecast)},
        )  # fmt: skip
    finally:
        client.close()
