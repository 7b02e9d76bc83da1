"""``shipyard quickstart``: the main job logs real runs and says how to see them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import shipyard as sy


def test_quickstart_logs_a_sweep_and_prints_the_next_steps(tmp_path: Path) -> None:
    env = {**os.environ, "SHIPYARD_HOME": str(tmp_path), "COLUMNS": "160"}
    env.pop("SHIPYARD_TRACKING_URI", None)
    proc = subprocess.run(
        [sys.executable, "-m", "shipyard.cli.main", "quickstart"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "shipyard runs list --project quickstart" in proc.stdout
    client = sy.Client(f"sqlite:///{tmp_path / 'shipyard.db'}")
    runs = client.search_runs("quickstart", order_by=["metrics.`val/auc` DESC"])
    parent = [r for r in runs if r.name == "sweep"]
    children = [r for r in runs if r.parent_id is not None]
    assert len(parent) == 1 and len(children) == 4
    best = children[0]
    assert 0.9 < best.metrics["val/auc"] <= 1.0
    assert best.id[:8] in proc.stdout  # the leaderboard shows the best run first
    assert len(client.get_metric_history(best.id, "val/auc")) >= 25
    assert all(r.status == "FINISHED" for r in runs)
    assert best.system["packages"]["scikit-learn"]
