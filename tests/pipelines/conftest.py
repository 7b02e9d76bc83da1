"""Fixtures of the pipeline tests: an isolated SHIPYARD_HOME, step counters, and the
four backends (SQLite and PostgreSQL, each embedded and behind a real server), each
test on a fresh database because pipeline names and cache keys are global."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests_support import fresh_postgres_database

BACKENDS = ["local-sqlite", "local-postgres", "http-sqlite", "http-postgres"]


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("SHIPYARD_HOME", str(home))
    for name in (
        "SHIPYARD_TRACKING_URI",
        "SHIPYARD_MODE",
        "SHIPYARD_TOKEN",
        "SHIPYARD_ARTIFACTS_URI",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SHIPYARD_CAPTURE_PACKAGES", "0")
    return home


@pytest.fixture
def counts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], int]:
    """``counts("load_raw")``: how many times that fixture step really executed."""
    folder = tmp_path / "counts"
    folder.mkdir()
    monkeypatch.setenv("SHIPYARD_TEST_COUNTS", str(folder))

    def count(name: str) -> int:
        path = folder / f"{name}.txt"
        return len(path.read_text()) if path.exists() else 0

    return count


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shipyard.db'}"
        return
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(params=BACKENDS)
def tracking_uri(request: pytest.FixtureRequest, tmp_path: Path, live_server) -> Iterator[str]:
    kind, db = request.param.split("-")
    if db == "sqlite":
        url = f"sqlite:///{tmp_path / 'shipyard.db'}"
        yield live_server(url).url if kind == "http" else url
        return
    with fresh_postgres_database() as url:
        yield live_server(url).url if kind == "http" else url
