"""Scoring one chunk of input rows, in Arrow: what every executor's workers run.

The output of a chunk is the input's non-feature columns (zero-copy), the prediction,
the run's constants and the partition date. Constants are dictionary arrays of one
value, so neither building nor writing them costs a pass over the rows, and the date
comes from Arrow's timestamp → date cast, not from formatting every timestamp.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from shipyard.batch.layout import DATE_COLUMN, PREDICTION_COLUMN
from shipyard.core.errors import InvalidInputError

Loader = Callable[[], Any]


class Stored(Protocol):
    """A file stored in the blob store: where it is in the artifact, and its blob."""

    @property
    def path(self) -> str: ...

    @property
    def digest(self) -> str | None: ...

    @property
    def size(self) -> int: ...


#: Stores ``(artifact path, local file)`` pairs in the blob store (verified), in order.
Sink = Callable[[Sequence[tuple[str, Path]]], Sequence[Stored]]


@dataclass(frozen=True)
class ScoreJob:
    """One batch run's scoring: where the rows are, how to load the model, what to add,
    and where the scored parts go (``sink`` stores them in the blob store; ``keep_files``
    keeps the local copies under ``output_root`` for the run's file and SQL copies)."""

    input_path: Path
    output_root: Path
    loader: Loader
    feature_columns: Sequence[str]
    sink: Sink
    constants: Mapping[str, Any] = field(default_factory=dict)
    timestamp_column: str | None = None
    run_date: str = ""
    chunk_rows: int = 250_000
    keep_files: bool = True

    def score(self, model: Any, rows: pa.Table) -> pa.Table:
        """The output rows of one chunk: the non-feature input columns, the prediction,
        the run's constants and the partition date."""
        missing = [c for c in self.feature_columns if c not in rows.column_names]
        if missing:
            raise InvalidInputError(f"input rows lack the model's feature columns {missing}")
        predicted = _column(model.predict(features_frame(rows, self.feature_columns)))
        n = rows.num_rows
        added: dict[str, pa.Array] = {PREDICTION_COLUMN: pa.array(predicted)}
        for key, value in self.constants.items():
            added[key] = constant(value, n)
        added[DATE_COLUMN] = self._dates(rows)
        gone = set(self.feature_columns) | set(added)
        out = rows.select([c for c in rows.column_names if c not in gone])
        for name, values in added.items():
            out = out.append_column(name, values)
        return out

    def _dates(self, rows: pa.Table) -> pa.Array:
        """``YYYY-MM-DD`` of each row's timestamp in UTC (or the run's date), as a
        dictionary array of the few days present."""
        if not self.timestamp_column or self.timestamp_column not in rows.column_names:
            return constant(self.run_date, rows.num_rows)
        days = utc_days(rows.column(self.timestamp_column)).combine_chunks()
        if days.null_count:
            raise InvalidInputError(
                f"{days.null_count} input rows have no {self.timestamp_column!r} value to "
                "date their predictions by"
            )
        present = pc.unique(days)
        names = pc.cast(present, pa.string())
        if len(present) == 1:
            return constant(names[0], rows.num_rows)
        indices = pc.index_in(days, value_set=present).cast(pa.int32())
        return pa.DictionaryArray.from_arrays(indices, names)


def features_frame(rows: pa.Table, columns: Sequence[str]) -> pd.DataFrame:
    """The model's input columns as a DataFrame. All-float64 columns without nulls go
    into one C-ordered array (what tree libraries score without another copy)."""
    chosen = rows.select(list(columns))
    if all(pa.types.is_float64(t) for t in chosen.schema.types) and not any(
        c.null_count for c in chosen.columns
    ):
        matrix = np.empty((chosen.num_rows, len(columns)), dtype=np.float64)
        for i, column in enumerate(chosen.columns):
            matrix[:, i] = column.to_numpy()
        return pd.DataFrame(matrix, columns=list(columns), copy=False)
    return chosen.to_pandas()


def constant(value: Any, rows: int) -> pa.Array:
    """``value`` repeated ``rows`` times: a one-entry dictionary array (nulls for None)."""
    scalar = value if isinstance(value, pa.Scalar) else pa.scalar(value)
    if not scalar.is_valid:
        return pa.nulls(rows, scalar.type)
    indices = pa.array(np.zeros(rows, dtype=np.int32))
    return pa.DictionaryArray.from_arrays(indices, pa.array([scalar], scalar.type))


def utc_days(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """The UTC calendar day of each value (``date32``); naive timestamps count as UTC,
    and text is parsed as pandas does."""
    kind = column.type
    if pa.types.is_timestamp(kind):
        if kind.tz is not None:  # to the UTC wall clock: the cast to date uses local time
            column = pc.cast(column, pa.timestamp(kind.unit))
        return pc.cast(column, pa.date32())
    if pa.types.is_date(kind):
        return pc.cast(column, pa.date32())
    try:
        stamps = pd.to_datetime(column.to_pandas(), utc=True)
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(f"timestamps of type {kind} could not be read: {exc}") from exc
    return utc_days(pa.chunked_array([pa.array(stamps)]))


def _column(predicted: Any) -> Any:
    values = predicted.to_numpy() if hasattr(predicted, "to_numpy") else np.asarray(predicted)
    if getattr(values, "ndim", 1) > 1:
        if values.shape[1] != 1:
            raise InvalidInputError(
                f"batch prediction needs one output per row; the model gave {values.shape[1]}"
            )
        values = values[:, 0]
    return values
