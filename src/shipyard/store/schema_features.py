"""Feature store tables: versioned definitions, ingested batches, materialization marks.

``feature_definitions`` holds one row per (kind, name, version); a changed spec is a new
version and ``deleted_at`` marks a definition removed by ``apply(delete=True)``.
``feature_ingestions`` holds one row per ingested batch: ``status`` is ``pending`` while
its Parquet files are written and ``committed`` once they are all in place, so readers
only ever see whole batches. ``feature_materializations`` remembers, per view and online
store, the event time and the last batch a materialization covered.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text, UniqueConstraint

from shipyard.store.schema import Id, metadata

feature_definitions = Table(
    "feature_definitions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("name", String(256), nullable=False),
    Column("version", Integer, nullable=False),
    Column("spec", Text, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("deleted_at", BigInteger, nullable=True),
    UniqueConstraint("kind", "name", "version", name="uq_feature_definitions_kind_name_version"),
)

feature_ingestions = Table(
    "feature_ingestions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("view_name", String(256), nullable=False),
    Column("view_version", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("rows", BigInteger, nullable=False),
    Column("min_ts", BigInteger, nullable=True),
    Column("max_ts", BigInteger, nullable=True),
    Column("files", Text, nullable=False),
    Column("stats", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_feature_ingestions_view", "view_name", "status", "id"),
)

feature_materializations = Table(
    "feature_materializations",
    metadata,
    Column("view_name", String(256), primary_key=True),
    Column("store", String(512), primary_key=True),
    Column("end_ts", BigInteger, nullable=False),
    Column("last_ingestion_id", BigInteger, nullable=False),
    Column("rows", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)
