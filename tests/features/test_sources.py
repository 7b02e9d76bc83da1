"""Sources: CSV and Parquet files, folders and globs (local and S3), SQL tables and queries."""

from __future__ import annotations

import uuid
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine

from s3_support import BUCKET  # s3_endpoint comes from tests/conftest.py
from shipyard.core.errors import InvalidInputError
from shipyard.features import FileSource, SqlSource
from shipyard.features.sources import read_source

FRAME = pd.DataFrame({"origin": ["A", "B", "C"], "ts": pd.to_datetime(["2024-01-01"] * 3, utc=True),
                      "temp": [1.0, 2.0, 3.0]})  # fmt: skip


def _write_parts(folder: Path, fmt: str) -> None:
    (folder / "sub").mkdir(parents=True)
    for i, part in enumerate([FRAME.iloc[:2], FRAME.iloc[2:]]):
        target = folder / ("sub" if i else "") / f"part{i}.{fmt}"
        part.to_csv(target, index=False) if fmt == "csv" else part.to_parquet(target)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_file_folder_and_glob(tmp_path: Path, fmt: str) -> None:
    _write_parts(tmp_path, fmt)
    folder = read_source(FileSource(str(tmp_path), format=fmt))  # type: ignore[arg-type]
    assert sorted(folder["temp"]) == [1.0, 2.0, 3.0]
    glob = read_source(FileSource(str(tmp_path / f"*.{fmt}")))
    assert list(glob["origin"]) == ["A", "B"]
    single = read_source(FileSource(str(tmp_path / "sub" / f"part1.{fmt}")))
    assert list(single["origin"]) == ["C"]


def test_missing_sources_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="does not exist"):
        read_source(FileSource(str(tmp_path / "nope.parquet")))
    with pytest.raises(InvalidInputError, match="matches no files"):
        read_source(FileSource(str(tmp_path / "*.parquet")))


def test_parquet_glob_on_s3(s3_endpoint: str) -> None:
    import s3fs

    prefix = f"{BUCKET}/{uuid.uuid4().hex}"
    fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": s3_endpoint})
    for i, part in enumerate([FRAME.iloc[:1], FRAME.iloc[1:]]):
        with fs.open(f"{prefix}/weather/p{i}.parquet", "wb") as out:
            part.to_parquet(out)
    df = read_source(FileSource(f"s3://{prefix}/weather/*.parquet"))
    assert list(df["origin"]) == ["A", "B", "C"]
    assert len(read_source(FileSource(f"s3://{prefix}/weather"))) == 3


@pytest.mark.postgres
def test_sql_table_and_query_on_postgres(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    FRAME.to_sql("weather", engine, index=False)
    engine.dispose()
    table = read_source(SqlSource(postgres_url, table="weather", timestamp_field="ts"))
    assert sorted(table["temp"]) == [1.0, 2.0, 3.0]
    query = read_source(SqlSource(postgres_url, query="SELECT * FROM weather WHERE temp > 1"))
    assert sorted(query["origin"]) == ["B", "C"]
