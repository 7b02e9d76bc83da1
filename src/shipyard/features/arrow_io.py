"""DataFrames as Arrow IPC streams: how batches and entity frames cross the REST API."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from shipyard.core.errors import InvalidInputError

__all__ = ["ARROW_STREAM", "frame_from_arrow", "frame_to_arrow"]

ARROW_STREAM = "application/vnd.apache.arrow.stream"


def frame_to_arrow(df: pd.DataFrame) -> bytes:
    """An Arrow IPC stream of a DataFrame (its index dropped)."""
    try:
        table = pa.Table.from_pandas(df, preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise InvalidInputError(f"The DataFrame cannot be sent as Arrow: {exc}") from exc
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def frame_from_arrow(data: bytes) -> pd.DataFrame:
    """The DataFrame of an Arrow IPC stream."""
    try:
        table = pa.ipc.open_stream(pa.py_buffer(data)).read_all()
    except pa.ArrowException as exc:
        raise InvalidInputError(f"The body is not an Arrow IPC stream: {exc}") from exc
    return table.to_pandas()
