"""Scoring a chunk in Arrow, and the date-partitioned parts it is written as."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shipyard.batch import ScoreJob, write_partitioned
from shipyard.core.errors import InvalidInputError


class Doubler:
    """A model: twice the sum of its features."""

    def predict(self, frame: pd.DataFrame) -> Any:
        return frame.sum(axis=1).to_numpy() * 2


def _job(**kwargs: Any) -> ScoreJob:
    defaults: dict[str, Any] = {
        "input_path": Path("unused"),
        "output_root": Path("unused"),
        "loader": Doubler,
        "feature_columns": ["a", "b"],
        "sink": lambda files: [],
        "constants": {
            "model_name": pa.scalar("m", pa.string()),
            "model_version": pa.scalar(3, pa.int64()),
            "feature_service": pa.scalar(None, pa.string()),
        },
        "timestamp_column": "ts",
        "run_date": "2030-01-01",
    }
    return ScoreJob(**{**defaults, **kwargs})


def _rows(stamps: Any) -> pa.Table:
    return pa.table({
        "id": [1, 2, 3],
        "a": [1.0, 2.0, 3.0],
        "b": [10, 20, 30],  # not float64: the general feature path
        "ts": stamps,
    })  # fmt: skip


def test_a_chunk_keeps_its_other_columns_and_gains_prediction_constants_and_date() -> None:
    stamps = pa.array(pd.to_datetime(["2026-11-02 23:30", "2026-11-03 00:10", "2026-11-03 05:00"]))
    out = _job().score(Doubler(), _rows(stamps))
    assert out.column_names == [
        "id", "ts", "prediction", "model_name", "model_version", "feature_service",
        "prediction_date",
    ]  # fmt: skip
    frame = out.to_pandas()
    assert frame["prediction"].tolist() == [22.0, 44.0, 66.0]
    assert frame["model_name"].astype(str).tolist() == ["m"] * 3
    assert frame["model_version"].tolist() == [3] * 3
    assert frame["feature_service"].isna().all()
    assert frame["prediction_date"].astype(str).tolist() == [
        "2026-11-02", "2026-11-03", "2026-11-03",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "stamps",
    [
        pa.array(pd.to_datetime(["2026-11-02 19:30"] * 3).tz_localize("America/New_York")),
        pa.array(["2026-11-03T00:30:00Z"] * 3),
        pa.array(pd.to_datetime(["2026-11-03 00:30"] * 3).tz_localize("UTC")),
    ],
    ids=["other time zone", "text", "utc"],
)
def test_the_partition_date_is_the_utc_day(stamps: pa.Array) -> None:
    out = _job().score(Doubler(), _rows(stamps))
    assert set(out.column("prediction_date").to_pylist()) == {"2026-11-03"}


def test_rows_without_a_timestamp_column_take_the_run_date() -> None:
    rows = _rows(pa.array(pd.to_datetime(["2026-11-02"] * 3))).drop_columns(["ts"])
    out = _job().score(Doubler(), rows)
    assert set(out.column("prediction_date").to_pylist()) == {"2030-01-01"}


def test_missing_features_or_timestamps_are_refused() -> None:
    stamps = pa.array(pd.to_datetime(["2026-11-02", None, "2026-11-03"]))
    with pytest.raises(InvalidInputError, match="1 input rows have no 'ts'"):
        _job().score(Doubler(), _rows(stamps))
    with pytest.raises(InvalidInputError, match=r"feature columns \['c'\]"):
        _job(feature_columns=["a", "c"]).score(Doubler(), _rows(stamps))


def test_parts_are_one_per_date_and_read_back_as_plain_columns(tmp_path: Path) -> None:
    stamps = pa.array(pd.to_datetime(["2026-11-03 01:00", "2026-11-02 01:00", "2026-11-03 02:00"]))
    out = _job().score(Doubler(), _rows(stamps))
    written = write_partitioned(out, tmp_path, "00000-000")
    assert written == [
        "date=2026-11-02/part-00000-000.parquet", "date=2026-11-03/part-00000-000.parquet",
    ]  # fmt: skip
    late = pd.read_parquet(tmp_path / written[1])
    assert late["id"].tolist() == [1, 3]
    assert late["prediction_date"].tolist() == ["2026-11-03"] * 2
    # constants are dictionary arrays in memory, but plain text and numbers on disk
    types = pq.read_table(tmp_path / written[1]).schema.types
    assert not any(pa.types.is_dictionary(t) for t in types)
    assert not isinstance(late["model_name"].dtype, pd.CategoricalDtype)
    assert np.issubdtype(late["model_version"].dtype, np.integer)
