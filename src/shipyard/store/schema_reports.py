"""Report tables (see ``shipyard/reports``), on the one ``metadata``.

A report belongs to a project and has numbered versions; each save stores the report's
JSON spec (its blocks and run sets) and, for a snapshot, the data its panels showed
(``data``), so a frozen version reads the same later. Share tokens are stored as the
SHA-256 of their secret; revoking one sets ``revoked_at``.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text

from shipyard.store.schema import Id, metadata

__all__ = ["report_share_tokens", "report_versions", "reports"]

reports = Table(
    "reports",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("project_id", Id, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(500), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("latest_version", Integer, nullable=False, default=0),
    Column("created_by", String(256), nullable=False, default=""),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index("ix_reports_project_id", "project_id"),
)

report_versions = Table(
    "report_versions",
    metadata,
    Column("report_id", String(32), ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("spec", Text, nullable=False),
    Column("data", Text, nullable=True),
    Column("created_by", String(256), nullable=False, default=""),
    Column("created_at", BigInteger, nullable=False),
)

report_share_tokens = Table(
    "report_share_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("report_id", String(32), ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
    Column("secret_sha256", String(64), nullable=False, unique=True),
    Column("created_by", String(256), nullable=False, default=""),
    Column("created_at", BigInteger, nullable=False),
    Column("revoked_at", BigInteger, nullable=True),
    Index("ix_report_share_tokens_report_id", "report_id"),
)
