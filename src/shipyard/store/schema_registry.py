"""Model registry tables (see ``shipyard/registry``), on the one ``metadata``.

A registered model has numbered versions; each version points at one model artifact
version (``artifact_ref`` ``name:vN`` plus ``artifact_version_id``; no foreign key, so the
registry stays decoupled from the artifact tables, whose versions are never removed) and
its source run. Deleted versions stay as rows with status ``DELETED`` so a number is never
reused. ``model_audit_events`` keys events by model *name* without a foreign key: the
history of a model survives its deletion. Webhook deliveries are recorded per attempt
series, never failing the registry call that caused them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from shipyard.store.schema import Id, metadata

__all__ = [
    "model_aliases",
    "model_audit_events",
    "model_version_tags",
    "model_versions",
    "model_webhooks",
    "registered_model_tags",
    "registered_models",
    "webhook_deliveries",
]

registered_models = Table(
    "registered_models",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(256), nullable=False, unique=True),
    Column("description", Text, nullable=False, default=""),
    Column("model_card", Text, nullable=False, default=""),
    Column("created_by", String(256), nullable=False, default=""),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

registered_model_tags = Table(
    "registered_model_tags",
    metadata,
    Column(
        "model_id", Id, ForeignKey("registered_models.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
)

model_versions = Table(
    "model_versions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("model_id", Id, ForeignKey("registered_models.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("artifact_ref", String(600), nullable=False),
    Column("artifact_version_id", BigInteger, nullable=False),
    Column("run_id", String(32), nullable=True),
    Column("description", Text, nullable=False, default=""),
    Column("stage", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_by", String(256), nullable=False, default=""),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("model_id", "version", name="uq_model_versions_model_version"),
    Index("ix_model_versions_run", "run_id"),
    Index("ix_model_versions_artifact_version", "artifact_version_id"),
)

model_version_tags = Table(
    "model_version_tags",
    metadata,
    Column("version_id", Id, ForeignKey("model_versions.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
)

model_aliases = Table(
    "model_aliases",
    metadata,
    Column(
        "model_id", Id, ForeignKey("registered_models.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("alias", String(128), primary_key=True),
    Column("version_id", Id, ForeignKey("model_versions.id", ondelete="CASCADE"), nullable=False),
    Index("ix_model_aliases_version", "version_id"),
)

model_audit_events = Table(
    "model_audit_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("model_name", String(256), nullable=False),
    Column("version", Integer, nullable=True),
    Column("kind", String(64), nullable=False),
    Column("alias", String(128), nullable=True),
    Column("from_value", String(256), nullable=True),
    Column("to_value", String(256), nullable=True),
    Column("user", String(256), nullable=False, default=""),
    Column("comment", Text, nullable=False, default=""),
    Column("details", Text, nullable=False, default="{}"),
    Column("at", BigInteger, nullable=False),
    Index("ix_model_audit_events_model", "model_name", "id"),
)

model_webhooks = Table(
    "model_webhooks",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("model_id", Id, ForeignKey("registered_models.id", ondelete="CASCADE"), nullable=False),
    Column("url", Text, nullable=False),
    Column("events", Text, nullable=False),
    Column("secret", String(256), nullable=False),
    Column("allow_private", Boolean, nullable=False, default=False),
    Column("description", Text, nullable=False, default=""),
    Column("created_by", String(256), nullable=False, default=""),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_model_webhooks_model", "model_id"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("webhook_id", String(32), nullable=False),
    Column("event_id", BigInteger, nullable=False),
    Column("kind", String(64), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("error", Text, nullable=False, default=""),
    Column("at", BigInteger, nullable=False),
    Index("ix_webhook_deliveries_webhook", "webhook_id", "id"),
)
