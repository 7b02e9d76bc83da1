"""``sy.Table``: a DataFrame (or columns and rows) stored as Parquet, up to 100,000 rows."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import pandas as pd

from shipyard.core.errors import InvalidInputError
from shipyard.media.base import EncodedMedia, Media, MediaPart, check_caption

MAX_ROWS = 100_000
MAX_COLUMNS = 1_000
PARQUET = "application/vnd.apache.parquet"


def _frame(data: Any, columns: Sequence[str] | None) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        frame = data.copy()
    else:
        try:
            frame = pd.DataFrame(data, columns=list(columns) if columns is not None else None)
        except (ValueError, TypeError) as exc:
            raise InvalidInputError(f"Table data cannot become a table: {exc}") from exc
    frame.columns = [str(c) for c in frame.columns]
    if len(set(frame.columns)) != len(frame.columns):
        raise InvalidInputError("Table column names must be unique")
    for name in frame.columns:
        if frame[name].dtype == object:
            frame[name] = frame[name].map(lambda x: None if x is None else str(x))
    return frame.reset_index(drop=True)


class Table(Media):
    """A table the UI pages, sorts and filters on the server."""

    kind = "table"

    def __init__(
        self,
        data: Any = None,
        columns: Sequence[str] | None = None,
        caption: str | None = None,
    ) -> None:
        self.frame = _frame(data if data is not None else [], columns)
        if len(self.frame) > MAX_ROWS:
            raise InvalidInputError(f"A table holds at most {MAX_ROWS} rows, got {len(self.frame)}")
        if len(self.frame.columns) > MAX_COLUMNS:
            raise InvalidInputError(f"A table holds at most {MAX_COLUMNS} columns")
        self.caption = check_caption(caption)

    def encode(self) -> EncodedMedia:
        buf = io.BytesIO()
        try:
            self.frame.to_parquet(buf, index=False)
        except (ValueError, TypeError) as exc:
            raise InvalidInputError(f"Table cannot be stored as Parquet: {exc}") from exc
        meta: dict[str, Any] = {
            "rows": len(self.frame),
            "columns": list(self.frame.columns),
            "dtypes": [str(t) for t in self.frame.dtypes],
        }
        if self.caption is not None:
            meta["caption"] = self.caption
        return EncodedMedia("table", MediaPart(buf.getvalue(), PARQUET), meta)

    def __repr__(self) -> str:
        return f"Table(rows={len(self.frame)}, columns={len(self.frame.columns)})"
