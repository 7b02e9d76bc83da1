"""Model registry REST routes through a real server: roles, who, errors, webhooks."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from shipyard.artifacts import FileEntry
from shipyard.auth import Role
from shipyard.client.http import HttpBackend
from shipyard.core.errors import InvalidWebhookError, PermissionDeniedError


def _artifact(app: Any, name: str = "clf") -> str:
    """A model artifact version committed straight through the app's service."""
    content = f"{name}-{time.monotonic_ns()}"
    entry = FileEntry("model.bin", hashlib.sha256(content.encode()).hexdigest(), len(content))
    return str(app.state.artifacts.commit_version(name, "model", [entry]).ref)


def test_roles_and_the_token_name_as_who(live_server: Callable[..., Any], sqlite_url: str) -> None:
    live = live_server(sqlite_url, auth=True)
    tokens = live.app.state.tokens
    _, reader = tokens.create("viewer", Role.READ)
    _, writer = tokens.create("ci-bot", Role.WRITE)
    ref = _artifact(live.app)
    api = f"{live.url}/api/v1"
    spoof = {"Shipyard-User": "someone-else"}
    with httpx.Client(base_url=api, headers={"Authorization": f"Bearer {writer}", **spoof}) as w:
        created = w.post("/model-versions", json={"name": "m", "artifact_ref": ref})
        assert created.status_code == 201, created.text
        assert created.json()["created_by"] == "ci-bot"
        put = w.put("/registered-models/m/aliases/champion", json={"version": 1})
        assert put.status_code == 200
    with httpx.Client(base_url=api, headers={"Authorization": f"Bearer {reader}"}) as r:
        assert r.get("/registered-models").json()["registered_models"][0]["name"] == "m"
        assert (
            r.get("/model-versions/resolve", params={"uri": "models:/m@champion"}).json()["version"]
            == 1
        )
        denied = r.post("/model-versions/m/1/stage", json={"stage": "Production"})
        assert (denied.status_code, denied.json()["error_code"]) == (403, "PERMISSION_DENIED")
        history = r.get("/registered-models/m/history").json()["events"]
    assert {e["user"] for e in history} == {"ci-bot"}
    with httpx.Client(base_url=api) as anonymous:
        assert anonymous.get("/registered-models").status_code == 401
    backend = HttpBackend(live.url, token=reader)
    with pytest.raises(PermissionDeniedError):
        backend.delete_registered_model("m")
    backend.close()


def test_errors_name_what_is_missing(live_server: Callable[..., Any], sqlite_url: str) -> None:
    live = live_server(sqlite_url)
    ref = _artifact(live.app)
    with httpx.Client(base_url=f"{live.url}/api/v1", headers={"Shipyard-User": "ana"}) as api:
        assert (
            api.post("/model-versions", json={"name": "m", "artifact_ref": ref}).json()[
                "created_by"
            ]
            == "ana"
        )
        cases = {
            "/registered-models/ghost": (404, "REGISTERED_MODEL_NOT_FOUND", "ghost"),
            "/model-versions/m/9": (404, "MODEL_VERSION_NOT_FOUND", "no version 9"),
            "/registered-models/m/aliases/gone": (404, "ALIAS_NOT_FOUND", "'gone'"),
            "/model-versions/resolve?uri=models:/m": (400, "INVALID_INPUT", "Malformed"),
            "/registered-models?filter=name%20~%20'x'": (400, "INVALID_FILTER", "filter"),
        }
        for path, (status, code, text) in cases.items():
            response = api.get(path)
            body = response.json()
            assert (response.status_code, body["error_code"]) == (status, code), path
            assert text in body["message"], path
        bad = api.post("/registered-models/m/webhooks", json={"url": "http://169.254.169.254/"})
        assert (bad.status_code, bad.json()["error_code"]) == (400, "INVALID_WEBHOOK")
        extra = api.post("/registered-models", json={"name": "x", "owner": "me"})
        assert extra.status_code == 400
    spec = httpx.get(f"{live.url}/openapi.json").json()["paths"]
    assert "/api/v1/registered-models/{name}/aliases/{alias}" in spec
    assert "/api/v1/model-versions/{name}/{version}/stage" in spec


def test_private_webhooks_need_the_server_setting(
    live_server: Callable[..., Any], sqlite_url: str, tmp_path: Path
) -> None:
    strict = live_server(sqlite_url)
    backend = HttpBackend(strict.url)
    backend.create_registered_model("m")
    with pytest.raises(InvalidWebhookError, match="--webhook-allow-private"):
        backend.add_webhook("m", "http://127.0.0.1:9/", allow_private=True)
    with pytest.raises(InvalidWebhookError, match=r"resolves to 127\.0\.0\.1"):
        backend.add_webhook("m", "http://127.0.0.1:9/")
    backend.close()
