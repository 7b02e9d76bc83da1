"""``HttpBackend`` against a live server: same results and same exceptions as local."""

from __future__ import annotations

import math
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import numpy as np
import pytest

from shipyard.client.http import HttpBackend
from shipyard.client.local import LocalBackend
from shipyard.core.errors import (
    AuthenticationError,
    BackendUnavailableError,
    ImmutableParamError,
    InvalidFilterError,
    InvalidInputError,
    InvalidMetricValueError,
    ProjectAlreadyExistsError,
    ProjectNotFoundError,
    RunAlreadyExistsError,
    RunNotFoundError,
    ShipyardError,
)
from shipyard.tracking.entities import MetricColumns, MetricPoint


@pytest.fixture
def http(live_server: Callable[..., Any], sqlite_url: str) -> Iterator[HttpBackend]:
    backend = HttpBackend(live_server(sqlite_url).url, token="")
    yield backend
    backend.close()


def test_errors_come_back_as_the_same_classes(http: HttpBackend) -> None:
    http.create_project("p")
    with pytest.raises(ProjectAlreadyExistsError):
        http.create_project("p")
    with pytest.raises(ProjectNotFoundError):
        http.get_project("a/b c")  # odd names are escaped, not routed elsewhere
    assert http.get_project("p").name == "p"
    assert http.create_project("team/energy 1").name == "team/energy 1"
    assert http.get_project("team/energy 1").name == "team/energy 1"
    with pytest.raises(RunNotFoundError):
        http.get_run("0" * 32)
    with pytest.raises(InvalidFilterError) as bad_filter:
        http.search_runs(["p"], filter="metrics.x <<< 1")
    assert isinstance(bad_filter.value.position, int)
    run = http.create_run("p", config={"lr": 0.1})
    with pytest.raises(ImmutableParamError) as immutable:
        http.log_batch(run.id, params={"lr": 0.2})
    assert immutable.value.details["keys"] == ["lr"]
    with pytest.raises(InvalidMetricValueError):
        http.log_batch(run.id, [MetricPoint("loss", "high", 0, 0)])  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        http.log_batch(run.id, [MetricPoint("loss", 1.0, 1.5, 0)])  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        http.search_runs(["p"], limit=0)


def test_same_records_as_the_embedded_backend(http: HttpBackend, sqlite_url: str) -> None:
    run = http.create_run("p", name="r", config={"opt": {"lr": 0.1}}, tags={"t": 1})
    points = [MetricPoint("loss", v, i, 100 + i) for i, v in enumerate([2.0, math.nan, math.inf])]
    assert http.log_batch(run.id, points, params={"seed": 7}, tags={"team": "x"})
    columns = MetricColumns({"acc": ([0, 1], [5, 6], [0.5, -math.inf])})
    assert http.log_batch(run.id, columns, batch_id="b1")
    assert not http.log_batch(run.id, columns, batch_id="b1")  # a retry is a no-op
    updated = http.update_run(run.id, status="FINISHED", end_time=1, summary={"best": math.nan})
    assert updated.status == "FINISHED" and math.isnan(updated.summary_overrides["best"])
    http.delete_tag(run.id, "t")

    local = LocalBackend(sqlite_url)
    assert http.get_run(run.id).to_dict() == local.get_run(run.id).to_dict()
    assert http.get_run(run.id).params == {"opt.lr": "0.1", "seed": "7"}
    remote_page = http.search_runs(["p"], filter="metrics.loss > 1")
    assert [r.id for r in remote_page.runs] == [run.id]
    for key in ("loss", "acc"):
        remote, embedded = (
            http.get_metric_history(run.id, key),
            local.get_metric_history(run.id, key),
        )
        np.testing.assert_array_equal(remote.steps, embedded.steps)
        np.testing.assert_array_equal(remote.timestamps, embedded.timestamps)
        np.testing.assert_array_equal(remote.values, embedded.values)  # NaN == NaN here
    assert [p.name for p in http.list_projects()] == ["p"]
    http.delete_run(run.id)
    with pytest.raises(RunNotFoundError):
        local.get_run(run.id)


