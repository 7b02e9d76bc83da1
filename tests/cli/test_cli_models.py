"""``shipyard models …`` against the embedded store (and one run through a server)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

import shipyard as sy

Invoke = Callable[..., Result]


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.bin").write_text("weights")
    return folder


def _log(model_dir: Path, tracking_uri: str | None = None) -> str:
    with sy.start_run(project="cli", tracking_uri=tracking_uri) as run:
        run.log_artifact(model_dir, name="clf", type="model")
    return run.id


def test_register_alias_stage_history(invoke: Invoke, model_dir: Path, tmp_path: Path) -> None:
    run_id = _log(model_dir)
    reg = ok(invoke("models", "register", "energy", "clf:v1", "--tag", "team=forecast",
                    "--alias", "champion", "--comment", "first"))  # fmt: skip
    assert "Registered energy version 1 (clf:v1)" in reg.stdout
    second = json.loads(
        ok(invoke("models", "register", "energy", f"runs:/{run_id}", "--json")).stdout
    )
    assert second["version"] == 2 and second["run_id"] == run_id

    assert (
        "energy@champion → version 2"
        in ok(invoke("models", "alias", "energy", "champion", "2", "-c", "better")).stdout
    )
    ok(invoke("models", "stage", "energy", "2", "production", "--archive-existing"))
    listing = ok(invoke("models", "list"))
    assert "energy" in listing.stdout and "@champion→v2" in listing.stdout
    versions = ok(invoke("models", "versions", "energy")).stdout
    assert "Production" in versions and "clf:v1" in versions and run_id in versions

    card = tmp_path / "card.md"
    card.write_text("# Energy model\n\nTrained on **2026** data.")
    ok(invoke("models", "update", "energy", "--model-card", str(card), "-d", "forecasts",
              "--tag", "team=forecast"))  # fmt: skip
    show = ok(invoke("models", "show", "energy")).stdout
    assert "Energy model" in show and "forecasts" in show and "team=forecast" in show

    history = ok(invoke("models", "history", "energy")).stdout
    for text in (
        "version_created",
        "alias_set",
        "1 → 2",
        "better",
        "stage_changed",
        "None → Production",
    ):
        assert text in history
    events = json.loads(ok(invoke("models", "history", "energy", "--json")).stdout)
    assert events[0]["kind"] == "model_created" and events[-1]["kind"] == "model_updated"

    ok(invoke("models", "alias", "energy", "champion", "--delete"))
    ok(invoke("models", "delete", "energy", "1", "--yes"))
    assert [
        v["version"]
        for v in json.loads(ok(invoke("models", "versions", "energy", "--all", "--json")).stdout)
    ] == [2, 1]
    assert invoke("models", "delete", "energy", input="n\n").exit_code != 0
    ok(invoke("models", "delete", "energy", "--yes"))
    assert ok(invoke("models", "list")).stdout.startswith("No registered models")


def test_errors_are_one_line_with_the_code(invoke: Invoke, model_dir: Path) -> None:
    missing = invoke("models", "show", "ghost")
    assert missing.exit_code == 1
    assert (
        "Error [REGISTERED_MODEL_NOT_FOUND]: Registered model 'ghost' does not exist"
        in missing.stderr
    )
    _log(model_dir)
    ok(invoke("models", "register", "m", "clf:v1"))
    assert "MODEL_VERSION_NOT_FOUND" in invoke("models", "alias", "m", "champion", "7").stderr
    assert "INVALID_INPUT" in invoke("models", "alias", "m", "champion").stderr
    assert "INVALID_INPUT" in invoke("models", "register", "m", "clf:v1", "--tag", "novalue").stderr
    assert "INVALID_WEBHOOK" in invoke("models", "webhook", "add", "m", "http://10.0.0.1/").stderr
    assert "INVALID_FILTER" in invoke("models", "list", "--filter", "name ~ 'x'").stderr


def test_webhooks_from_the_cli(invoke: Invoke, model_dir: Path) -> None:
    _log(model_dir)
    ok(invoke("models", "register", "m", "clf:v1"))
    added = json.loads(ok(invoke("models", "webhook", "add", "m", "https://93.184.216.34/hook",
                                 "-e", "alias_set", "--json")).stdout)  # fmt: skip
    assert added["secret"] and added["events"] == ["alias_set"]
    listing = ok(invoke("models", "webhook", "list", "m")).stdout
    assert added["id"] in listing and "https://93.184.216.34/hook" in listing
    ok(invoke("models", "webhook", "delete", "m", added["id"]))
    assert "has no webhooks" in ok(invoke("models", "webhook", "list", "m")).stdout
    assert "WEBHOOK_NOT_FOUND" in invoke("models", "webhook", "delete", "m", added["id"]).stderr


def test_against_a_server(
    invoke: Invoke, model_dir: Path, live_server: Callable[..., Any], tmp_path: Path
) -> None:
    live = live_server(f"sqlite:///{tmp_path / 'server.db'}")
    _log(model_dir, live.url)
    ok(invoke("models", "register", "m", "clf:v1", "--tracking-uri", live.url))
    ok(invoke("models", "alias", "m", "champion", "1", "--tracking-uri", live.url))
    shown = json.loads(
        ok(invoke("models", "show", "m", "--json", "--tracking-uri", live.url)).stdout
    )
    assert shown["aliases"] == {"champion": 1} and shown["versions"][0]["artifact_ref"] == "clf:v1"
