"""The pipeline and schedule routes: status codes, error codes, auth."""

from __future__ import annotations

import httpx

from shipyard.auth.tokens import TokenService
from shipyard.store.db import create_store_engine

RUN = "a" * 32


def _register(client: httpx.Client) -> None:
    body = {"name": "flow", "project": "p", "target": "m:flow", "definition": {}}
    assert client.put("/api/v1/pipelines/flow", json=body).status_code == 200


def test_routes_and_error_codes(sqlite_url: str, live_server) -> None:
    live = live_server(sqlite_url)
    with httpx.Client(base_url=live.url) as client:
        missing = client.get(f"/api/v1/pipelines/runs/{RUN}")
        assert missing.status_code == 404
        assert missing.json()["error_code"] == "PIPELINE_RUN_NOT_FOUND"
        assert client.get("/api/v1/pipelines/runs/not-an-id").status_code == 400
        assert client.get("/api/v1/pipelines/flow").json()["error_code"] == "PIPELINE_NOT_FOUND"
        _register(client)
        mismatch = client.put("/api/v1/pipelines/flow", json={"name": "x", "project": "p"})
        assert mismatch.status_code == 400
        steps = [{"name": "a"}, {"name": "b", "upstream": ["a"]}]
        created = client.post(
            "/api/v1/pipelines/runs", json={"pipeline": "flow", "run_id": RUN, "steps": steps}
        )
        assert created.status_code == 201 and [s["status"] for s in created.json()["steps"]] == [
            "PENDING", "PENDING",
        ]  # fmt: skip
        bad_status = client.patch(f"/api/v1/pipelines/runs/{RUN}/steps/a", json={"status": "X"})
        assert bad_status.status_code == 400 and bad_status.json()["error_code"] == "INVALID_INPUT"
        no_step = client.patch(f"/api/v1/pipelines/runs/{RUN}/steps/zz", json={"attempts": 1})
        assert no_step.status_code == 404
        assert client.get("/api/v1/pipelines/cache", params={"key": "0" * 64}).json() == {
            "step": None
        }
        schedule = {"name": "s", "pipeline": "flow", "cron": "0 * * * *"}
        assert client.post("/api/v1/schedules", json=schedule).status_code == 201
        again = client.post("/api/v1/schedules", json=schedule)
        assert again.status_code == 409 and again.json()["error_code"] == "SCHEDULE_ALREADY_EXISTS"
        bad_cron = client.post("/api/v1/schedules", json={**schedule, "name": "t", "cron": "x"})
        assert bad_cron.json()["error_code"] == "INVALID_SCHEDULE"
        won = client.post("/api/v1/schedules/s/slots", json={"slot_time": 5})
        lost = client.post("/api/v1/schedules/s/slots", json={"slot_time": 5})
        assert (won.status_code, lost.status_code, lost.json()) == (201, 200, {"slot": None})
        assert client.delete("/api/v1/schedules/s").status_code == 200
        assert client.get("/api/v1/schedules/s").json()["error_code"] == "SCHEDULE_NOT_FOUND"


def test_writes_need_a_write_token_when_auth_is_on(sqlite_url: str, live_server) -> None:
    live = live_server(sqlite_url, auth=True)
    engine = create_store_engine(sqlite_url)
    tokens = TokenService(engine)
    _, reader = tokens.create("reader", "read")
    _, writer = tokens.create("writer", "write")
    engine.dispose()
    with httpx.Client(base_url=live.url) as client:
        assert client.get("/api/v1/schedules").status_code == 401
        read = {"Authorization": f"Bearer {reader}"}
        assert client.get("/api/v1/schedules", headers=read).status_code == 200
        body = {"name": "flow", "project": "p"}
        assert client.put("/api/v1/pipelines/flow", json=body, headers=read).status_code == 403
        write = {"Authorization": f"Bearer {writer}"}
        assert client.put("/api/v1/pipelines/flow", json=body, headers=write).status_code == 200
