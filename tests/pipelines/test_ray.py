"""The Ray executor, on a local Ray (no address): steps as Ray tasks, same records."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pipelines import pipeline_fixtures as fx
from shipyard.client import backend_for
from shipyard.client.pipelines import step_logs
from shipyard.core.errors import PipelineFailedError


@pytest.fixture(scope="module", autouse=True)
def local_ray() -> Iterator[None]:
    import ray

    yield
    ray.shutdown()


def test_pipeline_on_ray_caches_logs_and_times_out(sqlite_url: str) -> None:
    run = fx.training.run(lr=0.5, rows=5, executor="ray", tracking_uri=sqlite_url)
    assert run.record.executor == "ray"
    assert {s.status for s in run.record.steps} == {"SUCCEEDED"}
    assert run.output() == {"lr": 0.5, "rows": 5, "weight": 2 * sum(range(5)) * 0.5}
    backend = backend_for(sqlite_url)
    train = run.record.step("train")
    assert backend.get_run(str(train.run_id)).parent_id == run.id
    logs = dict(step_logs(backend, run.id))
    assert "loading raw rows 5" in logs["load_raw"]  # uploaded by the Ray worker

    again = fx.training.run(lr=0.5, rows=5, executor="ray", tracking_uri=sqlite_url)
    assert again.record.step("load_raw").status == "CACHED"

    with pytest.raises(PipelineFailedError) as info:
        fx.slow.run(seconds=120, executor="ray", tracking_uri=sqlite_url)
    step = backend.get_pipeline_run(info.value.details["run_id"]).step("sleepy")
    assert step.status == "TIMED_OUT"
    assert backend.get_run(str(step.run_id)).status == "KILLED"
