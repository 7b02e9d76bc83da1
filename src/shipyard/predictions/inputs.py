"""The rows a batch run scores: an entity frame joined with a feature service, or a
table given whole (DataFrame, CSV/Parquet file, or a SQL query)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from shipyard.client.backend import Backend
from shipyard.core.errors import InvalidInputError, NotFoundError

# The server refuses larger entity frames in one request; embedded has no such limit.
ENTITY_CHUNK = 100_000
_QUERY_WORDS = ("select", "with", "from")


def is_query(value: Any) -> bool:
    return isinstance(value, str) and value.lstrip().lower().startswith(_QUERY_WORDS)


def read_table(source: Any, sql_url: str | None = None) -> pd.DataFrame:
    """A DataFrame from a DataFrame, a ``.parquet``/``.csv`` path, or a SQL query (run
    through SQLAlchemy at ``sql_url``, else DuckDB, which also reads files by path)."""
    if isinstance(source, pd.DataFrame):
        return source
    if is_query(source):
        return _query(str(source), sql_url)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.exists():
            raise NotFoundError(f"no such entities or data file: {path}")
        if path.suffix.lower() == ".csv":
            return pd.read_csv(path)
        if path.suffix.lower() in {".parquet", ".pq"} or path.is_dir():
            return pd.read_parquet(path)
        raise InvalidInputError(f"{path}: give a .parquet or .csv file, or a SQL query")
    raise InvalidInputError(
        f"rows must be a DataFrame, a file path or a SQL query, not {type(source).__name__}"
    )


def _query(sql: str, url: str | None) -> pd.DataFrame:
    if url is None:
        import duckdb

        try:
            relation = duckdb.sql(sql)
            if relation is None:
                raise InvalidInputError(f"entities query returned no rows table: {sql!r}")
            return relation.df()
        except duckdb.Error as exc:
            raise InvalidInputError(f"entities query failed: {exc}") from exc
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return pd.read_sql_query(sa.text(sql), conn)
    except sa.exc.SQLAlchemyError as exc:
        raise InvalidInputError(f"entities query failed: {exc}") from exc
    finally:
        engine.dispose()


def with_features(
    backend: Backend,
    entities: pd.DataFrame,
    service: str,
    timestamp_column: str,
    on_rows: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Point-in-time features of ``service`` for every entity row, fetched in chunks."""
    if timestamp_column not in entities.columns:
        raise InvalidInputError(
            f"entity rows need a {timestamp_column!r} column (the time to read features at)"
        )
    parts = []
    for start in range(0, len(entities), ENTITY_CHUNK):
        chunk = entities.iloc[start : start + ENTITY_CHUNK].reset_index(drop=True)
        parts.append(
            backend.historical_features(
                chunk, features=None, service=service, timestamp_column=timestamp_column
            )
        )
        if on_rows:
            on_rows(len(chunk))
    if not parts:
        raise InvalidInputError("no entity rows to predict for")
    return pd.concat(parts, ignore_index=True)
