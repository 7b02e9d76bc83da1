"""Pages of a logged table: sort by a column and filter rows by text, on the server."""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from shipyard.core.errors import InvalidInputError

MAX_PAGE = 1_000
_CACHE_SIZE = 8


class BlobReader(Protocol):
    def open(self, digest: str) -> Any: ...


@dataclass(frozen=True)
class TablePage:
    """Rows ``offset .. offset+len(rows)`` of the (filtered, sorted) table."""

    columns: list[str]
    rows: list[list[Any]]
    total: int
    matched: int
    offset: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": self.columns, "rows": self.rows, "total": self.total,
            "matched": self.matched, "offset": self.offset,
        }  # fmt: skip


_frames: OrderedDict[str, pd.DataFrame] = OrderedDict()
_lock = threading.Lock()


def load_table(blobs: BlobReader, digest: str) -> pd.DataFrame:
    """The table stored under ``digest`` (a few recent ones are kept in memory)."""
    with _lock:
        if digest in _frames:
            _frames.move_to_end(digest)
            return _frames[digest]
    with blobs.open(digest) as fh:
        frame = pq.read_table(io.BytesIO(fh.read())).to_pandas()
    with _lock:
        _frames[digest] = frame
        while len(_frames) > _CACHE_SIZE:
            _frames.popitem(last=False)
    return frame


def _json_cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return None
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, (int, float, bool, str)):
        return value
    return str(value)


def table_page(
    frame: pd.DataFrame,
    *,
    offset: int = 0,
    limit: int = 100,
    sort: str | None = None,
    descending: bool = False,
    query: str | None = None,
) -> TablePage:
    """Filter rows whose cells contain ``query`` (case-insensitive), sort, then slice."""
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise InvalidInputError(f"limit must be 1 to {MAX_PAGE} and offset >= 0")
    view = frame
    if query:
        needle = query.lower()
        mask = np.zeros(len(frame), dtype=bool)
        for name in frame.columns:
            mask |= frame[name].astype(str).str.lower().str.contains(needle, regex=False).to_numpy()
        view = frame[mask]
    if sort is not None:
        if sort not in frame.columns:
            raise InvalidInputError(f"Table has no column {sort!r}")
        view = view.sort_values(sort, ascending=not descending, kind="stable", na_position="last")
    part = view.iloc[offset : offset + limit]
    rows = [[_json_cell(x) for x in row] for row in part.itertuples(index=False, name=None)]
    return TablePage(list(frame.columns), rows, len(frame), len(view), offset)
