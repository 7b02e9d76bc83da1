"""The Parquet file a batch run's workers read, and how it is cut between them.

A ``data`` Parquet file is read in place (only its footer here); anything else (a
DataFrame, CSV, a query, entities joined with features) is written once to a temporary
Parquet file with ``chunk_rows`` row groups.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from shipyard.batch import Slice, open_input, plan_slices
from shipyard.client import Client
from shipyard.core.errors import InvalidInputError
from shipyard.predictions.inputs import read_table, with_features

PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass(frozen=True)
class Source:
    """The input file, its row count and the slices the workers score."""

    path: Path
    rows: int
    slices: list[Slice]


def open_source(
    client: Client,
    args: dict[str, Any],
    *,
    columns: Sequence[str],
    workers: int,
    tmp: Path,
    tell: Callable[[str, int, int | None], None],
) -> Source:
    """The run's input as a Parquet file, checked to hold the model's feature columns."""
    path = _parquet_file(args["data"])
    if path is None:
        path = tmp / "input.parquet"
        table = pa.Table.from_pandas(_rows(client, args, tell), preserve_index=False)
        pq.write_table(table, path, row_group_size=args["chunk_rows"])
        del table
    file = open_input(path)
    names = file.schema_arrow.names
    missing = [c for c in columns if c not in names]
    if missing:
        raise InvalidInputError(f"input rows lack the model's feature columns {missing}")
    meta = file.metadata
    if meta.num_rows == 0:
        raise InvalidInputError(f"no rows to predict in {path}")
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    return Source(path, meta.num_rows, plan_slices(sizes, args["chunk_rows"], workers))


def _parquet_file(data: Any) -> Path | None:
    """``data`` when it names one Parquet file (read in place), else None."""
    if not isinstance(data, str | os.PathLike):
        return None
    path = Path(data)
    if path.suffix.lower() in PARQUET_SUFFIXES and path.is_file():
        return path
    return None


def _rows(client: Client, args: dict[str, Any], tell: Callable[..., None]) -> Any:
    if args["data"] is not None:
        return read_table(args["data"], args["entities_sql_url"])
    entities = read_table(args["entities"], args["entities_sql_url"])
    total = len(entities)
    return with_features(
        client.backend, entities, args["features"], args["timestamp_column"],
        lambda n: tell("features", n, total),
    )  # fmt: skip
