"""``shipyard predict`` / ``shipyard predictions`` and ``/api/v1/predictions`` over a
live server."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from predictions_support import make_world
from shipyard.cli.main import app


def test_cli_predicts_and_rest_serves_the_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, live_server
) -> None:
    server = live_server(f"sqlite:///{tmp_path / 'shipyard.db'}")
    world = make_world(server.url, tmp_path, monkeypatch)
    world.entities.to_csv(tmp_path / "entities.csv", index=False)
    runner = CliRunner()
    args = [
        "predict", f"models:/{world.model}@champion", "--features", world.service,
        "--entities", str(tmp_path / "entities.csv"), "--output", "pred", "--workers", "1",
    ]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "pred:v1" in result.output and "60" in result.output
    query = f"SELECT * FROM '{tmp_path / 'entities.csv'}' WHERE region = 'north'"
    result = runner.invoke(app, [*args[:4], "--entities", query, "--output", "pred"])
    assert result.exit_code == 0, result.output

    api = f"{server.url}/api/v1/predictions/pred"
    runs = httpx.get(api).json()["items"]
    assert [r["version"] for r in runs] == [1, 2] and runs[1]["rows"] == 30
    page = httpx.get(f"{api}/latest", params={"limit": 5, "date": "2026-11-03"}).json()
    assert page["version"] == 2 and page["total"] < 30 and len(page["items"]) == 5
    assert {r["region"] for r in page["items"]} == {"north"}
    assert page["items"][0]["model_name"] == world.model
    assert httpx.get(f"{server.url}/api/v1/predictions/nope/latest").status_code == 404

    shown = runner.invoke(app, ["predictions", "list", "--output", "pred", "--json"])
    assert shown.exit_code == 0 and '"pred:v2"' in shown.output
    traced = runner.invoke(app, ["predictions", "trace", "--output", "pred", "--json"])
    assert traced.exit_code == 0, traced.output
    assert world.raw_ref in traced.output
    bad = runner.invoke(app, [*args[:4], "--entities", "missing.parquet"])
    assert bad.exit_code != 0 and "missing.parquet" in bad.output
