"""Materialization: copy the latest offline value per entity into the online store.

Incremental: per (view, online store) the event time and the last batch covered are
remembered. The next run reads rows with ``event time <= end`` that are either newer
than the previous end or from batches ingested since (late data is not lost), keeps
the latest per entity, and writes it (the store keeps a newer value if it has one).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import duckdb
from sqlalchemy import select

from shipyard.core.errors import StoreError
from shipyard.core.timeutil import now_ms
from shipyard.features.online import OnlineRow
from shipyard.features.pit import connect, quote
from shipyard.features.records import MaterializationRecord
from shipyard.store.db import read_connection, write_transaction
from shipyard.store.schema_features import feature_materializations as mat

if TYPE_CHECKING:
    from shipyard.features.service import FeatureStoreService, Progress

__all__ = ["materialization_state", "materialize"]

BATCH_ROWS = 50_000


def materialization_state(service: FeatureStoreService, view: str) -> MaterializationRecord | None:
    """The view's materialization mark in the service's online store (None: never)."""
    with read_connection(service.engine) as conn:
        row = conn.execute(
            select(mat).where(mat.c.view_name == view, mat.c.store == service.online.uri)
        ).first()
    if row is None:
        return None
    return MaterializationRecord(
        row.view_name, row.store, row.end_ts, row.last_ingestion_id, row.rows, row.updated_at
    )


def _save(service: FeatureStoreService, record: MaterializationRecord) -> None:
    with write_transaction(service.engine) as conn:
        conn.execute(
            mat.delete().where(mat.c.view_name == record.view_name, mat.c.store == record.store)
        )
        conn.execute(mat.insert().values(**record.__dict__))


def _date_of(path: str) -> str:
    part = [p for p in path.split("/") if p.startswith("date=")]
    return part[-1][5:] if part else ""


def _rows(
    service: FeatureStoreService, spec: dict[str, Any], files: list[str], where: str
) -> Iterator[list[OnlineRow]]:
    """The latest row per entity key, encoded by DuckDB: key JSON, µs, values JSON."""
    keys = spec["join_keys"]
    feats = [f["name"] for f in spec["schema"]]
    key_list = ", ".join(quote(k) for k in keys)
    values = ", ".join(f"{_literal(f)}: {quote(f)}" for f in feats)
    file_list = ", ".join(_literal(f) for f in files)
    sql = (
        f"SELECT json_array({key_list})::VARCHAR AS k, epoch_us(__ts) AS us, "
        f"to_json({{{values}}}) AS v FROM read_parquet([{file_list}], union_by_name = true) "
        f"WHERE {where} QUALIFY row_number() OVER (PARTITION BY {key_list} "
        f"ORDER BY __ts DESC, __created_ts DESC, __ingestion_id DESC, __seq DESC) = 1 "
        "ORDER BY k"  # in key order, B-tree stores append instead of splitting pages
    )
    con = connect(temp_directory=str(service.offline.root / ".tmp"))
    try:
        try:
            reader = con.sql(sql).to_arrow_reader(BATCH_ROWS)
        except duckdb.IOException as exc:
            raise StoreError(f"Cannot read the offline feature store: {exc}") from exc
        for batch in reader:
            k, us, v = (batch.column(i).to_pylist() for i in range(3))
            yield list(zip(k, us, (x.encode() for x in v), strict=True))
    finally:
        con.close()


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _materialize_view(
    service: FeatureStoreService, view: str, end_ms: int, progress: Progress | None
) -> MaterializationRecord:
    spec = service.view(view).spec
    state = materialization_state(service, view)
    files = service.files(view)
    last_id = max((i for i, _p in files), default=0)
    prev_end, prev_id = (state.end_ts, state.last_ingestion_id) if state else (None, 0)
    where = f"__ts <= make_timestamp({end_ms * 1000})::TIMESTAMPTZ"
    if prev_end is not None:
        start_day = datetime.fromtimestamp(prev_end / 1000, tz=UTC).strftime("%Y-%m-%d")
        files = [(i, p) for i, p in files if i > prev_id or _date_of(p) >= start_day]
        since = f"make_timestamp({prev_end * 1000})::TIMESTAMPTZ"
        where += f" AND (__ts > {since} OR __ingestion_id > {prev_id})"
    written = 0
    if files:
        for rows in _rows(service, spec, [p for _i, p in files], where):
            service.online.write(view, rows)
            written += len(rows)
            if progress is not None:
                progress(view, written, 0)
    record = MaterializationRecord(view, service.online.uri, end_ms, last_id, written, now_ms())
    _save(service, record)
    return record


def materialize(
    service: FeatureStoreService,
    end_ms: int,
    views: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> list[MaterializationRecord]:
    """Materialize ``views`` (default: every view) up to ``end_ms``."""
    names = list(views) if views else [r.name for r in service.list_definitions("view")]
    return [_materialize_view(service, name, end_ms, progress) for name in names]
