"""Store layer: the SQLAlchemy schema, Alembic migrations and engine setup."""

from shipyard.store.db import create_store_engine, upgrade_database
from shipyard.store.schema import metadata

__all__ = ["create_store_engine", "metadata", "upgrade_database"]
