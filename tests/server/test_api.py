"""The REST contract end to end: a real server on a loopback port, spoken to with httpx."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import orjson
import pyarrow as pa
import pytest

ARROW = "application/vnd.apache.arrow.stream"


@pytest.fixture
def api(live_server: Callable[..., Any], sqlite_url: str) -> Iterator[httpx.Client]:
    """An httpx client for a fresh server over SQLite."""
    with httpx.Client(base_url=live_server(sqlite_url).url + "/api/v1", timeout=30) as client:
        yield client


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error_code"] == code, body
    assert body["message"]
    return body


def new_run(api: httpx.Client, project: str = "p", **fields: Any) -> str:
    response = api.post("/runs", json={"project": project, **fields})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def history_json(api: httpx.Client, run_id: str, key: str) -> dict[str, Any]:
    response = api.get(f"/runs/{run_id}/metrics/history", params={"key": key})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_health_and_openapi(api: httpx.Client) -> None:
    health = api.get("/health").json()
    assert health["status"] == "ok" and health["version"]
    spec = api.get(str(api.base_url.copy_with(path="/openapi.json"))).json()
    paths = spec["paths"]
    assert "/api/v1/runs/{run_id}/log-batch" in paths
    assert "/api/v1/runs/search" in paths and "/api/v1/tokens" in paths


def test_projects(api: httpx.Client) -> None:
    created = api.post("/projects", json={"name": "energy", "description": "kWh"})
    assert created.status_code == 201
    assert created.json()["name"] == "energy" and created.json()["description"] == "kWh"
    body = error_of(api.post("/projects", json={"name": "energy"}), 409, "PROJECT_ALREADY_EXISTS")
    assert "energy" in body["message"]
    assert [p["name"] for p in api.get("/projects").json()["projects"]] == ["energy"]
    assert api.get("/projects/energy").json()["id"] == created.json()["id"]
    error_of(api.get("/projects/nope"), 404, "PROJECT_NOT_FOUND")


def test_validation_errors_name_the_field(api: httpx.Client) -> None:
    body = error_of(api.post("/projects", json={"name": "x" * 257}), 400, "INVALID_INPUT")
    assert body["details"]["field"] == "name" and "'name'" in body["message"]
    body = error_of(api.post("/projects", json={"name": "a", "colour": 1}), 400, "INVALID_INPUT")
    assert body["details"]["field"] == "colour"
    bad_json = api.post("/projects", content=b"{oops", headers={"content-type": "application/json"})
    assert "JSON" in error_of(bad_json, 400, "INVALID_INPUT")["message"]
    body = error_of(api.post("/runs/search", json={"projects": []}), 400, "INVALID_INPUT")
    assert body["details"]["field"] == "projects"
    body = error_of(
        api.post("/runs/search", json={"projects": ["p"], "limit": 0}), 400, "INVALID_INPUT"
    )
    assert body["details"]["field"] == "limit"
    error_of(api.get("/no/such/route"), 404, "NOT_FOUND")


def test_run_lifecycle(api: httpx.Client) -> None:
    created = api.post(
        "/runs",
        json={"project": "p", "name": "first", "config": {"opt": {"lr": 0.1}}, "tags": {"t": "1"}},
    )
    assert created.status_code == 201
    run = created.json()
    assert run["status"] == "RUNNING" and run["project"] == "p"
    assert run["params"] == {"opt.lr": "0.1"} and run["tags"] == {"t": "1"}
    run_id = run["id"]
    assert api.get(f"/runs/{run_id}").json() == run

    patch = {"status": "FINISHED", "end_time": run["start_time"] + 5, "summary": {"best": "NaN"}}
    updated = api.patch(f"/runs/{run_id}", json=patch).json()
    assert updated["status"] == "FINISHED" and updated["summary"] == {"best": "NaN"}
    error_of(api.patch(f"/runs/{run_id}", json={"status": "DONE"}), 400, "INVALID_INPUT")

    assert api.delete(f"/runs/{run_id}/tags", params={"key": "t"}).status_code == 204
    assert api.get(f"/runs/{run_id}").json()["tags"] == {}
    assert api.delete(f"/runs/{run_id}").status_code == 204
    error_of(api.get(f"/runs/{run_id}"), 404, "RUN_NOT_FOUND")


def test_unknown_run_is_404_everywhere(api: httpx.Client) -> None:
    missing = "0" * 32
    error_of(api.get(f"/runs/{missing}"), 404, "RUN_NOT_FOUND")
    error_of(api.patch(f"/runs/{missing}", json={"name": "x"}), 404, "RUN_NOT_FOUND")
    error_of(api.delete(f"/runs/{missing}"), 404, "RUN_NOT_FOUND")
    error_of(api.post(f"/runs/{missing}/log-batch", json={"metrics": []}), 404, "RUN_NOT_FOUND")
    history = api.get(f"/runs/{missing}/metrics/history", params={"key": "loss"})
    error_of(history, 404, "RUN_NOT_FOUND")


def test_log_batch_non_finite_round_trip(api: httpx.Client) -> None:
    run_id = new_run(api)
    rows = [["loss", 1.5, 0, 10], ["loss", "NaN", 1, 11], ["loss", "Infinity", 2, 12]]
    rows += [["loss", "-Infinity", 3, 13], ["acc", 1, 0, 10]]
    body = {"metrics": rows, "params": {"lr": 0.1}, "tags": {"team": "x"}}
    response = api.post(f"/runs/{run_id}/log-batch", json=body)
    assert response.status_code == 204 and response.content == b""

    history = history_json(api, run_id, "loss")
    assert history == {
        "key": "loss",
        "steps": [0, 1, 2, 3],
        "timestamps": [10, 11, 12, 13],
        "values": [1.5, "NaN", "Infinity", "-Infinity"],
    }
    assert history_json(api, run_id, "acc")["values"] == [1.0]

    arrow = api.get(
        f"/runs/{run_id}/metrics/history", params={"key": "loss"}, headers={"accept": ARROW}
    )
    assert arrow.headers["content-type"] == ARROW
    table = pa.ipc.open_stream(arrow.content).read_all()
    assert table.schema.names == ["step", "timestamp", "value"]
    assert [str(t) for t in table.schema.types] == ["int64", "int64", "double"]
    values = table.column("value").to_pylist()
    assert values[0] == 1.5 and math.isnan(values[1]) and values[2:] == [math.inf, -math.inf]

    run = api.get(f"/runs/{run_id}").json()
    assert run["params"] == {"lr": "0.1"} and run["tags"] == {"team": "x"}
    latest = {m["key"]: m["value"] for m in run["metrics"]}
    assert latest == {"loss": "-Infinity", "acc": 1.0}


def test_log_batch_columns_and_batch_id(api: httpx.Client) -> None:
    run_id = new_run(api)
    columns = {"loss": {"steps": [0, 1, 2], "timestamps": [5, 6, 7], "values": [3, "NaN", 1.0]}}
    body = {"columns": columns, "batch_id": "b-1"}
    first = api.post(f"/runs/{run_id}/log-batch", json=body)
    assert first.status_code == 204 and first.headers["shipyard-batch"] == "stored"
    again = api.post(f"/runs/{run_id}/log-batch", json=body)
    assert again.status_code == 204 and again.headers["shipyard-batch"] == "duplicate"
    assert history_json(api, run_id, "loss")["values"] == [3.0, "NaN", 1.0]


BAD_ITEMS = [
    (["a", "high", 1, 1], "INVALID_METRIC_VALUE", "metrics[1] has a value"),
    (["a", None, 1, 1], "INVALID_METRIC_VALUE", "metrics[1] has a value"),
    (["a", 1.0, 1.5, 1], "INVALID_INPUT", "metrics[1] has a step"),
    (["a", 1.0, 2**63, 1], "INVALID_INPUT", "metrics[1] has a step"),
    (["a", 1.0, 1, "x"], "INVALID_INPUT", "metrics[1] has a timestamp"),
    (["a", 1.0, 1], "INVALID_INPUT", "metrics[1] must be"),
    ({"key": "a"}, "INVALID_INPUT", "metrics[1] must be"),
    ([7, 1.0, 1, 1], "INVALID_INPUT", "metrics[1] has a key"),
]


def test_bad_log_batch_item_is_named(api: httpx.Client) -> None:
    run_id = new_run(api)
    for item, code, snippet in BAD_ITEMS:
        metrics = [["a", 1.0, 0, 0], item]
        response = api.post(f"/runs/{run_id}/log-batch", json={"metrics": metrics})
        body = error_of(response, 400, code)
        assert snippet in body["message"] and body["details"]["index"] == 1, body
    assert history_json_status(api, run_id) == 404  # nothing was stored


def history_json_status(api: httpx.Client, run_id: str) -> int:
    return api.get(f"/runs/{run_id}/metrics/history", params={"key": "a"}).status_code


def test_bad_log_batch_bodies(api: httpx.Client) -> None:
    run_id = new_run(api)
    url = f"/runs/{run_id}/log-batch"
    error_of(api.post(url, content=b"[1, 2"), 400, "INVALID_INPUT")
    error_of(api.post(url, json=[1, 2]), 400, "INVALID_INPUT")
    assert "points" in error_of(api.post(url, json={"points": []}), 400, "INVALID_INPUT")["message"]
    error_of(api.post(url, json={"params": [1]}), 400, "INVALID_INPUT")
    bad_column = {"columns": {"a": {"steps": [0, 1], "timestamps": [0], "values": [1.0]}}}
    error_of(api.post(url, json=bad_column), 400, "INVALID_INPUT")
    bad_value = {"columns": {"a": {"steps": [0, 1], "timestamps": [0, 0], "values": [1.0, "x"]}}}
    body = error_of(api.post(url, json=bad_value), 400, "INVALID_METRIC_VALUE")
    assert "values[1]" in body["message"]


def test_too_many_points_is_413(api: httpx.Client) -> None:
    run_id = new_run(api)
    body = orjson.dumps({"metrics": [["a", 1, i, 0] for i in range(200_001)]})
    response = api.post(f"/runs/{run_id}/log-batch", content=body)
    assert error_of(response, 413, "REQUEST_TOO_LARGE")["details"]["count"] == 200_001


def test_oversized_body_is_413(live_server: Callable[..., Any], sqlite_url: str) -> None:
    base = live_server(sqlite_url, max_request_bytes=2048).url + "/api/v1"
    with httpx.Client(base_url=base) as api:
        run_id = new_run(api)
        big = {"metrics": [["a", 1.0, i, 0] for i in range(500)]}
        declared = api.post(f"/runs/{run_id}/log-batch", json=big)
        assert error_of(declared, 413, "REQUEST_TOO_LARGE")["details"]["limit"] == 2048

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
            yield b'{"name": "'
            yield b"x" * 4096
            yield b'"}'

        streamed = api.post(
            "/projects", content=chunks(), headers={"content-type": "application/json"}
        )
        error_of(streamed, 413, "REQUEST_TOO_LARGE")
        assert [p["name"] for p in api.get("/projects").json()["projects"]] == ["p"]


def seed_runs(api: httpx.Client) -> dict[str, str]:
    ids = {}
    for name, loss in [("a", 0.3), ("b", 0.7), ("c", 0.1)]:
        ids[name] = new_run(api, "search", name=name, config={"lr": loss * 10})
        api.post(f"/runs/{ids[name]}/log-batch", json={"metrics": [["loss", loss, 0, 0]]})
    return ids


def test_search(api: httpx.Client) -> None:
    ids = seed_runs(api)
    query = {"projects": ["search"], "filter": "metrics.loss < 0.5", "order_by": ["metrics.loss"]}
    found = api.post("/runs/search", json=query).json()
    assert [r["id"] for r in found["runs"]] == [ids["c"], ids["a"]]
    assert found["next_page_token"] is None

    page = api.post("/runs/search", json={**query, "filter": None, "limit": 2}).json()
    assert len(page["runs"]) == 2 and page["next_page_token"]
    rest = api.post(
        "/runs/search", json={**query, "filter": None, "page_token": page["next_page_token"]}
    ).json()
    assert [r["name"] for r in page["runs"] + rest["runs"]] == ["c", "a", "b"]

    bad = api.post("/runs/search", json={"projects": ["search"], "filter": "metrics.loss <<< 1"})
    body = error_of(bad, 400, "INVALID_FILTER")
    assert isinstance(body["details"]["position"], int)
    error_of(api.post("/runs/search", json={"projects": ["nope"]}), 404, "PROJECT_NOT_FOUND")


def test_history_of_unknown_key(api: httpx.Client) -> None:
    run_id = new_run(api)
    response = api.get(f"/runs/{run_id}/metrics/history", params={"key": "nope"})
    assert response.status_code == 404 and "nope" in response.json()["message"]
    assert response.json()["error_code"] == "METRIC_NOT_FOUND"


def test_unexpected_error_is_500_json_and_logged(
    live_server: Callable[..., Any], sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    live = live_server(sqlite_url)

    def boom() -> None:
        raise RuntimeError("disk on fire")

    live.app.state.tracking.list_projects = boom
    response = httpx.get(live.url + "/api/v1/projects")
    body = error_of(response, 500, "INTERNAL_ERROR")
    assert "disk on fire" not in body["message"]  # internals stay in the log
    assert "disk on fire" in caplog.text and "Traceback" in caplog.text


@pytest.mark.postgres
def test_round_trip_on_postgres(live_server: Callable[..., Any], postgres_url: str) -> None:
    with httpx.Client(base_url=live_server(postgres_url).url + "/api/v1") as api:
        ids = seed_runs(api)
        found = api.post(
            "/runs/search", json={"projects": ["search"], "filter": "metrics.loss > 0.2"}
        )
        assert {r["id"] for r in found.json()["runs"]} == {ids["a"], ids["b"]}
        rows = [["x", "NaN", 0, 1], ["x", 2.0, 1, 2]]
        assert api.post(f"/runs/{ids['a']}/log-batch", json={"metrics": rows}).status_code == 204
        arrow = api.get(
            f"/runs/{ids['a']}/metrics/history", params={"key": "x"}, headers={"accept": ARROW}
        )
        values = pa.ipc.open_stream(arrow.content).read_all().column("value").to_pylist()
        assert math.isnan(values[0]) and values[1] == 2.0
        error_of(api.post("/projects", json={"name": "search"}), 409, "PROJECT_ALREADY_EXISTS")
