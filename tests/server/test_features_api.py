"""The feature store REST API: Arrow bodies, error JSON, and the read role for lookups."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from shipyard.auth import Role
from shipyard.features import Entity, FeatureService, FeatureView, Field
from shipyard.features.arrow_io import ARROW_STREAM, frame_from_arrow, frame_to_arrow

NOW = pd.Timestamp.now(tz="UTC").floor("s")
AIRPORT = Entity("airport", ["origin"])
VIEW = FeatureView("weather", [AIRPORT], [Field("temp", max=150)], timestamp_field="ts")
ITEMS = [
    {"kind": d.kind, "name": d.name, "spec": d.to_spec()}
    for d in (AIRPORT, VIEW, FeatureService("svc", [VIEW]))
]


@pytest.fixture
def api(live_server: Callable[..., Any], sqlite_url: str, tmp_path: Path) -> httpx.Client:
    live = live_server(sqlite_url, features_root=str(tmp_path / "features"))
    client = httpx.Client(base_url=live.url + "/api/v1", timeout=30)
    assert client.post("/features/apply", json={"items": ITEMS}).status_code == 200
    return client


def _ingest(api: httpx.Client, df: pd.DataFrame, view: str = "weather") -> httpx.Response:
    return api.post(
        f"/features/views/{view}/ingest",
        content=frame_to_arrow(df),
        headers={"Content-Type": ARROW_STREAM},
    )


def test_ingest_materialize_and_look_up(api: httpx.Client) -> None:
    df = pd.DataFrame({"origin": ["JFK", "EWR"], "ts": [NOW, NOW], "temp": [1.0, 2.0]})
    created = _ingest(api, df)
    assert created.status_code == 201 and created.json()["rows"] == 2
    assert api.post("/features/materialize", json={}).json()["materializations"][0]["rows"] == 2
    body = {"entity_rows": [{"origin": "EWR"}, {"origin": "X"}], "service": "svc"}
    assert api.post("/features/online", json=body).json() == {
        "results": {"origin": ["EWR", "X"], "temp": [2.0, None]}
    }
    entity = pd.DataFrame({"origin": ["JFK"], "event_timestamp": [NOW]})
    response = api.post(
        "/features/historical",
        params={"service": "svc"},
        content=frame_to_arrow(entity),
        headers={"Content-Type": ARROW_STREAM},
    )
    assert response.headers["content-type"] == ARROW_STREAM
    assert frame_from_arrow(response.content)["temp"].tolist() == [1.0]
    listed = api.get("/features/definitions", params={"kind": "view"}).json()["definitions"]
    assert [d["name"] for d in listed] == ["weather"]
    assert api.get("/features/views/weather/ingestions").json()["ingestions"][0]["rows"] == 2


def test_errors_are_json_with_codes(api: httpx.Client) -> None:
    bad = _ingest(api, pd.DataFrame({"origin": ["A"], "ts": [NOW], "temp": [900.0]}))
    assert bad.status_code == 400
    assert bad.json()["error_code"] == "FEATURE_VALIDATION_FAILED"
    assert bad.json()["details"]["rows"] == [
        {"row": 0, "column": "temp", "reason": "above max 150"}
    ]
    garbage = api.post("/features/views/weather/ingest", content=b"not arrow")
    assert (garbage.status_code, garbage.json()["error_code"]) == (400, "INVALID_INPUT")
    missing = api.get("/features/definitions/view/nope")
    assert (missing.status_code, missing.json()["error_code"]) == (404, "FEATURE_NOT_FOUND")
    unknown = api.post(
        "/features/online", json={"entity_rows": [{"origin": "A"}], "features": ["weather:nope"]}
    )
    assert unknown.status_code == 404
    neither = api.post("/features/online", json={"entity_rows": [{"origin": "A"}]})
    assert (neither.status_code, neither.json()["error_code"]) == (400, "INVALID_INPUT")


def test_lookups_need_only_the_read_role(
    live_server: Callable[..., Any], sqlite_url: str, tmp_path: Path
) -> None:
    live = live_server(sqlite_url, auth=True, features_root=str(tmp_path / "features"))
    _, admin = live.app.state.tokens.create("root", Role.ADMIN)
    _, reader = live.app.state.tokens.create("reader", Role.READ)
    base = live.url + "/api/v1"
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {admin}"}) as client:
        assert client.post("/features/apply", json={"items": ITEMS}).status_code == 200
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {reader}"}) as client:
        body = {"entity_rows": [{"origin": "A"}], "service": "svc"}
        assert client.post("/features/online", json=body).status_code == 200
        denied = client.post("/features/apply", json={"items": ITEMS})
        assert (denied.status_code, denied.json()["error_code"]) == (403, "PERMISSION_DENIED")
        assert client.post("/features/materialize", json={}).status_code == 403
