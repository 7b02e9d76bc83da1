"""Ingestion: schema validation names bad rows; batches are all or nothing; stats kept."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from features.conftest import AIRPORT, items, weather_view
from shipyard.core.errors import FeatureValidationError
from shipyard.features import FeatureView, Field
from shipyard.features.service import FeatureStoreService

T0 = pd.Timestamp("2024-01-01", tz="UTC")


def _frame(n: int = 4) -> pd.DataFrame:
    return pd.DataFrame({
        "origin": ["A", "B"] * (n // 2),
        "ts": [T0 + pd.Timedelta(hours=12 * i) for i in range(n)],
        "temp": [float(i) for i in range(n)],
        "wind": [1.0] * n,
    })  # fmt: skip


def test_batch_lands_partitioned_by_date_with_stats(service: FeatureStoreService) -> None:
    service.apply(items(AIRPORT, weather_view()))
    record = service.ingest("weather", _frame(4))
    assert record.rows == 4 and record.view_version == 1
    assert sorted(Path(f).parent.name for f in record.files) == [
        "date=2024-01-01",
        "date=2024-01-02",
    ]
    for f in record.files:
        assert (service.offline.root / f).is_file()
    temp = record.stats["temp"]
    assert temp["count"] == 4 and temp["nulls"] == 0 and temp["mean"] == 1.5
    assert temp["min"] == 0.0 and temp["max"] == 3.0 and temp["quantiles"]["0.5"] == 1.5
    assert sum(temp["histogram"]["counts"]) == 4
    assert service.ingestions("weather")[0].stats == record.stats


def test_bad_rows_are_reported_and_nothing_is_written(service: FeatureStoreService) -> None:
    service.apply(items(AIRPORT, weather_view()))
    df = _frame(6).astype({"temp": object, "wind": object, "ts": object})
    df.loc[1, "temp"] = 500.0  # above max
    df.loc[2, "temp"] = "warm"  # not a number
    df.loc[3, "wind"] = None  # not nullable
    df.loc[4, "origin"] = None  # null join key
    df.loc[5, "ts"] = "not a time"
    with pytest.raises(FeatureValidationError) as info:
        service.ingest("weather", df)
    details = info.value.details
    assert details["rejected"] == 5
    got = {(r["row"], r["column"], r["reason"]) for r in details["rows"]}
    assert got == {
        (1, "temp", "above max 150"), (2, "temp", "not float64"),
        (3, "wind", "null in a non-nullable field"), (4, "origin", "null join key"),
        (5, "ts", "not a timestamp"), (5, "ts", "null event timestamp"),
    }  # fmt: skip
    assert service.ingestions("weather") == []
    assert not list(service.offline.root.glob("views/**/*.parquet"))


def test_types_allowed_values_and_missing_columns(service: FeatureStoreService) -> None:
    fields = [Field("n", "int32", min=0), Field("flag", "bool"),
              Field("kind", "string", allowed=["x", "y"]), Field("at", "timestamp")]  # fmt: skip
    view = FeatureView("v", [AIRPORT], fields, timestamp_field="ts")
    service.apply(items(AIRPORT, view))
    good = pd.DataFrame({"origin": ["A", "B"], "ts": [T0, T0], "n": [1, 2], "flag": ["true", "0"],
                         "kind": ["x", "y"], "at": ["2024-01-01", None]})  # fmt: skip
    assert service.ingest("v", good).stats["kind"]["top"][0]["count"] == 1
    bad = good.assign(n=[1.5, 2**40], flag=["maybe", True], kind=["x", "z"])
    with pytest.raises(FeatureValidationError) as info:
        service.ingest("v", bad)
    reasons = {(r["row"], r["reason"]) for r in info.value.details["rows"]}
    assert {(0, "not an integer (int32)"), (1, "outside the int32 range"), (0, "not a bool"),
            (1, "not among the allowed values")} <= reasons  # fmt: skip
    with pytest.raises(FeatureValidationError, match=r"lacks columns \['kind'\]"):
        service.ingest("v", good.drop(columns=["kind"]))


def test_a_failed_write_leaves_no_visible_batch(
    service: FeatureStoreService, monkeypatch: pytest.MonkeyPatch
) -> None:
    service.apply(items(AIRPORT, weather_view()))
    import pyarrow.parquet as pq

    calls = {"n": 0}
    real = pq.write_table

    def flaky(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pq, "write_table", flaky)
    with pytest.raises(OSError, match="disk full"):
        service.ingest("weather", _frame(4))
    assert service.ingestions("weather") == []
    assert not list(service.offline.root.glob("views/**/*.parquet"))
