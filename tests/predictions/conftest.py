"""Backends for the batch prediction tests: embedded SQLite and a live server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from predictions_support import World, make_world


@pytest.fixture(params=["local", "http"])
def tracking_uri(request: pytest.FixtureRequest, tmp_path: Path, live_server) -> str:
    url = f"sqlite:///{tmp_path / 'shipyard.db'}"
    return live_server(url).url if request.param == "http" else url


@pytest.fixture
def world(tracking_uri: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("SHIPYARD_TRACKING_URI", tracking_uri)
    yield make_world(tracking_uri, tmp_path, monkeypatch)
