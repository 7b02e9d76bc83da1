"""``shipyard quickstart``: the batch architecture end to end, twice in one home."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import shipyard as sy


def _quickstart(home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHIPYARD_HOME": str(home), "COLUMNS": "160"}
    env.pop("SHIPYARD_TRACKING_URI", None)
    proc = subprocess.run(
        [sys.executable, "-m", "shipyard.cli.main", "quickstart"],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def test_quickstart_runs_the_batch_architecture_and_is_safe_twice(tmp_path: Path) -> None:
    first = _quickstart(tmp_path).stdout
    uri = f"sqlite:///{tmp_path / 'shipyard.db'}"
    client = sy.Client(uri)
    for text in ("elecdemand-raw:v1 (new)", "service day_ahead v1", "energy-forecast:v1",
                 "models:/energy-demand@champion → v1", "shipyard ui", "shipyard scheduler",
                 "energy-training-hourly", "0 * * * *", "candidate"):  # fmt: skip
        assert text in first, text
    assert "cached" not in first

    training = client.list_pipeline_runs("energy_training")
    assert [r.status for r in training] == ["SUCCEEDED"] and training[0].id in first
    candidates = client.search_runs("energy", filter="tags.candidate = 'boosting'")
    assert len(candidates) == 1 and candidates[0].metrics["val/mae"] < 0.5
    assert len(client.get_metric_history(candidates[0].id, "val/mae")) >= 100
    assert (
        candidates[0]
        .params["data.energy_training.training_set"]
        .startswith("energy_training.training_set:v")
    )
    [version] = client.list_model_versions("energy-demand")
    assert version.aliases == ["champion"]
    rows = sy.predictions.latest("energy-forecast", tracking_uri=uri)
    assert len(rows) == 48 and set(rows["model_version"]) == {version.version}
    assert rows["event_timestamp"].min() == rows["event_timestamp"].min().normalize()
    trace = sy.predictions.trace(rows.iloc[0], "energy-forecast", tracking_uri=uri)
    assert "elecdemand-raw:v1" in [a["ref"] for a in trace["artifacts"]]
    schedules = {s.name: s for s in client.list_schedules()}
    assert schedules["energy-training-hourly"].cron == "0 * * * *"
    assert schedules["energy-forecast-hourly"].pipeline == "energy_forecast"

    second = _quickstart(tmp_path).stdout
    assert "elecdemand-raw:v1 (unchanged, reused)" in second
    assert "train_boosting cached" in second and "register_best cached" in second
    assert "promotion step cached" in second and "registered by an earlier run" in second
    runs = client.list_pipeline_runs("energy_training")
    assert len(runs) == 2
    newest = client.get_pipeline_run(runs[0].id)
    cached = {s.name for s in newest.steps if s.status == "CACHED"}
    assert {"build_features", "train_boosting", "register_best", "promote_if_better"} <= cached
    assert [v.version for v in client.list_model_versions("energy-demand")] == [version.version]
    moves = [e for e in client.model_history("energy-demand") if e.alias == "champion"]
    assert len(moves) == 1  # promoted once, not again by the second run
    assert len(client.list_artifact_versions("elecdemand-raw")) == 1
    assert len(client.list_artifact_versions("energy-forecast")) == 1
    assert len(client.list_schedules()) == 2
