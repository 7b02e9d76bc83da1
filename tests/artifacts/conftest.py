"""Fixtures: an artifact service (and a tracking service for runs) on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from shipyard.artifacts import ArtifactService
from shipyard.store.db import create_store_engine
from shipyard.tracking.service import TrackingService
from tests_support import fresh_postgres_database


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        eng = create_store_engine(f"sqlite:///{tmp_path / 'artifacts.db'}")
        yield eng
        eng.dispose()
        return
    with fresh_postgres_database() as url:
        eng = create_store_engine(url)
        yield eng
        eng.dispose()


@pytest.fixture
def svc(engine: Engine) -> ArtifactService:
    return ArtifactService(engine)


@pytest.fixture
def tracking(engine: Engine) -> TrackingService:
    return TrackingService(engine)


@pytest.fixture
def new_run(tracking: TrackingService) -> Callable[..., str]:
    """``new_run(name)`` → the id of a new run in project ``lineage``."""

    def make(name: str = "run") -> str:
        return tracking.create_run("lineage", name=name).id

    return make
