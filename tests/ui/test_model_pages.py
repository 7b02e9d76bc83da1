"""The model registry pages: list, model page (card, versions, history), in a real
browser, with an XSS payload in the card, names and comments staying inert."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from shipyard.artifacts import FileEntry
from shipyard.registry import RegistryService

CARD = """# Energy forecaster

Trained on **2026** data. <script>window.__xss = 1</script>
<img src=x onerror="window.__xss = 2">

[docs](javascript:window.__xss=3)
"""


def _site(live_server: Callable[..., Any], tmp_path: Path) -> tuple[str, RegistryService]:
    live = live_server(f"sqlite:///{tmp_path / 'ui.db'}", artifacts_uri=str(tmp_path / "b"))
    app = live.app
    run = app.state.tracking.create_run(app.state.tracking.create_project("p").name)
    for content in ("one", "two"):
        digest = hashlib.sha256(content.encode()).hexdigest()
        ref = app.state.artifacts.commit_version(
            "energy-model", "model", [FileEntry("model.bin", digest, 3)], run_id=run.id
        ).ref
        app.state.registry.create_model_version("energy", ref, user="ana")
    registry: RegistryService = app.state.registry
    registry.set_alias(
        "energy", "champion", 2, comment="<b>won</b> <script>window.__xss=4</script>"
    )
    registry.update_registered_model(
        "energy", description="forecasts <i>x</i>", model_card=CARD, tags={"team": "grid"}
    )
    registry.create_registered_model("other")
    return live.url, registry


def test_pages_render_and_escape(live_server: Callable[..., Any], tmp_path: Path) -> None:
    url, _ = _site(live_server, tmp_path)
    listing = httpx.get(f"{url}/models")
    assert listing.status_code == 200 and "@champion → v2" in listing.text
    filtered = httpx.get(f"{url}/models", params={"filter": "tags.team = 'grid'"}).text
    assert 'href="/models/energy"' in filtered and 'href="/models/other"' not in filtered
    page = httpx.get(f"{url}/models/energy").text
    assert "<h1>Energy forecaster</h1>" in page and "<strong>2026</strong>" in page
    assert "<script>window.__xss" not in page and "&lt;script&gt;" in page
    assert 'href="javascript:' not in page and "forecasts &lt;i&gt;x&lt;/i&gt;" in page
    assert 'href="/artifacts/energy-model/v2"' in page
    assert httpx.get(f"{url}/models/ghost").status_code == 404
    bad = httpx.get(f"{url}/models", params={"filter": "name ~ 'x'"})
    assert bad.status_code == 400 and "INVALID_FILTER" in bad.text


def test_model_page_in_a_browser(
    page: Any, live_server: Callable[..., Any], tmp_path: Path, shots: Path
) -> None:
    url, _ = _site(live_server, tmp_path)
    page.goto(f"{url}/models")
    assert page.locator("#models tbody tr").count() == 2
    page.click("#models >> text=energy")
    page.wait_for_url("**/models/energy")
    assert page.locator("#versions tbody tr").count() == 2
    assert page.locator("#model-card h1").inner_text() == "Energy forecaster"
    kinds = page.locator("#history tbody tr td:nth-child(3)").all_inner_texts()
    assert kinds[0] == "model_updated" and "alias_set" in kinds and kinds[-1] == "model_created"
    page.screenshot(path=str(shots / "model.png"), full_page=True)
    page.click("#model-card >> text=docs")  # the javascript: link is not a link at all
    page.click("#versions >> text=energy-model:v2")
    page.wait_for_url("**/artifacts/energy-model/v2")
    assert page.errors == [] and page.evaluate("window.__xss") is None
