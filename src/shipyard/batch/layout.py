"""The predictions layout: ``date=YYYY-MM-DD/part-NNNNN.parquet`` under one folder."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

PREDICTIONS_TYPE = "predictions"
PREDICTION_COLUMN = "prediction"
PARTITION_PREFIX = "date="
DATE_COLUMN = "prediction_date"


def write_partitioned(frame: pd.DataFrame, root: Path, part: str) -> list[str]:
    """Write ``frame`` as one part per ``prediction_date`` under ``root``; return the
    relative paths written."""
    written: list[str] = []
    for day, rows in frame.groupby(DATE_COLUMN, sort=True):
        rel = f"{PARTITION_PREFIX}{day}/part-{part}.parquet"
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(rows.reset_index(drop=True), preserve_index=False)
        pq.write_table(table, dest)
        written.append(rel)
    return written


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
