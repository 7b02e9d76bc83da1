"""``shipyard quickstart``: the batch architecture end to end, twice in one home, and
what a user does next in that home: the scheduler fires the registered schedules, the
CLI runs the pipelines again, the online store serves the next day's features."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd

import shipyard as sy
from quickstart_support import QuickstartHome, copy_home, shipyard


def test_quickstart_runs_the_batch_architecture_and_is_safe_twice(
    quickstart_home: QuickstartHome, tmp_path: Path
) -> None:
    home = copy_home(quickstart_home, tmp_path / "home")
    first, uri = home.stdout, home.uri
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

    second = shipyard(home.path, "quickstart").stdout
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


def _backdate_schedules(home: QuickstartHome, hours: int) -> None:
    """As if the quickstart had added its schedules ``hours`` ago: slots since are due
    (the store keeps when a schedule became active; only slots after it fire)."""
    with sqlite3.connect(home.path / "shipyard.db") as conn:
        conn.execute("UPDATE schedules SET active_since = active_since - ?", (hours * 3_600_000,))


def test_the_scheduler_runs_the_due_slot_of_each_schedule(
    quickstart_home: QuickstartHome, tmp_path: Path
) -> None:
    home = copy_home(quickstart_home, tmp_path / "home")
    _backdate_schedules(home, 2)
    out = shipyard(home.path, "scheduler", "--once").stdout
    client = sy.Client(home.uri)
    for name in ("energy-training-hourly", "energy-forecast-hourly"):
        slots = client.backend.list_schedule_slots(name)
        fired = [s for s in slots if s.status == "SUCCEEDED"]
        assert len(fired) == 1 and f"{name}  SUCCEEDED" in out, out  # catch-up: latest
        assert {s.status for s in slots} == {"SUCCEEDED", "MISSED"}
        run = client.get_pipeline_run(fired[0].pipeline_run_id or "")
        assert run.status == "SUCCEEDED" and run.trigger == "schedule"
        assert {s.name for s in run.steps if s.status == "CACHED"} >= (
            {"build_features", "train_boosting", "register_best"}
            if run.pipeline == "energy_training"
            else {"forecast_rows", "forecast"}
        )
    again = shipyard(home.path, "scheduler", "--once").stdout
    assert "SUCCEEDED" not in again  # a slot fires once
    assert len(client.list_artifact_versions("energy-forecast")) == 1
    assert [v.version for v in client.list_model_versions("energy-demand")] == [1]


def test_the_pipelines_run_again_from_the_cli(
    quickstart_home: QuickstartHome, tmp_path: Path
) -> None:
    home = copy_home(quickstart_home, tmp_path / "home")
    target = "shipyard.examples.energy.pipelines:energy_forecast"
    out = shipyard(home.path, "pipelines", "run", target).stdout
    assert "forecast cached" in out and "SUCCEEDED" in out
    client = sy.Client(home.uri)
    [newest, _] = client.list_pipeline_runs("energy_forecast")
    steps = {s.name: s.status for s in client.get_pipeline_run(newest.id).steps}
    # the moving inputs (raw:latest, @champion) are read again, the forecast is reused
    assert steps == {"load_raw": "SUCCEEDED", "resolve_model": "SUCCEEDED",
                     "forecast_rows": "CACHED", "forecast": "CACHED"}  # fmt: skip
    other = shipyard(home.path, "pipelines", "run", target, "--param", "raw=elecdemand-raw:v1")
    assert "forecast cached" in other.stdout
    assert len(client.list_artifact_versions("energy-forecast")) == 1


def _expected_lags(half_hour: int) -> dict[str, float]:
    from shipyard.examples.energy import load_elecdemand

    raw = load_elecdemand().set_index("timestamp")
    target = pd.Timestamp("2015-01-01") + pd.Timedelta(minutes=30 * half_hour)
    return {
        "demand_lag_1d": raw.loc[target - pd.Timedelta(days=1), "demand"],
        "demand_lag_1w": raw.loc[target - pd.Timedelta(days=7), "demand"],
        "temperature_lag_1d": raw.loc[target - pd.Timedelta(days=1), "temperature"],
    }


def test_the_online_store_serves_the_next_day_after_the_quickstart(
    quickstart_home: QuickstartHome, tmp_path: Path, live_server: Any
) -> None:
    home = copy_home(quickstart_home, tmp_path / "home")
    rows = [{"region": "VIC", "half_hour": 10}, {"region": "VIC", "half_hour": 37}]
    expected = {h: _expected_lags(h) for h in (10, 37)}
    server = live_server(home.uri)
    for uri in (home.uri, server.url):  # embedded, and through the REST API
        found = sy.FeatureStore(uri).get_online_features(rows, service="day_ahead")
        for i, row in enumerate(rows):
            for feature, value in expected[row["half_hour"]].items():
                assert found[feature][i] == value, (uri, feature)
        assert found["day_of_week"] == [3, 3] and found["workday"] == [1, 1]  # a Thursday
    out = shipyard(home.path, "features", "get", "--service", "day_ahead",
                   "--entity", "region=VIC,half_hour=10", "--json").stdout  # fmt: skip
    assert json.loads(out)["demand_lag_1d"] == [expected[10]["demand_lag_1d"]]
