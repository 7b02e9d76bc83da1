"""Alembic environment: runs migrations on the connection Shipyard hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from shipyard.store.schema import metadata

config = context.config
connection = config.attributes.get("connection")

if connection is None:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("Run migrations through `shipyard db upgrade`.")
    with create_engine(url).begin() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    context.run_migrations()
