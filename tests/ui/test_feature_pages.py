"""Feature store pages over a real store (applied definitions, two ingested batches, a
materialization): listing, view statistics with histogram charts and top values, and
markup in descriptions and string values staying inert, in a real browser."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

import shipyard as sy
from shipyard.features import Entity, FeatureService, FeatureView, Field, SqlSource

XSS = "<img src=x onerror=window.__xss=1>"
NOW = pd.Timestamp.now(tz="UTC").floor("s")


@pytest.fixture
def site(live_server: Callable[..., Any], tmp_path: Path) -> str:
    live = live_server(f"sqlite:///{tmp_path / 'ui.db'}", features_root=str(tmp_path / "features"))
    airport = Entity("airport", ["origin"], description=XSS)
    weather = FeatureView(
        "weather", [airport], [Field("temp", min=-40, max=130), Field("sky", "string")],
        timestamp_field="ts", ttl=pd.Timedelta(hours=3).to_pytimedelta(), description=XSS,
    )  # fmt: skip
    db = SqlSource("postgresql://ana:s3cret@db.example/x", table="t", timestamp_field="ts")
    delays = FeatureView("delays", [airport], [Field("late", "int64")], source=db)
    fs = sy.FeatureStore(live.url)
    fs.apply([airport, weather, delays, FeatureService("svc", [weather[["temp"]]])])
    rng = np.random.default_rng(0)
    n = 400
    first = pd.DataFrame({
        "origin": rng.choice(["JFK", "EWR", "LGA"], n), "ts": NOW - pd.Timedelta(hours=2),
        "temp": rng.normal(60, 10, n), "sky": rng.choice(["clear", "rain", XSS], n),
    })  # fmt: skip
    fs.ingest("weather", first)
    fs.materialize()
    second = first.assign(ts=NOW, temp=rng.normal(20, 5, n))
    second.loc[:9, "temp"] = None
    fs.ingest("weather", second)
    return str(live.url)


def test_pages_render_and_escape(site: str) -> None:
    listing = httpx.get(f"{site}/features").text
    assert (
        'href="/features/views/weather"' in listing and 'href="/features/services/svc"' in listing
    )
    assert XSS not in listing and "&lt;img src=x" in listing
    assert "s3cret" not in listing and "postgresql://ana:***@db.example/x" in listing
    page = httpx.get(f"{site}/features/views/weather").text
    assert "800 rows in 2 batches" in page and "materialized up to" in page
    assert ">3h<" in page and XSS not in page
    older = httpx.get(f"{site}/features/views/weather", params={"batch": 1}).text
    assert 'value="1" selected' in older
    assert httpx.get(f"{site}/features/views/weather", params={"batch": 99}).status_code == 404
    assert httpx.get(f"{site}/features/views/nope").status_code == 404
    svc = httpx.get(f"{site}/features/services/svc").text
    assert 'href="/features/views/weather"' in svc and "<code>temp</code>" in svc


def test_view_statistics_in_a_browser(site: str, page: Any, shots: Path) -> None:
    page.goto(f"{site}/features")
    page.screenshot(path=str(shots / "features.png"), full_page=True)
    page.click("#view-table >> text=weather")
    page.wait_for_url("**/features/views/weather")
    page.wait_for_selector(".chart.hist[data-feature=temp] .plot-container")
    bars = page.locator(".chart.hist[data-feature=temp] g.point").count()
    assert bars >= 10  # the histogram's bins, drawn
    row = page.locator("#stats-table tr[data-feature=temp] td").all_inner_texts()
    assert row[2:4] == ["390", "10"]  # count and nulls of the latest batch
    top = page.locator(".top-values[data-feature=sky] td").all_inner_texts()
    assert XSS in top  # shown as text, not as an image
    page.screenshot(path=str(shots / "feature_view.png"), full_page=True)
    page.select_option("#batch-select", "1")
    page.click("#stats >> text=Show")
    page.wait_for_url("**batch=1")
    assert page.locator("#stats-table tr[data-feature=temp] td").all_inner_texts()[3] == "0"
    assert page.errors == [] and page.evaluate("window.__xss") is None
