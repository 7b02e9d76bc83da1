"""A model version page shows the evaluations sy.evaluate logged for that version (its
metrics and each Plotly figure), found whether the URI named the version or an alias."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sklearn.linear_model import LogisticRegression

import shipyard as sy
from tests_models_support import FEATURES, classification_frame


def test_version_page_shows_evaluation_plots(
    live_server: Callable[..., Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    page: Any,
    shots: Path,
) -> None:
    monkeypatch.setenv("SHIPYARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SHIPYARD_CAPTURE_PACKAGES", "0")
    live = live_server(f"sqlite:///{tmp_path / 'ui.db'}", artifacts_uri=str(tmp_path / "b"))
    monkeypatch.setenv("SHIPYARD_TRACKING_URI", live.url)
    data = classification_frame()
    for c in (1.0, 0.01):
        model = LogisticRegression(C=c).fit(data[FEATURES], data.label)
        with sy.start_run(project="eval"):
            sy.models.log_model(model, "clf", input_example=data[FEATURES][:5])
    live.app.state.registry.set_alias("clf", "champion", 2)
    sy.evaluate("models:/clf/1", data, "label", project="eval")
    sy.evaluate("models:/clf@champion", data, "label", project="eval")
    first = httpx.get(f"{live.url}/models/clf/versions/1").text
    assert first.count('class="card evaluation"') == 1 and "roc_auc" in first
    second = httpx.get(f"{live.url}/models/clf/versions/2").text
    assert second.count('class="card evaluation"') == 1
    assert httpx.get(f"{live.url}/models/clf/versions/3").status_code == 404

    page.goto(f"{live.url}/models/clf")
    page.click("#versions >> text=v1")
    page.wait_for_url("**/models/clf/versions/1")
    for name in ("confusion_matrix", "roc_curve", "pr_curve"):
        page.wait_for_selector(f".card:has(h4:text-is('{name}')) .plot-container")
    assert page.locator(".eval-plot .plot-container").count() == 3
    page.screenshot(path=str(shots / "model_version.png"), full_page=True)
    assert page.errors == []
