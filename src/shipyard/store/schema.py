"""The metadata schema (SQLAlchemy Core). Every change here needs an Alembic migration.

Times are integer milliseconds since the epoch. Metric points are stored in bulk: each
logged batch adds one ``metric_blocks`` row per metric key holding packed arrays of
steps, timestamps and values (see ``tracking/metric_codec.py``), keyed by the series id
from ``latest_metrics`` (one row per run and key, holding the latest value for search
and sorting). ``ingested_batches`` remembers the id of every batch a client sent, so a
re-sent batch (retry after a lost reply, ``shipyard sync``) is never stored twice. In
``latest_metrics`` NaN is stored as ``value = 0, is_nan = true`` because SQLite turns
NaN into NULL.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

# SQLite integer primary keys must be INTEGER (not BIGINT) to autoincrement.
Id = BigInteger().with_variant(Integer(), "sqlite")

projects = Table(
    "projects",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(256), nullable=False, unique=True),
    Column("description", Text, nullable=False, default=""),
    Column("created_at", BigInteger, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("project_id", Id, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(256), nullable=False),
    Column("status", String(16), nullable=False),
    Column("user", String(256), nullable=False, default=""),
    Column("parent_id", String(32), nullable=True),
    Column("start_time", BigInteger, nullable=False),
    Column("end_time", BigInteger, nullable=True),
    Column("config", Text, nullable=False, default="{}"),
    Column("summary", Text, nullable=False, default="{}"),
    Column("system", Text, nullable=False, default="{}"),
    Index("ix_runs_project_start", "project_id", "start_time"),
    Index("ix_runs_parent", "parent_id"),
)

params = Table(
    "params",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("value", String(6000), nullable=False),
    # Search starts from (key, value); covering run_id lets SQLite answer from the index.
    # PostgreSQL caps a btree entry at ~2.7 kB, too small for 6,000-character values, so
    # there an equality-only hash index on value serves the same lookups.
    Index("ix_params_key_value_run", "key", "value", "run_id").ddl_if(dialect="sqlite"),
    Index("ix_params_value_hash", "value", postgresql_using="hash").ddl_if(dialect="postgresql"),
)

tags = Table(
    "tags",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
)

latest_metrics = Table(
    "latest_metrics",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("run_id", String(32), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(250), nullable=False),
    Column("value", Float, nullable=False),
    Column("is_nan", Boolean, nullable=False, default=False),
    Column("step", BigInteger, nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    UniqueConstraint("run_id", "key", name="uq_latest_metrics_run_key"),
    Index("ix_latest_metrics_key_value", "key", "value"),
    # covers metric filters and sort joins, which probe by (run_id, key)
    Index("ix_latest_metrics_run_key_value", "run_id", "key", "is_nan", "value"),
)

metric_blocks = Table(
    "metric_blocks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "series_id",
        Id,
        ForeignKey("latest_metrics.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("n_points", Integer, nullable=False),
    Column("min_step", BigInteger, nullable=False),
    Column("max_step", BigInteger, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Index("ix_metric_blocks_series", "series_id", "id"),
)

ingested_batches = Table(
    "ingested_batches",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("batch_id", String(64), primary_key=True),
    Column("created_at", BigInteger, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(256), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("last_used_at", BigInteger, nullable=True),
    Column("revoked_at", BigInteger, nullable=True),
)


# -- artifacts (see shipyard/artifacts) ---------------------------------------------------
# An artifact is a name and a type; each version is a manifest (``artifact_files``) whose
# canonical SHA-256 is the version's ``digest``. ``artifact_usage`` holds the lineage edges
# (run --output--> version, version --input--> run); its run ids have no foreign key so the
# record survives when a run is deleted. Versions are never removed, only marked DELETED.

artifacts = Table(
    "artifacts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(256), nullable=False, unique=True),
    Column("type", String(64), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_artifacts_type", "type"),
)

artifact_versions = Table(
    "artifact_versions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("artifact_id", Id, ForeignKey("artifacts.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("metadata", Text, nullable=False, default="{}"),
    Column("producer_run_id", String(32), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("created_by", String(256), nullable=False, default=""),
    Column("file_count", Integer, nullable=False),
    Column("total_bytes", BigInteger, nullable=False),
    Column("state", String(16), nullable=False),
    UniqueConstraint("artifact_id", "version", name="uq_artifact_versions_artifact_version"),
    UniqueConstraint("artifact_id", "digest", name="uq_artifact_versions_artifact_digest"),
)

artifact_files = Table(
    "artifact_files",
    metadata,
    Column(
        "version_id",
        Id,
        ForeignKey("artifact_versions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("path", String(1024), primary_key=True),
    Column("digest", String(64), nullable=True),
    Column("size", BigInteger, nullable=False),
    Column("ref_uri", Text, nullable=True),
    Column("ref_etag", String(256), nullable=True),
    Index("ix_artifact_files_digest", "digest"),
)

artifact_aliases = Table(
    "artifact_aliases",
    metadata,
    Column("artifact_id", Id, ForeignKey("artifacts.id", ondelete="CASCADE"), primary_key=True),
    Column("alias", String(128), primary_key=True),
    Column(
        "version_id",
        Id,
        ForeignKey("artifact_versions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Index("ix_artifact_aliases_version", "version_id"),
)

alias_events = Table(
    "alias_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("artifact_id", Id, ForeignKey("artifacts.id", ondelete="CASCADE"), nullable=False),
    Column("alias", String(128), nullable=False),
    Column("from_version", Integer, nullable=True),
    Column("to_version", Integer, nullable=True),
    Column("user", String(256), nullable=False, default=""),
    Column("at", BigInteger, nullable=False),
    Index("ix_alias_events_artifact", "artifact_id", "id"),
)

artifact_usage = Table(
    "artifact_usage",
    metadata,
    Column("run_id", String(32), primary_key=True),
    Column(
        "version_id",
        Id,
        ForeignKey("artifact_versions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("direction", String(8), primary_key=True),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_artifact_usage_version", "version_id", "direction"),
)

# A lease keeps a blob out of garbage collection while a client uploads or commits a
# manifest that names it (S3 cannot refresh an object's mtime the way a local touch can).
blob_leases = Table(
    "blob_leases",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("leased_at", BigInteger, nullable=False),
    Index("ix_blob_leases_leased_at", "leased_at"),
)


def exists_on(obj: object, dialect_name: str) -> bool:
    """False for an index declared with ``ddl_if(dialect=...)`` for another database.

    Alembic's autogenerate does not read ``ddl_if``; its ``include_object`` hook uses this.
    """
    ddl_if = getattr(obj, "_ddl_if", None)
    dialect = getattr(ddl_if, "dialect", None)
    if dialect is None:
        return True
    return dialect_name == dialect if isinstance(dialect, str) else dialect_name in dialect


# Domain tables kept in their own modules, registered on the same ``metadata``.
from shipyard.store import schema_features as _schema_features  # noqa: E402, F401
from shipyard.store import schema_media as _schema_media  # noqa: E402, F401
from shipyard.store import schema_pipelines as _schema_pipelines  # noqa: E402, F401

# The model registry's tables live in their own module on the same ``metadata``.
from shipyard.store import schema_registry  # noqa: E402, F401

# Reports' tables live in their own module on the same ``metadata``.
from shipyard.store import schema_reports as _schema_reports  # noqa: E402, F401
