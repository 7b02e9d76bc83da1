"""Offline runs log locally; ``sync`` uploads them once, however often it runs."""

from __future__ import annotations

from pathlib import Path

import pytest

import shipyard as sy
from shipyard.client.factory import backend_for, offline_backend
from shipyard.client.local import LocalBackend
from shipyard.client.sync import pending_runs, sync_run


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SHIPYARD_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SHIPYARD_TRACKING_URI", raising=False)
    monkeypatch.delenv("SHIPYARD_MODE", raising=False)
    return tmp_path / "home"


def _sync_all(target_uri: str) -> int:
    source = offline_backend()
    assert isinstance(source, LocalBackend)
    target = backend_for(target_uri)
    return sum(sync_run(source, target, r).points for r in pending_runs(source))


@pytest.mark.parametrize("via", ["sqlite", "http"])
def test_offline_run_syncs_without_duplicates(
    home: Path, tmp_path: Path, live_server, via: str
) -> None:
    with sy.start_run(project="offline-p", config={"lr": 0.1}, offline=True) as run:
        for step in range(2500):
            run.log({"loss": 1.0 / (step + 1), "acc": step / 2500}, step=step)
        run.summary["best"] = 0.99
    target_db = f"sqlite:///{tmp_path / 'target.db'}"
    target = live_server(target_db).url if via == "http" else target_db
    client = sy.Client(target)
    assert list(client.list_projects()) == []  # nothing went to the target yet

    assert _sync_all(target) == 5000
    got = client.get_run(run.id)
    assert got.status == "FINISHED" and got.params == {"lr": "0.1"}
    assert got.summary["best"] == 0.99
    assert len(client.get_metric_history(run.id, "loss")) == 2500

    assert _sync_all(target) == 0  # finished and synced: skipped
    assert len(client.get_metric_history(run.id, "loss")) == 2500


def test_interrupted_sync_resent_stores_points_once(home: Path, tmp_path: Path) -> None:
    with sy.start_run(project="p", offline=True) as run:
        for step in range(100):
            run.log({"x": float(step)}, step=step)
    source = offline_backend()
    assert isinstance(source, LocalBackend)
    target = backend_for(f"sqlite:///{tmp_path / 't.db'}")
    record = pending_runs(source)[0]
    sync_run(source, target, record)
    # as if the first sync died before it could mark the run as synced
    sync_run(source, target, record)
    assert len(target.get_metric_history(run.id, "x")) == 100


def test_offline_mode_from_environment(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHIPYARD_MODE", "offline")
    with sy.start_run(project="p") as run:
        run.log({"x": 1.0})
    assert (home / "offline.db").exists()
    assert [r.id for r in pending_runs(offline_backend())] == [run.id]  # type: ignore[arg-type]
