"""Ray Data ``map_batches`` in local mode gives the same rows as local processes."""

from __future__ import annotations

from pathlib import Path

import pytest

import shipyard as sy
from predictions_support import make_world


def test_ray_local_mode_matches_local_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world(f"sqlite:///{tmp_path / 'shipyard.db'}", tmp_path, monkeypatch)
    fs = sy.FeatureStore()
    rows = fs.get_historical_features(world.entities, service=world.service)
    fs.close()
    rows.to_parquet(tmp_path / "rows.parquet")  # data= given whole: no feature retrieval
    uri = f"models:/{world.model}@champion"
    local = sy.predict_batch(uri, data=tmp_path / "rows.parquet", output="local", workers=2)
    ray_run = sy.predict_batch(
        uri, data=tmp_path / "rows.parquet", output="ray", executor="ray", workers=2,
        chunk_rows=16,
    )  # fmt: skip
    assert ray_run.rows == local.rows == 60
    key = ["region", "event_timestamp"]
    a = sy.predictions.latest("local").sort_values(key).reset_index(drop=True)
    b = sy.predictions.latest("ray").sort_values(key).reset_index(drop=True)
    assert a["prediction"].tolist() == b["prediction"].tolist()
    assert set(b["batch_run_id"]) == {ray_run.run_id}
    assert sy.Client().get_run(ray_run.run_id).params["executor"] == "ray"
