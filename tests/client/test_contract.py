"""The SDK contract: the same behaviour on SQLite and PostgreSQL, embedded and over HTTP."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

import shipyard as sy
from shipyard.core.errors import (
    ImmutableParamError,
    InvalidFilterError,
    InvalidInputError,
    InvalidMetricValueError,
    ProjectAlreadyExistsError,
    ProjectNotFoundError,
    RunAlreadyExistsError,
    RunNotFoundError,
)
from shipyard.tracking.entities import MetricColumns, MetricPoint


def test_context_manager_logs_everything_and_finishes(tracking_uri: str, project: str) -> None:
    config = {"lr": 0.1, "layers": [64, 32], "optimizer": {"name": "adam", "beta": 0.9}}
    with sy.start_run(
        project=project,
        name="baseline",
        config=config,
        tags={"team": "forecast"},
        tracking_uri=tracking_uri,
    ) as run:
        for step in range(1000):
            run.log({"train/loss": 1.0 / (step + 1), "val/acc": step / 1000}, step=step)
        run.log_params({"seed": 7})
        run.set_tags({"stage": "candidate"})
    got = sy.Client(tracking_uri).get_run(run.id)
    assert got.status == "FINISHED"
    assert got.end_time is not None and got.end_time >= got.start_time
    assert got.name == "baseline" and got.project == project
    assert got.params == {
        "lr": "0.1",
        "layers": "[64, 32]",
        "optimizer.name": "adam",
        "optimizer.beta": "0.9",
        "seed": "7",
    }
    assert got.config == config
    assert got.tags == {"team": "forecast", "stage": "candidate"}
    assert got.metrics == {"train/loss": 1.0 / 1000, "val/acc": 0.999}
    assert dict(got.summary) == got.metrics
    assert got.system["python"]["version"]
    assert got.system["run_time"]["wall_time_s"] >= 0


def test_exception_marks_failed_and_propagates(tracking_uri: str, project: str) -> None:
    with (
        pytest.raises(ZeroDivisionError),
        sy.start_run(project=project, tracking_uri=tracking_uri) as run,
    ):
        run.log({"x": 1.0})
        _ = 1 / 0
    assert sy.Client(tracking_uri).get_run(run.id).status == "FAILED"


def test_keyboard_interrupt_marks_killed(tracking_uri: str, project: str) -> None:
    with (
        pytest.raises(KeyboardInterrupt),
        sy.start_run(project=project, tracking_uri=tracking_uri) as run,
    ):
        raise KeyboardInterrupt
    assert sy.Client(tracking_uri).get_run(run.id).status == "KILLED"


def test_plain_call_fluent_api_and_nested_runs(tracking_uri: str, project: str) -> None:
    parent = sy.start_run(project=project, name="sweep", tracking_uri=tracking_uri)
    assert sy.active_run() is parent
    child = sy.start_run(project=project, name="trial", parent=parent, tracking_uri=tracking_uri)
    assert sy.active_run() is child
    sy.log({"a": 1.0})
    sy.log({"a": 2.0})  # auto-increments to step 1
    sy.log_metric("b", 5.0, step=10, timestamp=1_700_000_000_000)
    sy.finish()
    assert sy.active_run() is parent
    parent.finish()
    assert sy.active_run() is None
    client = sy.Client(tracking_uri)
    got = client.get_run(child.id)
    assert got.parent_id == parent.id
    hist = client.get_metric_history(child.id, "a")
    assert hist.steps.tolist() == [0, 1] and hist.values.tolist() == [1.0, 2.0]
    b = client.get_metric_history(child.id, "b")
    assert b.steps.tolist() == [10] and b.timestamps.tolist() == [1_700_000_000_000]
    children = client.search_runs(project, filter=f"attributes.parent_id = '{parent.id}'")
    assert [r.id for r in children] == [child.id]


def test_resume_appends_and_continues_steps(tracking_uri: str, project: str) -> None:
    with sy.start_run(project=project, tracking_uri=tracking_uri) as run:
        run.log({"loss": 3.0})
        run.log({"loss": 2.0})
    with pytest.raises(RunAlreadyExistsError, match="resume=True"):
        sy.start_run(project=project, run_id=run.id, tracking_uri=tracking_uri)
    with sy.start_run(
        project=project, run_id=run.id, resume=True, tracking_uri=tracking_uri
    ) as again:
        assert again.id == run.id
        again.log({"loss": 1.0})
    hist = sy.Client(tracking_uri).get_metric_history(run.id, "loss")
    assert hist.steps.tolist() == [0, 1, 2]
    assert hist.values.tolist() == [3.0, 2.0, 1.0]
    assert sy.Client(tracking_uri).get_run(run.id).status == "FINISHED"


def test_params_are_immutable(tracking_uri: str, project: str) -> None:
    with sy.start_run(project=project, config={"lr": 0.1}, tracking_uri=tracking_uri) as run:
        run.log_params({"lr": 0.1})  # same value: fine
        with pytest.raises(ImmutableParamError, match="'lr'"):
            run.log_params({"lr": 0.2})
    client = sy.Client(tracking_uri)
    with pytest.raises(ImmutableParamError, match="lr"):  # the store enforces it too
        client.backend.log_batch(run.id, params={"lr": "0.5"})
    assert client.get_run(run.id).params == {"lr": "0.1"}


def test_nan_and_inf_round_trip(tracking_uri: str, project: str) -> None:
    with sy.start_run(project=project, tracking_uri=tracking_uri) as run:
        run.log({"x": math.nan}, step=0)
        run.log({"x": math.inf}, step=1)
        run.log({"x": -math.inf}, step=2)
        run.log({"y": math.nan}, step=0)
    client = sy.Client(tracking_uri)
    values = client.get_metric_history(run.id, "x").values
    assert math.isnan(values[0]) and values[1] == math.inf and values[2] == -math.inf
    got = client.get_run(run.id)
    assert got.metrics["x"] == -math.inf
    assert math.isnan(got.metrics["y"])


def test_bad_metric_values_fail_at_the_call_site(tracking_uri: str, project: str) -> None:
    with sy.start_run(project=project, tracking_uri=tracking_uri) as run:
        with pytest.raises(InvalidMetricValueError, match=r"'acc'.*str"):
            run.log({"acc": "high"})
        with pytest.raises(InvalidMetricValueError, match="'acc'"):
            run.log_metric("acc", None)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="step"):
            run.log({"acc": 1.0}, step=1.5)  # type: ignore[arg-type]
        run.log({"acc": np.float32(0.5), "n": np.int64(3)})
    assert sy.Client(tracking_uri).get_run(run.id).metrics == {"acc": 0.5, "n": 3.0}


def test_full_history_of_a_long_series(tracking_uri: str, project: str) -> None:
    n = 200_000
    values = np.random.default_rng(0).normal(size=n)
    with sy.start_run(project=project, tracking_uri=tracking_uri) as run:
        for step, value in enumerate(values.tolist()):
            run.log_metric("series", value, step=step)
    hist = sy.Client(tracking_uri).get_metric_history(run.id, "series")
    assert len(hist) == n
    assert np.array_equal(hist.steps, np.arange(n))
    assert np.array_equal(hist.values, values)


def test_search_filter_order_and_pages(tracking_uri: str, project: str) -> None:
    ids = {}
    for i in range(7):
        with sy.start_run(
            project=project,
            name=f"r{i}",
            config={"lr": "0.01" if i % 2 else "0.1"},
            tags={"team": "a" if i < 3 else "b"},
            tracking_uri=tracking_uri,
        ) as run:
            run.log({"val/rmse": 10.0 - i})
        ids[i] = run.id
    client = sy.Client(tracking_uri)
    found = client.search_runs(
        project,
        filter="metrics.`val/rmse` < 8.5 and params.lr = '0.01' and tags.team != 'a'",
        order_by=["metrics.`val/rmse` ASC"],
    )
    assert [r.name for r in found] == ["r5", "r3"]
    seen: list[str] = []
    token = None
    while True:
        page = client.search_runs(
            project, order_by=["metrics.`val/rmse` DESC"], limit=3, page_token=token
        )
        seen.extend(r.name for r in page)
        token = page.next_page_token
        if token is None:
            break
    assert seen == [f"r{i}" for i in range(7)]
    finished = client.search_runs(project, filter="attributes.status = 'FINISHED'", limit=100)
    assert len(finished) == 7


def test_malformed_filter_names_the_position(tracking_uri: str, project: str) -> None:
    client = sy.Client(tracking_uri)
    client.create_project(project)
    with pytest.raises(InvalidFilterError) as info:
        client.search_runs(project, filter="metrics.x >> 1")
    assert info.value.position is not None and 9 <= info.value.position <= 11


def test_unknown_ids_and_duplicate_names(tracking_uri: str, project: str) -> None:
    client = sy.Client(tracking_uri)
    with pytest.raises(RunNotFoundError, match="0" * 32):
        client.get_run("0" * 32)
    with pytest.raises(ProjectNotFoundError, match=project):
        client.search_runs(project)
    client.create_project(project, "first")
    with pytest.raises(ProjectAlreadyExistsError, match=project):
        client.create_project(project)
    assert client.get_project(project).description == "first"
    assert project in [p.name for p in client.list_projects()]


def test_concurrent_writers_store_every_point_once(tracking_uri: str, project: str) -> None:
    threads, per_thread = 16, 10_000
    with sy.start_run(project=project, tracking_uri=tracking_uri) as run:

        def write(t: int) -> None:
            for i in range(per_thread):
                run.log_metric(f"t{t % 4}", float(t * per_thread + i), step=t * per_thread + i)

        workers = [threading.Thread(target=write, args=(t,)) for t in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    client = sy.Client(tracking_uri)
    stored: list[float] = []
    for k in range(4):
        stored.extend(client.get_metric_history(run.id, f"t{k}").values.tolist())
    assert len(stored) == threads * per_thread
    assert sorted(stored) == [float(x) for x in range(threads * per_thread)]


def test_resent_batch_is_stored_once(tracking_uri: str, project: str) -> None:
    client = sy.Client(tracking_uri)
    record = client.backend.create_run(project)
    batch = MetricColumns.from_points([MetricPoint("m", 1.0, 0, 1), MetricPoint("m", 2.0, 1, 2)])
    assert client.backend.log_batch(record.id, batch, batch_id="b-1") is True
    assert client.backend.log_batch(record.id, batch, batch_id="b-1") is False
    assert len(client.get_metric_history(record.id, "m")) == 2


def test_delete_run(tracking_uri: str, project: str) -> None:
    with sy.start_run(project=project, tracking_uri=tracking_uri) as run:
        run.log({"x": 1.0})
    client = sy.Client(tracking_uri)
    client.delete_run(run.id)
    with pytest.raises(RunNotFoundError):
        client.get_run(run.id)
    assert list(client.search_runs(project)) == []


def test_summary_defaults_to_last_values_and_can_be_set(tracking_uri: str, project: str) -> None:
    with sy.start_run(project=project, tracking_uri=tracking_uri) as run:
        run.log({"acc": 0.5}, step=0)
        run.log({"acc": 0.7}, step=1)
        assert run.summary["acc"] == 0.7
        run.summary["best_acc"] = 0.9
        run.summary["acc"] = 0.8
    got = sy.Client(tracking_uri).get_run(run.id)
    assert dict(got.summary) == {"acc": 0.8, "best_acc": 0.9}
    assert got.metrics == {"acc": 0.7}


def test_long_param_values_are_stored_and_searchable(tracking_uri: str, project: str) -> None:
    long_value = "x" * 6000
    with sy.start_run(project=project, tracking_uri=tracking_uri) as run:
        run.log_params({"prompt": long_value})
        with pytest.raises(InvalidInputError, match="6001 characters"):
            run.log_params({"too_long": "y" * 6001})
    client = sy.Client(tracking_uri)
    assert client.get_run(run.id).params["prompt"] == long_value
    found = client.search_runs(project, filter=f"params.prompt = '{long_value}'")
    assert [r.id for r in found] == [run.id]
