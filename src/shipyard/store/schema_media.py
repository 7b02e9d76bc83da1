"""Media items logged by runs: one row per (run, key, step, index) pointing at a blob.

The bytes live in the content-addressed blob store; ``meta`` holds what the UI needs to
show an item without fetching it (caption, size, columns, extra parts such as a mask).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text

from shipyard.store.schema import Id, metadata

media_items = Table(
    "media_items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("run_id", String(32), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(250), nullable=False),
    Column("step", BigInteger, nullable=False),
    Column("idx", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("mime", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("meta", Text, nullable=False, default="{}"),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_media_items_run_key_step", "run_id", "key", "step", "idx", unique=True),
    Index("ix_media_items_digest", "digest"),
)
