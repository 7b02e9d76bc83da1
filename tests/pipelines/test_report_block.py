"""A report's pipeline-run summary block over a real pipeline run (embedded and HTTP)."""

from __future__ import annotations

import pytest

import shipyard as sy
from pipelines import pipeline_fixtures as fx


@pytest.mark.parametrize("kind", ["local", "http"])
def test_pipeline_run_summary_block(kind: str, sqlite_url: str, live_server: object) -> None:
    uri = live_server(sqlite_url).url if kind == "http" else sqlite_url  # type: ignore[operator]
    run = fx.training.run(lr=0.5, rows=6, tracking_uri=uri)
    r = sy.Report(project="pipes", title="pipeline", tracking_uri=uri)
    r.pipeline_run("training")  # the latest run
    r.pipeline_run("training", run_id=run.id, title="that run")
    r.pipeline_run("no-such-pipeline")
    r.save()
    blocks = sy.Client(uri).backend.report_data(str(r.id))["blocks"]
    latest, pinned, missing = blocks
    assert latest["kind"] == "pipeline" and latest["run"]["id"] == run.id
    assert latest["run"]["params"]["lr"] == 0.5 and pinned["title"] == "that run"
    names = [s["name"] for s in latest["steps"]]
    assert sorted(names) == ["features", "load_raw", "stats", "train"]
    assert {s["status"] for s in latest["steps"]} == {"SUCCEEDED"}
    assert all(s["outputs"].startswith("training.") for s in latest["steps"])
    assert len(latest["figure"]["data"][0]["y"]) == 4
    assert missing["kind"] == "error" and missing["error_code"] == "PIPELINE_NOT_FOUND"
