"""The predictions layout: ``date=YYYY-MM-DD/part-NNNNN.parquet`` under one folder."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

PREDICTIONS_TYPE = "predictions"
PREDICTION_COLUMN = "prediction"
PARTITION_PREFIX = "date="
DATE_COLUMN = "prediction_date"


def write_partitioned(table: pa.Table, root: Path, part: str) -> list[str]:
    """Write ``table`` as one part per ``prediction_date`` under ``root``; return the
    relative paths written, in date order."""
    dates = table.column(DATE_COLUMN).combine_chunks()
    if not pa.types.is_dictionary(dates.type):
        dates = pc.dictionary_encode(dates)
    position = table.schema.get_field_index(DATE_COLUMN)
    days = {str(day): i for i, day in enumerate(dates.dictionary.to_pylist())}
    written: list[str] = []
    for day in sorted(days):
        if len(days) == 1:
            rows = table
        else:
            rows = table.filter(pc.equal(dates.indices, days[day]))
            if not rows.num_rows:
                continue
            one = pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(rows.num_rows, dtype=np.int32)), pa.array([day])
            )
            rows = rows.set_column(position, DATE_COLUMN, one)
        rel = f"{PARTITION_PREFIX}{day}/part-{part}.parquet"
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        write_part(rows, dest)
        written.append(rel)
    return written


def write_part(table: pa.Table, dest: Path) -> None:
    """One Parquet part. Text and dictionary columns are dictionary-encoded (the
    constants cost nothing), numbers and timestamps are not (a dictionary of distinct
    values is only a wasted pass). No Arrow schema is stored, so readers get plain
    columns back, not categoricals."""
    encoded = [
        f.name
        for f in table.schema
        if pa.types.is_dictionary(f.type) or pa.types.is_string(f.type)
        or pa.types.is_large_string(f.type)
    ]  # fmt: skip
    pq.write_table(table, dest, use_dictionary=encoded, store_schema=False)


def read_parts(paths: Iterable[tuple[str, Path]]) -> pd.DataFrame:
    """Concatenate the parts ``(relative path, local file)`` in path order."""
    return read_files(paths)


def read_files(parts: Iterable[tuple[str, Any]]) -> pd.DataFrame:
    """Concatenate the parts ``(relative path, file path or binary file)`` in path order."""
    tables = []
    for _, source in sorted(parts, key=lambda p: p[0]):
        tables.append(pq.read_table(source))
        if hasattr(source, "close"):
            source.close()
    if not tables:
        return pd.DataFrame()
    return pa.concat_tables(tables, promote_options="default").to_pandas()


def partition_of(rel: str) -> str | None:
    """The date of a part's partition folder, or None for files outside the layout."""
    head = rel.split("/", 1)[0]
    return head[len(PARTITION_PREFIX) :] if head.startswith(PARTITION_PREFIX) else None
