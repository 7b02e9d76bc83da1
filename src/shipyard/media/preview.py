"""Previews of stored files for the artifacts browser: text, images, table heads."""

from __future__ import annotations

import io
from pathlib import PurePosixPath
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from shipyard.media.table_query import BlobReader, table_page

TEXT_SUFFIXES = frozenset(
    [
        ".txt",
        ".md",
        ".json",
        ".yaml",
        ".yml",
        ".toml",
        ".cfg",
        ".ini",
        ".py",
        ".sql",
        ".log",
        ".sh",
        ".xml",
        ".html",
        ".js",
        ".css",
        ".r",
    ]
)
IMAGE_SUFFIXES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                  ".gif": "image/gif", ".webp": "image/webp"}  # fmt: skip
TABLE_SUFFIXES = frozenset({".parquet", ".csv", ".tsv"})
MAX_TEXT_BYTES = 64 * 1024
MAX_TABLE_BYTES = 256 * 1024 * 1024
HEAD_ROWS = 20


def preview_kind(path: str) -> str:
    """``text``, ``image``, ``table`` or ``none`` by file suffix."""
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in IMAGE_SUFFIXES:
        return "image"
    if suffix in TABLE_SUFFIXES:
        return "table"
    return "none"


def image_mime(path: str) -> str | None:
    return IMAGE_SUFFIXES.get(PurePosixPath(path).suffix.lower())


def preview(blobs: BlobReader, digest: str, path: str, size: int) -> dict[str, Any]:
    """What the browser shows for a file; text is returned raw (the UI escapes it)."""
    kind = preview_kind(path)
    if kind == "text":
        with blobs.open(digest) as fh:
            data = fh.read(MAX_TEXT_BYTES)
        return {
            "kind": "text",
            "text": data.decode("utf-8", "replace"),
            "truncated": size > len(data),
        }
    if kind == "table" and size <= MAX_TABLE_BYTES:
        with blobs.open(digest) as fh:
            raw = fh.read()
        if path.lower().endswith(".parquet"):
            pf = pq.ParquetFile(io.BytesIO(raw))
            rows = pf.metadata.num_rows
            frame = (
                next(pf.iter_batches(batch_size=HEAD_ROWS)).to_pandas() if rows else pd.DataFrame()
            )
        else:
            sep = "\t" if path.lower().endswith(".tsv") else ","
            frame = pd.read_csv(io.BytesIO(raw), sep=sep, nrows=HEAD_ROWS)
            rows = None
        page = table_page(frame, limit=HEAD_ROWS)
        return {"kind": "table", "columns": page.columns, "rows": page.rows, "total_rows": rows}
    return {"kind": kind}
