"""Day-ahead features: only values at least a day old, the next day included, and the
feature store serving them point in time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shipyard.examples.energy import data, features


@pytest.fixture
def raw() -> pd.DataFrame:
    times = pd.date_range("2014-12-01", "2014-12-31 23:30", freq="30min")
    n = len(times)
    frame = pd.DataFrame({
        "timestamp": times, "demand": 4.0 + np.arange(n) / 10_000,
        "workday": (times.day_of_week < 5).astype(int), "temperature": 15.0 + np.arange(n) % 10,
    })  # fmt: skip
    frame.loc[frame["timestamp"].dt.date == pd.Timestamp("2014-12-25").date(), "workday"] = 0
    return data.validate_raw(frame, expected_rows=None)


def test_lags_are_the_values_one_day_and_one_week_before(raw: pd.DataFrame) -> None:
    lags = features.feature_frames(raw)["demand_lags"]
    assert lags["event_timestamp"].min() == pd.Timestamp("2014-12-08 00:00")
    assert lags["event_timestamp"].max() == pd.Timestamp("2015-01-01 23:30")
    observed = raw.set_index("timestamp")
    for t in (pd.Timestamp("2014-12-20 13:30"), pd.Timestamp("2015-01-01 23:30")):
        row = lags.loc[lags["event_timestamp"] == t].iloc[0]
        assert row["demand_lag_1d"] == observed.loc[t - pd.Timedelta(days=1), "demand"]
        assert row["demand_lag_1w"] == observed.loc[t - pd.Timedelta(days=7), "demand"]
        assert row["temperature_lag_1d"] == observed.loc[t - pd.Timedelta(days=1), "temperature"]
        assert row["half_hour"] == t.hour * 2 + t.minute // 30 and row["region"] == "VIC"


def test_calendar_uses_the_data_and_weekdays_beyond_it(raw: pd.DataFrame) -> None:
    days = features.feature_frames(raw)["calendar"].set_index("event_timestamp")
    assert days.loc[pd.Timestamp("2014-12-25 10:00"), "workday"] == 0  # from the data
    assert days.loc[pd.Timestamp("2014-12-27 10:00"), "workday"] == 0  # a Saturday
    new_year = days.loc[pd.Timestamp("2015-01-01 10:00")]  # a Thursday, holiday unknown
    assert new_year["workday"] == 1 and new_year["day_of_week"] == 3


def test_next_day_entities_are_the_48_half_hours_after_the_data(raw: pd.DataFrame) -> None:
    rows = features.next_day_entities(raw)
    assert len(rows) == 48 and list(rows["half_hour"]) == list(range(48))
    assert rows["event_timestamp"].iloc[0] == pd.Timestamp("2015-01-01 00:00")
    assert rows["event_timestamp"].iloc[-1] == pd.Timestamp("2015-01-01 23:30")


def test_the_feature_store_serves_the_next_day_from_known_data(
    raw: pd.DataFrame, sqlite_url: str
) -> None:
    import shipyard as sy

    store = sy.FeatureStore(sqlite_url)
    done = features.ingest(raw, store)
    assert done["views"]["demand_lags"]["rows"] == len(raw) - 7 * 48 + 48
    assert done["service_version"] == 1 and done["online_rows"] == 96
    tomorrow = store.get_historical_features(
        features.next_day_entities(raw), service=features.SERVICE
    )
    assert len(tomorrow) == 48 and not tomorrow.isna().any().any()
    last_day = raw.loc[raw["timestamp"] >= pd.Timestamp("2014-12-31"), "demand"].to_numpy()
    np.testing.assert_array_equal(tomorrow["demand_lag_1d"].to_numpy(), last_day)
    train = store.get_historical_features(features.entity_rows(raw), service=features.SERVICE)
    assert train["demand_lag_1w"].isna().sum() == 7 * 48  # the first week has no weekly lag
    assert features.ingest(raw, store)["service_version"] == 1  # definitions unchanged
