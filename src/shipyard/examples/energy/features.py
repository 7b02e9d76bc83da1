"""Day-ahead features of the demand forecast, in the feature store.

The entity is a region's half-hour of the day (``region``, ``half_hour`` 0..47). Every
feature row is stamped with the *target* half-hour it describes, and holds only what is
known a day before it:

* ``demand_lags``: demand and temperature at the same half-hour 1 day and 1 week
  earlier (so a forecast for tomorrow needs data up to today);
* ``calendar``: the target day's day of week and whether it is a work day. For days in
  the data ``workday`` is the data's ``WorkDay``; for the day after the data (the one
  forecast) it is Monday to Friday, so a public holiday there is taken for a work day
  (2015-01-01, New Year's Day, is one).

The feature service ``day_ahead`` serves both views; ``half_hour`` comes with the
entity rows.

The views have no TTL. A view's TTL is how old a value may be and still be served, and
Shipyard's online store measures it against the wall clock at read time: right for live
data, but this data set ends in 2014, so any TTL would hide every online value. Nor
does correctness need one: every row is stamped with the half-hour it describes, so
the point-in-time join finds the row of the entity's own half-hour. With live data,
give the views a TTL of a day or two so a stalled ingestion shows up as missing values
instead of old lags.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from shipyard.examples.energy.data import STEP
from shipyard.features import Entity, FeatureService, FeatureView, Field

__all__ = [
    "DEFINITIONS",
    "REGION",
    "SERVICE",
    "entity_rows",
    "feature_frames",
    "half_hour_of",
    "ingest",
    "next_day",
    "next_day_entities",
]

REGION = "VIC"
SERVICE = "day_ahead"
SLOTS_PER_DAY = 48

slot = Entity(
    "demand_slot",
    join_keys=["region", "half_hour"],
    description="A region's half-hour of the day (0 = 00:00-00:30)",
)
demand_lags = FeatureView(
    "demand_lags",
    entities=[slot],
    schema=[
        Field("demand_lag_1d", "float64", nullable=False, min=0, max=20),
        Field("demand_lag_1w", "float64", nullable=False, min=0, max=20),
        Field("temperature_lag_1d", "float64", nullable=False, min=-20, max=60),
        Field("temperature_lag_1w", "float64", nullable=False, min=-20, max=60),
    ],
    ttl=None,  # historical data: see the module docstring
    timestamp_field="event_timestamp",
    description="Demand (GW) and temperature (°C) at the same half-hour 1 day and 1 week "
    "before the target half-hour the row is stamped with",
)
calendar = FeatureView(
    "calendar",
    entities=[slot],
    schema=[
        Field("day_of_week", "int64", nullable=False, min=0, max=6),
        Field("workday", "int64", nullable=False, allowed=[0, 1]),
    ],
    ttl=None,  # historical data: see the module docstring
    timestamp_field="event_timestamp",
    description="The target day's day of week (0 = Monday) and work day flag (beyond the "
    "data: Monday to Friday, public holidays not known)",
)
day_ahead = FeatureService(SERVICE, features=[demand_lags, calendar])
DEFINITIONS = [slot, demand_lags, calendar, day_ahead]


def half_hour_of(times: pd.Series | pd.DatetimeIndex) -> Any:
    """The half-hour of the day (0..47) of each time."""
    index = pd.DatetimeIndex(times)
    return (index.hour * 2 + index.minute // 30).astype("int64")


def next_day(raw: pd.DataFrame) -> pd.Timestamp:
    """Midnight of the day after the last half-hour in the data."""
    return pd.Timestamp(raw["timestamp"].iloc[-1]).normalize() + pd.Timedelta(days=1)


def _slots(times: pd.DatetimeIndex) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region": REGION,
            "half_hour": half_hour_of(times),
            "event_timestamp": times,
        }
    )


def next_day_entities(raw: pd.DataFrame) -> pd.DataFrame:
    """The 48 entity rows of the day to forecast (the day after the data)."""
    day = next_day(raw)
    return _slots(pd.date_range(day, periods=SLOTS_PER_DAY, freq=STEP))


def entity_rows(raw: pd.DataFrame) -> pd.DataFrame:
    """One entity row per half-hour of the data, with its demand as the label."""
    rows = _slots(pd.DatetimeIndex(raw["timestamp"]))
    rows["demand"] = raw["demand"].to_numpy()
    return rows


def feature_frames(raw: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The rows of each feature view for every half-hour of the data and of the next
    day; lag rows start one week in, where both lags exist."""
    first = pd.Timestamp(raw["timestamp"].iloc[0])
    end = next_day(raw) + pd.Timedelta(days=1)
    targets = pd.date_range(first, end - STEP, freq=STEP)
    observed = raw.set_index("timestamp")

    def lagged(column: str, days: int) -> Any:
        return observed[column].reindex(targets - pd.Timedelta(days=days)).to_numpy()

    lags = _slots(targets)
    lags["demand_lag_1d"] = lagged("demand", 1)
    lags["demand_lag_1w"] = lagged("demand", 7)
    lags["temperature_lag_1d"] = lagged("temperature", 1)
    lags["temperature_lag_1w"] = lagged("temperature", 7)
    lags = lags.dropna().reset_index(drop=True)
    days = _slots(targets)
    days["day_of_week"] = targets.day_of_week.astype("int64")
    known = observed["workday"].reindex(targets)
    weekday = pd.Series((targets.day_of_week < 5).astype("int64"), index=targets)
    days["workday"] = known.fillna(weekday).astype("int64").to_numpy()
    return {demand_lags.name: lags, calendar.name: days}


def ingest(raw: pd.DataFrame, store: Any) -> dict[str, Any]:
    """Apply the definitions, ingest both views (validated, all or nothing) and
    materialize them online up to the end of the next day. Returns what was done."""
    report = store.apply(DEFINITIONS)
    views: dict[str, Any] = {}
    for name, frame in feature_frames(raw).items():
        batch = store.ingest(name, frame)
        views[name] = {"version": batch.view_version, "batch": batch.id, "rows": batch.rows}
    end = next_day(raw) + pd.Timedelta(days=1)
    online = store.materialize(end=end.to_pydatetime(), views=list(views))
    return {
        "service": SERVICE,
        "service_version": report.versions.get(f"service:{SERVICE}")
        or store.get("service", SERVICE).version,
        "views": views,
        "materialized_until": end.isoformat(),
        "online_rows": sum(int(getattr(m, "rows", 0) or 0) for m in online),
    }
