"""Fixtures of the model tests: a private SHIPYARD_HOME, tracking URIs (embedded SQLite and
the same behind a live server), and small training sets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests_models_support import classification_frame, regression_frame


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("SHIPYARD_HOME", str(home))
    for name in ("SHIPYARD_TRACKING_URI", "SHIPYARD_MODE", "SHIPYARD_TOKEN",
                 "SHIPYARD_ALLOW_UNSAFE_MODELS", "SHIPYARD_PROJECT"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SHIPYARD_CAPTURE_PACKAGES", "0")
    return home


@pytest.fixture(params=["local", "http"])
def tracking_uri(
    request: pytest.FixtureRequest, sqlite_url: str, live_server: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> str:  # fmt: skip
    """Embedded SQLite, or the same behind a live server (``HttpBackend``); also set as
    SHIPYARD_TRACKING_URI so sy.start_run and sy.models.load use it."""
    uri = str(live_server(sqlite_url).url) if request.param == "http" else sqlite_url
    monkeypatch.setenv("SHIPYARD_TRACKING_URI", uri)
    return uri


@pytest.fixture
def clf_data() -> pd.DataFrame:
    return classification_frame()


@pytest.fixture
def reg_data() -> pd.DataFrame:
    return regression_frame()
