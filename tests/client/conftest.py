"""The tracking URIs the contract suite runs against: SQLite and PostgreSQL, each
embedded (LocalBackend) and behind a real ``shipyard`` server (HttpBackend)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests_support import fresh_postgres_database

BACKENDS = ["local-sqlite", "local-postgres", "http-sqlite", "http-postgres"]


@pytest.fixture(scope="session")
def session_postgres_url() -> Iterator[str]:
    """One PostgreSQL database for the whole session; tests use unique project names."""
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(params=BACKENDS)
def tracking_uri(
    request: pytest.FixtureRequest, tmp_path: Path, live_server, session_postgres_url: str
) -> str:
    kind, db = request.param.split("-")
    url = session_postgres_url if db == "postgres" else f"sqlite:///{tmp_path / 'shipyard.db'}"
    if kind == "http":
        return live_server(url).url
    return url


@pytest.fixture
def project() -> str:
    """A project name no other test uses (the PostgreSQL database is shared)."""
    return f"p-{uuid.uuid4().hex[:10]}"
