"""Every schema change is a migration: a migrated database matches ``store/schema.py``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from shipyard.store.db import create_store_engine, current_revision, head_revision
from shipyard.store.schema import exists_on, metadata
from tests_support import fresh_postgres_database


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        eng = create_store_engine(f"sqlite:///{tmp_path / 'm.db'}")
        yield eng
        eng.dispose()
        return
    with fresh_postgres_database() as url:
        eng = create_store_engine(url)
        yield eng
        eng.dispose()


def test_migrated_database_matches_the_schema(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        dialect = conn.dialect.name
        context = MigrationContext.configure(
            conn,
            opts={"include_object": lambda obj, *_: exists_on(obj, dialect)},
        )
        diffs = compare_metadata(context, metadata)
    assert diffs == []


def test_dialect_specific_param_index(engine: Engine) -> None:
    names = {ix["name"] for ix in inspect(engine).get_indexes("params")}
    expected = (
        "ix_params_value_hash"
        if engine.dialect.name == "postgresql"
        else ("ix_params_key_value_run")
    )
    assert expected in names