def test_unreachable_server_is_backend_unavailable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    backend = HttpBackend(f"http://127.0.0.1:{port}", timeout=2)
    with backend, pytest.raises(BackendUnavailableError) as info:
        backend.list_projects()
    assert f"127.0.0.1:{port}" in info.value.message


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (503, b"<html>maintenance</html>", BackendUnavailableError),
        (502, b"bad gateway", BackendUnavailableError),
        (500, b"<html>oops</html>", ShipyardError),
        (418, b"teapot", ShipyardError),
        (409, b'{"error_code": "RUN_ALREADY_EXISTS", "message": "taken"}', RunAlreadyExistsError),
    ],
)
def test_error_responses_are_mapped(status: int, body: bytes, expected: type[Exception]) -> None:
    backend = HttpBackend("http://proxy.invalid")
    backend._client = httpx.Client(
        base_url="http://proxy.invalid",
        transport=httpx.MockTransport(lambda _req: httpx.Response(status, content=body)),
    )
    with pytest.raises(expected) as info:
        backend.list_projects()
    assert type(info.value) is expected
    if expected is ShipyardError:
        assert str(status) in info.value.message and body.decode()[:5] in info.value.message
    backend.close()


def test_history_falls_back_to_json() -> None:
    body = {"key": "k", "steps": [0, 1], "timestamps": [5, 6], "values": [1.5, "-Infinity"]}
    backend = HttpBackend("http://old.invalid")
    backend._client = httpx.Client(
        base_url="http://old.invalid",
        transport=httpx.MockTransport(lambda _req: httpx.Response(200, json=body)),
    )
    with backend:
        history = backend.get_metric_history("0" * 32, "k")
    assert history.steps.tolist() == [0, 1] and history.timestamps.tolist() == [5, 6]
    assert history.values.tolist() == [1.5, -math.inf]


def test_token_is_sent(live_server: Callable[..., Any], sqlite_url: str, monkeypatch: Any) -> None:
    live = live_server(sqlite_url, auth=True)
    _, secret = live.app.state.tokens.create("ci", "write")
    monkeypatch.delenv("SHIPYARD_TOKEN", raising=False)
    with HttpBackend(live.url) as anonymous, pytest.raises(AuthenticationError):
        anonymous.list_projects()
    monkeypatch.setenv("SHIPYARD_TOKEN", secret)
    with HttpBackend(live.url) as from_env:
        assert from_env.create_project("p").name == "p"


def test_million_point_history_round_trip(http: HttpBackend) -> None:
    n = 1_000_000
    run = http.create_run("big")
    steps = np.arange(n, dtype=np.int64)
    stamps = 1_700_000_000_000 + steps * 7
    values = np.sin(steps / 1000.0)
    values[[3, 500_000]] = [math.nan, math.inf]
    columns = MetricColumns({"loss": (steps.tolist(), stamps.tolist(), values.tolist())})

    started = time.perf_counter()
    assert http.log_batch(run.id, columns, batch_id="big-1")  # 5 requests of 200,000
    ingest = time.perf_counter() - started
    assert not http.log_batch(run.id, columns, batch_id="big-1")

    timings = []
    for _ in range(2):
        started = time.perf_counter()
        history = http.get_metric_history(run.id, "loss")
        timings.append(time.perf_counter() - started)
    print(
        f"\nHTTP ingest of {n:,} points: {ingest:.2f} s ({n / ingest:,.0f} points/s); "
        f"history read: {', '.join(f'{t * 1000:.0f} ms' for t in timings)}"
    )
    assert len(history) == n and history.key == "loss"
    np.testing.assert_array_equal(history.steps, steps)
    np.testing.assert_array_equal(history.timestamps, stamps)
    np.testing.assert_array_equal(history.values, values)
    assert history.values.flags.writeable
