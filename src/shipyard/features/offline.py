"""The offline store: Parquet files partitioned by event date, one set per batch.

``<root>/views/<view>/date=YYYY-MM-DD/<batch>-<uuid>.parquet``. Files are written
under ``<root>/.staging`` and renamed into place; a batch becomes visible to readers
only when its ingestion row is committed with the list of its files, so a crash never
exposes part of a batch (leftover files belong to no committed batch and are ignored).
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from shipyard.core.errors import InvalidInputError

__all__ = ["INGESTION", "SEQ", "OfflineStore"]

INGESTION = "__ingestion_id"
SEQ = "__seq"  # row position in its batch: among equal times, a later row wins


class OfflineStore:
    """Writes and locates the Parquet files of feature views under ``root``."""

    def __init__(self, root: str | Path) -> None:
        text = str(root)
        if "://" in text and not text.startswith("file://"):
            raise InvalidInputError(
                f"The offline feature store must be a local folder, got {text!r}"
            )
        self.root = Path(text.removeprefix("file://")).expanduser()

    def path(self, relative: str) -> str:
        return str(self.root / relative)

    def write_batch(self, view: str, ingestion_id: int, df: pd.DataFrame) -> list[str]:
        """Write a validated batch, one file per event date; return the relative paths."""
        staging = self.root / ".staging" / uuid.uuid4().hex
        staging.mkdir(parents=True, exist_ok=True)
        df = df.assign(**{
            INGESTION: pd.Series(ingestion_id, index=df.index, dtype="int64"),
            SEQ: pd.Series(range(len(df)), index=df.index, dtype="int64"),
        })  # fmt: skip
        dates = df["__ts"].dt.strftime("%Y-%m-%d")
        staged: list[tuple[Path, str]] = []
        try:
            for date, part in df.groupby(dates, sort=True):
                name = f"{ingestion_id}-{uuid.uuid4().hex[:8]}.parquet"
                relative = f"views/{view}/date={date}/{name}"
                tmp = staging / name
                table = pa.Table.from_pandas(part, preserve_index=False)
                pq.write_table(table, tmp, compression="zstd")
                staged.append((tmp, relative))
            for tmp, relative in staged:
                final = self.root / relative
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, final)
        except BaseException:
            for _tmp, relative in staged:
                (self.root / relative).unlink(missing_ok=True)
            raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return [relative for _tmp, relative in staged]

    def remove(self, relatives: list[str]) -> None:
        for relative in relatives:
            (self.root / relative).unlink(missing_ok=True)
