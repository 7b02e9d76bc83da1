"""Small SQL helpers shared by the pipeline and schedule services."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from shipyard.core.errors import InvalidPipelineError, StoreError

MAX_JSON_CHARS = 1_000_000


def dumps(value: Any, what: str) -> str:
    """JSON text for a column; a clear error when ``value`` is not JSON."""
    try:
        text = json.dumps(value, sort_keys=True, allow_nan=True)
    except (TypeError, ValueError) as exc:
        raise InvalidPipelineError(f"{what} must be JSON-serialisable: {exc}") from exc
    if len(text) > MAX_JSON_CHARS:
        raise InvalidPipelineError(f"{what} is {len(text)} characters of JSON (limit 1,000,000)")
    return text


def loads(text: str | None, default: Any) -> Any:
    return default if not text else json.loads(text)


def insert_ignore(conn: Connection, table: Table, row: dict[str, Any]) -> Any:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: the new id, or None on conflict."""
    name = conn.dialect.name
    if name == "postgresql":
        stmt: Any = postgresql.insert(table)
    elif name == "sqlite":
        stmt = sqlite.insert(table)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise StoreError(f"Pipelines do not support the {name!r} database")
    stmt = stmt.values(row).on_conflict_do_nothing().returning(table.c.id)
    return conn.execute(stmt).scalar()
