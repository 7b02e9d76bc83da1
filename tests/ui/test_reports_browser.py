"""Reports in a real browser: a report over logged runs renders in the UI, in its
self-contained HTML export opened offline, and in its PDF (pages rendered to PNG with
pdftoppm); XSS payloads in Markdown and in a run name stay inert everywhere; the editor
adds, reorders and removes blocks; share links work signed out and stop when revoked."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image

import shipyard as sy
from conftest import start_server
from shipyard.auth.tokens import Role

XSS_NAME = '<img src=x onerror="window.pwned=1">run'
XSS_MD = (
    '## Findings\n\n<script>window.pwned=1</script>\n\n<img src=x onerror="window.pwned=1">\n\n'
    "[click](javascript:window.pwned=1) [ok](https://example.org) "
    "![i](javascript:window.pwned=1)\n\n$$\\frac{a}{b}$$\n\n```python\nprint('hi')\n```"
)
RUNS = 5
INERT_JS = """() => ({
  pwned: window.pwned === 1,
  imgs: document.querySelectorAll('img[src="x"]').length,
  scripts: Array.from(document.querySelectorAll('#report script')).length,
  jslinks: Array.from(document.querySelectorAll('a'))
    .filter(a => /^\\s*javascript:/i.test(a.getAttribute('href') || '')).length,
  handlers: Array.from(document.querySelectorAll('#report *'))
    .filter(e => Array.from(e.attributes).some(a => a.name.startsWith('on'))).length,
})"""
TRACES_JS = "() => Array.from(document.querySelectorAll('#report .figure')).map(d => d.data.length)"


def _log(uri: str, tmp: Path) -> None:
    for i in range(RUNS):
        name = XSS_NAME if i == 0 else f"run-{i}"
        with sy.start_run(project="energy", name=name, tracking_uri=uri) as run:
            run.log_params({"model": ["lgbm", "xgb"][i % 2], "lr": 0.05 * (i + 1)})
            run.set_tags({"stage": "candidate"})
            steps = np.arange(400)
            for s in steps:
                run.log({"val/rmse": 10 / (s + 1) + i + 0.1 * np.sin(s)}, step=int(s))
            img = np.zeros((24, 24, 3), dtype=np.uint8)
            img[:, :, i % 3] = 200
            run.log({"predictions/plot": sy.Image(img, caption=XSS_NAME)}, step=400)
            if i == 1:
                folder = tmp / "model"
                folder.mkdir()
                (folder / "model.bin").write_bytes(b"weights")
                run.log_artifact(folder, name="forecaster-model", type="model")
    client = sy.Client(uri)
    client.create_model_version("energy-forecaster", "forecaster-model:v1")
    client.set_alias("energy-forecaster", "champion", 1)
    client.update_registered_model("energy-forecaster", model_card="# Card\n<script>x</script>")


def _report(uri: str) -> sy.Report:
    r = sy.Report(project="energy", title="Q3 <b>demand</b> model", tracking_uri=uri)
    r.markdown(XSS_MD)
    r.runs(filter="tags.stage = 'candidate'", group_by=["params.model"])
    r.line_chart("val/rmse", smoothing=0.6)  # one trace per run
    r.scatter("params.lr", "metrics.val/rmse")  # one trace per group
    r.bar("metrics.val/rmse")
    r.parallel_coordinates(["params.lr", "params.model", "metrics.val/rmse"])
    r.table(columns=["name", "params.model", "metrics.val/rmse"])
    r.media("predictions/plot", step="last")
    r.model("energy-forecaster@champion")
    r.lineage("forecaster-model:v1")
    r.save()
    return r


# line (5 runs), scatter (2 groups), bar, parallel, the model card's lineage, lineage
EXPECTED_TRACES = [RUNS, 2, 1, 1, 2, 2]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, sy.Report]]:
    from shipyard.server import create_app

    folder = tmp_path_factory.mktemp("reports")
    app = create_app(f"sqlite:///{folder / 'shipyard.db'}", artifacts_uri=str(folder / "blobs"))
    live = start_server(app)
    try:
        _log(live.url, folder)
        yield live.url, _report(live.url)
    finally:
        live.stop()


def _rendered(page: Any, everything: bool = False) -> None:
    """Wait for the charts on screen; with ``everything``, draw the ones further down too
    (charts are drawn lazily as they come near the viewport)."""
    page.wait_for_selector("body[data-rendered]", timeout=30_000)
    assert page.evaluate("document.body.dataset.rendered") == "1"
    if everything:
        page.evaluate("window.renderAll()")


def _assert_inert(page: Any) -> None:
    assert page.evaluate(INERT_JS) == {
        "pwned": False,
        "imgs": 0,
        "scripts": 0,
        "jslinks": 0,
        "handlers": 0,
    }
    assert not page.errors


def test_report_renders_in_the_ui(site: tuple[str, sy.Report], page: Any, shots: Path) -> None:
    url, report = site
    page.goto(f"{url}/reports/{report.id}")
    _rendered(page)
    drawn_first = page.evaluate("document.querySelectorAll('#report .js-plotly-plot').length")
    assert 1 <= drawn_first < len(EXPECTED_TRACES)  # the first screen only
    page.evaluate("window.renderAll()")
    assert page.evaluate(TRACES_JS) == EXPECTED_TRACES
    assert page.text_content("#report-title") == "Q3 <b>demand</b> model"
    cells = page.locator(".block-table td").all_text_contents()
    assert XSS_NAME in cells  # shown as text
    assert page.locator(".block-media img").count() == RUNS
    assert page.locator(".block-markdown math").count() == 1
    assert page.locator(".block-markdown a[href='https://example.org']").count() == 1
    assert "Card" in page.text_content(".model-card")
    _assert_inert(page)
    page.screenshot(path=str(shots / "report.png"), full_page=True)
    page.goto(f"{url}/projects/energy/reports")
    assert page.locator("#reports a").all_text_contents() == ["Q3 <b>demand</b> model"]


def test_html_export_opens_offline(
    site: tuple[str, sy.Report], browser: Any, tmp_path: Path
) -> None:
    _, report = site
    path = report.export(tmp_path / "report.html")
    assert path.stat().st_size < 10 * 1024 * 1024
    context = browser.new_context(offline=True)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    _rendered(page, everything=True)
    assert page.evaluate(TRACES_JS) == EXPECTED_TRACES
    assert XSS_NAME in page.locator(".block-table td").all_text_contents()
    _assert_inert(page)
    assert [r for r in requests if not r.startswith(("file:", "data:"))] == []
    context.close()


def test_pdf_export_pages_render(site: tuple[str, sy.Report], tmp_path: Path, shots: Path) -> None:
    url, report = site
    response = httpx.get(f"{url}/api/v1/reports/{report.id}/export?format=pdf", timeout=120)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)
    assert shutil.which("pdftoppm"), "scripts/test.sh installs poppler-utils"
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2
    for png in pages:
        shutil.copy(png, shots / f"report-pdf-{png.name}")
    first = np.asarray(Image.open(pages[0]).convert("L"))
    assert first.std() > 10  # not a blank page: text and charts are drawn
    pdftotext = ["pdftotext", str(pdf), "-"]
    text = subprocess.run(pdftotext, check=True, capture_output=True, text=True).stdout
    assert "Q3 <b>demand</b> model" in text and "Findings" in text
    assert "<script>window.pwned=1</script>" in text  # shown as text, never run
    assert XSS_NAME in text


def test_editor_adds_reorders_and_removes_blocks(site: tuple[str, sy.Report], page: Any) -> None:
    url, report = site
    before = sy.Client(url).backend.get_report_version(report.id)
    page.goto(f"{url}/reports/{report.id}/edit")
    page.select_option("#add-type", "markdown")
    page.fill("#add-fields textarea", "Added *in the editor*")
    page.click("#add-block")
    page.locator(".ed-block").last.locator(".ed-up").click()
    page.locator(".ed-block").first.locator(".ed-remove").click()
    page.locator(".ed-block").nth(-2).locator(".ed-text").fill("Edited *in the editor*")
    page.click("#ed-save")
    page.wait_for_url(f"**/reports/{report.id}?version=*")
    _rendered(page)
    after = sy.Client(url).backend.get_report_version(report.id)
    assert after.version == before.version + 1
    types = [b["type"] for b in after.spec["blocks"]]
    old = [b["type"] for b in before.spec["blocks"]]
    assert types == [*old[1:-1], "markdown", old[-1]]
    assert after.spec["blocks"][0]["type"] == "line"
    assert after.spec["blocks"][-2]["text"] == "Edited *in the editor*"
    assert page.locator(".block-markdown em").all_text_contents() == ["in the editor"]
    assert not page.errors


def test_share_token_opens_signed_out_and_revoke_stops_it(
    tmp_path: Path, browser: Any, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = live_server(f"sqlite:///{tmp_path / 'auth.db'}", auth=True)
    _, writer = live.app.state.tokens.create("writer", Role.WRITE)
    monkeypatch.setenv("SHIPYARD_TOKEN", writer)
    with sy.start_run(project="p", name=XSS_NAME, tracking_uri=live.url) as run:
        run.log({"loss": 1.0}, step=0)
    backend = sy.Client(live.url, token=writer).backend
    rep = backend.create_report(
        "p", "shared", spec={"blocks": [{"type": "markdown", "text": XSS_MD}]}
    )
    link = backend.create_report_share(rep.id)
    context = browser.new_context()
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(f"{live.url}/reports/{rep.id}")
    assert "/login" in page.url  # the report itself needs a sign-in
    page.goto(f"{live.url}/share/{link.secret}")
    _rendered(page)
    assert page.locator("#edit-link").count() == 0
    _assert_inert(page)
    assert httpx.get(f"{live.url}/share/{link.secret}/export").status_code == 200
    backend.revoke_report_share(rep.id, link.id)
    response = page.goto(f"{live.url}/share/{link.secret}")
    assert response.status == 404
    assert httpx.get(f"{live.url}/share/{link.secret}/export").status_code == 404
    context.close()
