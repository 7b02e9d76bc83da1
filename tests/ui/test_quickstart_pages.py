"""The UI after ``shipyard quickstart`` run twice, in a real browser: the energy
pipeline runs with their steps (cached ones marked on the second run), the registered
model and its champion, the candidates with their forecast plots, the forecast
predictions and the two schedules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import shipyard as sy
from quickstart_support import QuickstartHome, copy_home, shipyard


@pytest.fixture(scope="module")
def site(
    quickstart_home: QuickstartHome, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, sy.Client]]:
    """A server over a copy of the quickstart's home after a second quickstart."""
    from conftest import start_server
    from shipyard.server import create_app

    home = copy_home(quickstart_home, tmp_path_factory.mktemp("ui-quickstart") / "home")
    shipyard(home.path, "quickstart")
    live = start_server(create_app(home.uri))
    client = sy.Client(home.uri)
    try:
        yield live.url, client
    finally:
        client.close()
        live.stop()


def _cache_hits(page: Any) -> set[str]:
    rows = page.locator("#steps tbody tr")
    return {
        str(rows.nth(i).get_attribute("data-step"))
        for i in range(rows.count())
        if rows.nth(i).locator(".badge.cached").count()
    }


def test_the_pipeline_runs_show_their_steps_and_the_cache(
    page: Any, site: tuple[str, sy.Client], shots: Path
) -> None:
    url, client = site
    page.goto(f"{url}/pipelines?project=energy")
    for name in ("energy_training", "energy_forecast"):
        assert page.locator(f'a[href="/pipelines/{name}"]').count() >= 1
    page.goto(f"{url}/pipelines/energy_training")
    assert page.locator('a[href^="/pipeline-runs/"]').count() >= 2
    assert "0 * * * *" in page.content()
    second, first = client.list_pipeline_runs("energy_training")
    page.goto(f"{url}/pipeline-runs/{first.id}")
    steps = {"load_raw", "build_features", "training_set", "train_baseline", "train_linear",
             "train_boosting", "register_best", "promote_if_better"}  # fmt: skip
    nodes = page.locator("#dag-graph .dag-node")
    assert {nodes.nth(i).get_attribute("data-step") for i in range(nodes.count())} == steps
    assert _cache_hits(page) == set()
    page.goto(f"{url}/pipeline-runs/{second.id}")
    assert _cache_hits(page) == steps - {"load_raw"}  # load_raw reads raw:latest again
    page.screenshot(path=str(shots / "quickstart-training-run.png"), full_page=True)
    forecast = client.list_pipeline_runs("energy_forecast")[0]
    page.goto(f"{url}/pipeline-runs/{forecast.id}")
    assert _cache_hits(page) == {"forecast_rows", "forecast"}
    assert page.errors == []


def test_the_model_and_its_candidates(page: Any, site: tuple[str, sy.Client], shots: Path) -> None:
    url, client = site
    page.goto(f"{url}/models")
    assert "@champion → v1" in page.locator("body").inner_text()
    page.goto(f"{url}/models/energy-demand")
    assert page.locator("text=@champion → v1").count() >= 1
    page.goto(f"{url}/models/energy-demand/versions/1")
    assert "champion" in page.locator("body").inner_text()
    candidates = client.search_runs("energy", filter="tags.candidate != ''")
    assert sorted(r.tags["candidate"] for r in candidates) == ["baseline", "boosting", "linear"]
    panel = '.media-panel[data-key="val/forecast"]'
    for run in candidates:
        page.goto(f"{url}/runs/{run.id}#media")
        page.locator(f"{panel} .main-svg").first.wait_for()
        title = page.locator(f"{panel} .gtitle").first.text_content() or ""
        assert f"{run.tags['candidate']}: validation forecast" in title
        assert page.locator(f"{panel} .scatterlayer .trace").count() == 2  # actual, forecast
    page.screenshot(path=str(shots / "quickstart-candidate.png"), full_page=True)
    assert page.errors == []


def test_the_forecast_predictions_and_the_schedules(
    page: Any, site: tuple[str, sy.Client], shots: Path
) -> None:
    url, _ = site
    page.goto(f"{url}/artifacts/energy-forecast/latest")
    summary = page.locator("#predictions")
    assert summary.locator(".pred-rows").inner_text() == "48"
    assert summary.locator(".pred-dates").inner_text().strip() == "2015-01-01"
    assert summary.locator('a[href="/models/energy-demand/versions/1"]').count() == 1
    page.locator("#preview table tbody tr").first.wait_for()  # the first rows, unasked
    preview = page.locator("#preview").inner_text()
    assert "first 20 of 48 rows" in preview and "prediction" in preview
    assert "2015-01-01" in preview
    more = page.locator(".lineage-more").inner_text()
    assert "shipyard artifacts lineage energy-forecast:v1" in more
    page.screenshot(path=str(shots / "quickstart-predictions.png"), full_page=True)
    page.goto(f"{url}/schedules")
    cards = page.locator("section.schedule")
    assert cards.count() == 2
    text = page.locator("body").inner_text()
    for name, cron in (("energy-training-hourly", "0 * * * *"),
                       ("energy-forecast-hourly", "15 * * * *")):  # fmt: skip
        assert name in text and cron in text
    assert page.errors == []
