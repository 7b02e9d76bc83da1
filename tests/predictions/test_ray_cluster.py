"""``shipyard predict --executor ray --ray-address`` scores with Ray Data on a running
cluster (a head node in another process, 2 CPUs: one scoring actor and one for the
read tasks) and commits the same rows as local processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import shipyard as sy
from predictions_support import make_world
from ray_support import ray_env, ray_head


def test_predict_on_a_ray_cluster_by_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, live_server
) -> None:
    server = live_server(f"sqlite:///{tmp_path / 'shipyard.db'}")
    world = make_world(server.url, tmp_path, monkeypatch)
    world.entities.to_parquet(tmp_path / "entities.parquet")
    uri = f"models:/{world.model}@champion"
    sy.predict_batch(uri, features=world.service, entities=world.entities,
                             output="local", workers=1)  # fmt: skip
    code = "from shipyard.cli.main import app; app()"
    args = [
        "predict", uri, "--features", world.service, "--entities",
        str(tmp_path / "entities.parquet"), "--output", "cluster", "--executor", "ray",
        "--workers", "1", "--chunk-rows", "16", "--tracking-uri", server.url,
    ]  # fmt: skip
    with ray_head() as address:
        done = subprocess.run(
            [sys.executable, "-c", code, *args, "--ray-address", address],
            env=ray_env(), capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    key = ["region", "event_timestamp"]
    a = sy.predictions.latest("local").sort_values(key).reset_index(drop=True)
    b = sy.predictions.latest("cluster").sort_values(key).reset_index(drop=True)
    assert len(b) == 60 and a["prediction"].tolist() == b["prediction"].tolist()
    [run] = sy.Client().search_runs("batch-predictions", filter="params.output = 'cluster'")
    assert run.params["executor"] == "ray"
