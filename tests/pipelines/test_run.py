"""Running pipelines end to end: tracked runs, artifacts, lineage, cache, resume, retries,
timeouts, parallel steps and captured logs, on every backend where it is backend-agnostic."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines import pipeline_fixtures as fx
from shipyard.client import backend_for
from shipyard.client.pipelines import resume, step_logs
from shipyard.core.errors import InvalidPipelineError, PipelineFailedError


def _statuses(run) -> dict[str, str]:
    return {s.name: s.status for s in run.record.steps}


def test_run_tracks_steps_outputs_and_lineage_then_caches(
    tracking_uri: str, counts: Callable[[str], int]
) -> None:
    first = fx.training.run(lr=0.5, rows=6, tracking_uri=tracking_uri)
    assert _statuses(first) == dict.fromkeys(
        ["load_raw", "stats", "features", "train"], "SUCCEEDED"
    )
    assert first.output() == {"lr": 0.5, "rows": 6, "weight": 2 * sum(range(6)) * 0.5}
    assert first.output("stats").tolist() == [2.5, 5.0]
    backend = backend_for(tracking_uri)
    pipeline_run = backend.get_run(first.id)
    assert pipeline_run.project == "pipes" and pipeline_run.status == "FINISHED"
    features = first.record.step("features")
    step_run = backend.get_run(str(features.run_id))
    assert step_run.parent_id == first.id and step_run.status == "FINISHED"
    assert step_run.tags["shipyard.step"] == "features"
    # the features step consumed the load_raw output: an input lineage edge
    raw_ref = first.record.step("load_raw").outputs["value"]["ref"]
    graph = backend.artifact_lineage(raw_ref, "downstream", 2)
    raw_id = raw_ref.removeprefix("artifacts:/")
    edges = {(e.source, e.target, e.kind) for e in graph.edges}
    assert (raw_id, features.run_id, "input") in edges
    assert (features.run_id, "training.features:v1", "output") in edges
    assert features.outputs["value"]["materializer"] == "parquet"

    again = fx.training.run(lr=0.5, rows=6, tracking_uri=tracking_uri)
    assert _statuses(again) == {
        "load_raw": "CACHED", "stats": "SUCCEEDED", "features": "CACHED", "train": "SUCCEEDED",
    }  # fmt: skip
    assert again.record.step("features").cached_from == features.id
    assert counts("load_raw") == 1 and counts("features") == 1 and counts("train") == 2
    assert again.output() == first.output()

    rescaled = fx.training.run(lr=0.5, rows=6, scale=3.0, tracking_uri=tracking_uri)
    assert _statuses(rescaled)["load_raw"] == "CACHED"
    assert _statuses(rescaled)["features"] == "SUCCEEDED"
    assert counts("features") == 2


def test_failed_step_then_resume_reuses_succeeded_steps(
    tracking_uri: str, counts: Callable[[str], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHIPYARD_TEST_FAIL_TRAIN", "1")
    with pytest.raises(PipelineFailedError) as info:
        fx.training.run(rows=4, tracking_uri=tracking_uri)
    run_id = info.value.details["run_id"]
    assert info.value.details["step"] == "train"
    backend = backend_for(tracking_uri)
    failed = backend.get_pipeline_run(run_id)
    assert failed.status == "FAILED" and "train failed on purpose" in str(failed.error)
    train = failed.step("train")
    assert train.status == "FAILED" and backend.get_run(str(train.run_id)).status == "FAILED"
    assert backend.get_run(run_id).status == "FAILED"

    monkeypatch.delenv("SHIPYARD_TEST_FAIL_TRAIN")
    resumed = resume(run_id, backend=backend)
    assert resumed.record.resumed_from == run_id and resumed.record.trigger == "resume"
    assert _statuses(resumed) == {
        "load_raw": "REUSED", "stats": "REUSED", "features": "REUSED", "train": "SUCCEEDED",
    }  # fmt: skip
    assert counts("load_raw") == 1 and counts("stats") == 1 and counts("train") == 2
    with pytest.raises(InvalidPipelineError, match="only failed or killed runs resume"):
        resume(resumed.id, backend=backend)


@pytest.mark.parametrize("backend_kind", ["local", "http"])
def test_retries_back_off_until_the_step_succeeds(
    backend_kind: str, sqlite_url: str, live_server, tmp_path: Path
) -> None:
    uri = live_server(sqlite_url).url if backend_kind == "http" else sqlite_url
    run = fx.retrying.run(marker=str(tmp_path / "marker"), tracking_uri=uri)
    step = run.record.step("flaky")
    assert step.status == "SUCCEEDED" and step.attempts == 3
    assert run.output() == "ok after 3"
    attempts = backend_for(uri).search_runs(["pipes"], filter="tags.`shipyard.step` = 'flaky'")
    assert sorted(r.status for r in attempts.runs) == ["FAILED", "FAILED", "FINISHED"]
    assert {r.parent_id for r in attempts.runs} == {run.id}


def test_retry_delay_doubles_after_each_failed_attempt(sqlite_url: str, tmp_path: Path) -> None:
    events: list[tuple[str, dict]] = []
    fx.retrying.run(
        marker=str(tmp_path / "marker"),
        tracking_uri=sqlite_url,
        progress=lambda kind, step, data: events.append((kind, dict(data))),
    )
    retries = [data for kind, data in events if kind == "retry"]
    assert [(r["attempt"], r["delay_s"]) for r in retries] == [(1, 0.01), (2, 0.02)]
    assert "flaky attempt 1" in retries[0]["error"]


def test_timeout_kills_the_step_process(sqlite_url: str) -> None:
    with pytest.raises(PipelineFailedError) as info:
        fx.slow.run(seconds=120, tracking_uri=sqlite_url)
    backend = backend_for(sqlite_url)
    step = backend.get_pipeline_run(info.value.details["run_id"]).step("sleepy")
    assert step.status == "TIMED_OUT" and "Timed out after 1 s" in str(step.error)
    assert backend.get_run(str(step.run_id)).status == "KILLED"


def test_independent_steps_run_at_the_same_time(sqlite_url: str) -> None:
    run = fx.parallel.run(seconds=1.5, max_workers=2, tracking_uri=sqlite_url)
    a, b = run.record.step("sleep_a"), run.record.step("sleep_b")
    assert a.started_at is not None and b.started_at is not None
    assert a.started_at < b.ended_at and b.started_at < a.ended_at  # the two overlapped
    join = run.record.step("join")
    assert join.upstream == ["sleep_a", "sleep_b"] and join.started_at >= max(
        a.ended_at, b.ended_at
    )


def test_stdout_stderr_and_logging_are_captured(tracking_uri: str) -> None:
    run = fx.training.run(rows=3, tracking_uri=tracking_uri)
    logs = dict(step_logs(backend_for(tracking_uri), run.id))
    assert "loading raw rows 3" in logs["load_raw"]
    assert "INFO fixture: building features from 3 rows" in logs["features"]
    assert "alembic" not in logs["features"]
    assert run.record.step("load_raw").log_bytes == len(logs["load_raw"].encode())


def test_unstorable_output_fails_with_a_clear_error(sqlite_url: str) -> None:
    with pytest.raises(PipelineFailedError) as info:
        fx.bad_output.run(tracking_uri=sqlite_url)
    step = backend_for(sqlite_url).get_pipeline_run(info.value.details["run_id"]).step("unstorable")
    assert step.status == "FAILED"
    assert "UnsupportedOutputError" in str(step.error) and "pickle=True" in str(step.error)


def test_bad_parameters_are_refused_before_anything_runs(sqlite_url: str) -> None:
    with pytest.raises(InvalidPipelineError, match="no parameter"):
        fx.training.run(nope=1, tracking_uri=sqlite_url)
    with pytest.raises(InvalidPipelineError, match="Unknown executor"):
        fx.training.run(executor="spark", tracking_uri=sqlite_url)
    assert backend_for(sqlite_url).list_pipeline_runs() == []
