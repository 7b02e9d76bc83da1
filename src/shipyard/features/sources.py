"""Reading a feature view's source into a DataFrame (in the caller's process).

Files: CSV or Parquet, a file, a folder (every matching file below it) or a glob, on any
filesystem fsspec knows (local, ``s3://`` with the ``s3`` extra). SQL: a table or a
query through SQLAlchemy.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from shipyard.core.errors import InvalidInputError
from shipyard.features.definitions import FileSource, SqlSource

__all__ = ["read_source", "source_files"]

_SUFFIXES = {"parquet": (".parquet", ".pq"), "csv": (".csv", ".csv.gz")}


def source_files(source: FileSource) -> tuple[Any, list[str]]:
    """The filesystem and the files a FileSource names (sorted)."""
    import fsspec

    from shipyard.store.blob_backends import s3_endpoint_url

    options: dict[str, Any] = {}
    endpoint = s3_endpoint_url()
    if source.path.startswith("s3://") and endpoint:
        options["client_kwargs"] = {"endpoint_url": endpoint}
    fs, path = fsspec.core.url_to_fs(source.path, **options)
    if any(c in path for c in "*?["):
        files = sorted(fs.glob(path))
    elif fs.isdir(path):
        suffixes = _SUFFIXES[source.format or "parquet"]
        files = sorted(f for f in fs.find(path) if f.lower().endswith(suffixes))
    elif fs.exists(path):
        files = [path]
    else:
        raise InvalidInputError(f"Feature source {source.path!r} does not exist")
    if not files:
        raise InvalidInputError(f"Feature source {source.path!r} matches no files")
    return fs, files


def _read_files(source: FileSource) -> pd.DataFrame:
    import pyarrow.parquet as pq

    fs, files = source_files(source)
    frames = []
    for name in files:
        with fs.open(name, "rb") as handle:
            if source.format == "csv":
                compression = "gzip" if name.endswith(".gz") else None
                frames.append(pd.read_csv(handle, compression=compression))
            else:
                frames.append(pq.read_table(handle).to_pandas())
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _read_sql(source: SqlSource) -> pd.DataFrame:
    from sqlalchemy import create_engine, text

    engine = create_engine(source.url)
    try:
        with engine.connect() as conn:
            if source.table is not None:
                from sqlalchemy import MetaData, Table

                table = Table(source.table, MetaData(), autoload_with=conn)
                return pd.read_sql(table.select(), conn)
            return pd.read_sql(text(source.query or ""), conn)
    finally:
        engine.dispose()


def read_source(source: FileSource | SqlSource) -> pd.DataFrame:
    """All rows of a source."""
    try:
        if isinstance(source, FileSource):
            return _read_files(source)
        return _read_sql(source)
    except InvalidInputError:
        raise
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"Cannot read feature source: {exc}") from exc
