"""Alembic environment: runs migrations on the connection Shipyard hands over."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine

from shipyard.store.schema import exists_on, metadata

config = context.config


def include_object(obj: Any, name: Any, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Skip indexes meant for another database (``ddl_if``) when autogenerating."""
    return reflected or exists_on(obj, context.get_context().dialect.name)


connection = config.attributes.get("connection")

if connection is None:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("Run migrations through `shipyard db upgrade`.")
    with create_engine(url).begin() as conn:
        context.configure(
            connection=conn,
            target_metadata=metadata,
            render_as_batch=True,
            include_object=include_object,
        )
        context.run_migrations()
else:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        include_object=include_object,
    )
    context.run_migrations()
