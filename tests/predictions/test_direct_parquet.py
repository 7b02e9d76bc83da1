"""A Parquet ``data`` file is scored in place, whatever its row groups, with the same
rows as the same data given as a DataFrame."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import shipyard as sy
from predictions_support import World, make_world
from shipyard.core.errors import InvalidInputError
from shipyard.predictions import source

KEY = ["region", "event_timestamp"]


def _features(world: World) -> pd.DataFrame:
    fs = sy.FeatureStore()
    rows = fs.get_historical_features(world.entities, service=world.service)
    fs.close()
    return rows


def _write(rows: pd.DataFrame, path: Path, groups: list[int]) -> Path:
    table = pa.Table.from_pandas(rows, preserve_index=False)
    with pq.ParquetWriter(path, table.schema) as writer:
        start = 0
        for size in groups:
            writer.write_table(table.slice(start, size), row_group_size=max(size, 1))
            start += size
    return path


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(KEY).reset_index(drop=True)


@pytest.fixture
def embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    return make_world(f"sqlite:///{tmp_path / 'shipyard.db'}", tmp_path, monkeypatch)


@pytest.mark.parametrize(
    ("groups", "workers"),
    [([1] * 60, 2), ([1, 13, 40, 6], 2), ([60], 2), ([60], 1)],
    ids=["one row per group", "uneven groups", "one big group cut", "one big group streamed"],
)
def test_row_groups_of_any_size_give_the_same_predictions(
    embedded: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, groups: list[int],
    workers: int,
) -> None:  # fmt: skip
    rows = _features(embedded)
    uri = f"models:/{embedded.model}@champion"
    reference = sy.predict_batch(uri, data=rows, output="frame", workers=1)
    path = _write(rows, tmp_path / "rows.parquet", groups)

    def no_rewrite(*args: object, **kwargs: object) -> None:
        raise AssertionError("the input file was read into memory and rewritten")

    monkeypatch.setattr(source, "_rows", no_rewrite)
    direct = sy.predict_batch(uri, data=path, output="direct", chunk_rows=8, workers=workers)
    assert direct.rows == reference.rows == 60
    assert direct.dates == reference.dates == ["2026-11-02", "2026-11-03"]
    a, b = _sorted(sy.predictions.latest("frame")), _sorted(sy.predictions.latest("direct"))
    assert a["prediction"].tolist() == b["prediction"].tolist()
    assert set(b["batch_run_id"]) == {direct.run_id}
    parts = [e.path for e in direct.artifact.files()]
    assert all(p.startswith("date=") and p.endswith(".parquet") for p in parts)


def test_a_parquet_file_through_a_server(world: World, tmp_path: Path) -> None:
    path = _write(_features(world), tmp_path / "rows.parquet", [7] * 8 + [4])
    result = sy.predict_batch(
        f"models:/{world.model}@champion", data=path, output=f"direct-{world.tag}",
        chunk_rows=16, workers=2,
    )  # fmt: skip
    assert result.rows == 60
    assert len(sy.predictions.latest(f"direct-{world.tag}")) == 60


def test_a_parquet_file_without_the_features_or_rows_is_refused(
    embedded: World, tmp_path: Path
) -> None:
    uri = f"models:/{embedded.model}@champion"
    rows = _features(embedded)
    rows.drop(columns=["temp"]).to_parquet(tmp_path / "no-temp.parquet")
    with pytest.raises(InvalidInputError, match=r"feature columns \['temp'\]"):
        sy.predict_batch(uri, data=tmp_path / "no-temp.parquet", workers=1)
    rows.head(0).to_parquet(tmp_path / "empty.parquet")
    with pytest.raises(InvalidInputError, match="no rows to predict"):
        sy.predict_batch(uri, data=tmp_path / "empty.parquet", workers=1)


def test_a_failing_slice_in_any_worker_fails_the_run_and_commits_nothing(
    embedded: World, tmp_path: Path
) -> None:
    uri = f"models:/{embedded.model}@champion"
    rows = _features(embedded)
    first = sy.predict_batch(uri, data=rows, output="pred", workers=1)
    broken = rows.copy()
    broken.loc[broken.index[-5:], "event_timestamp"] = pd.NaT  # in the last slices
    path = _write(broken, tmp_path / "broken.parquet", [6] * 10)
    with pytest.raises(InvalidInputError, match="have no 'event_timestamp'"):
        sy.predict_batch(uri, data=path, output="pred", chunk_rows=6, workers=2)
    assert [v.version for v in sy.predictions.versions("pred")] == [1]
    assert set(sy.predictions.latest("pred")["batch_run_id"]) == {first.run_id}
