"""The UI in a real browser (Chromium via Playwright): runs table, charts, compare,
every media kind, and an XSS payload staying inert. Screenshots go to test-output/ui."""

from __future__ import annotations

from typing import Any

from ui.demo_data import XSS

KINDS = (
    "image", "audio", "video", "table", "histogram", "text", "prompt", "point_cloud",
    "embeddings", "plotly",
)  # fmt: skip


def _no_errors(page: Any) -> None:
    assert page.errors == []
    assert page.evaluate("window.__xss") is None


def test_runs_table_filter_sort_and_group(page, demo_site, shots) -> None:
    url, _ = demo_site
    page.goto(f"{url}/projects/demo")
    assert page.locator("#runs tbody tr").count() == 3
    page.screenshot(path=str(shots / "runs.png"), full_page=True)
    page.fill("#filter", "params.opt = 'sgd'")
    page.press("#filter", "Enter")
    page.wait_for_url("**filter=*")
    assert page.locator("#runs tbody tr").count() == 2
    page.click("text=Reset")
    page.click("#runs thead >> text=params.lr")  # sorts descending first
    page.wait_for_url("**order=*")
    lrs = page.locator("#runs tbody tr td:nth-child(7)").all_inner_texts()
    assert lrs == ["0.1", "0.01", "0.001"]
    page.click("#runs thead >> text=params.lr")
    page.wait_for_url("**ASC*")
    assert page.locator("#runs tbody tr td:nth-child(7)").all_inner_texts() == [
        "0.001",
        "0.01",
        "0.1",
    ]
    page.click("#group-picker summary")
    page.check("#group-picker input[value='params.opt']")
    page.click("#group-picker button")
    page.wait_for_selector("#groups")
    rows = page.locator("#groups tbody tr").all_inner_texts()
    assert len(rows) == 2 and rows[0].startswith("adam\t1") and rows[1].startswith("sgd\t2")
    page.screenshot(path=str(shots / "runs-grouped.png"), full_page=True)
    _no_errors(page)


def test_run_page_chart_renders_real_points(page, demo_site, shots) -> None:
    url, ids = demo_site
    page.goto(f"{url}/runs/{ids[1]}")
    chart = page.locator('.chart-card[data-key="train/loss"] .chart')
    chart.locator(".main-svg").first.wait_for()
    xs = chart.evaluate("el => el.data[0].x.length")
    assert xs == 200
    first = chart.evaluate("el => [el.data[0].x[0], el.data[0].y[0]]")
    assert first[0] == 0 and 0.9 < first[1] < 1.1
    assert page.locator('.chart-card[data-key="train/loss"] path.js-line').count() >= 1
    page.select_option("#smooth-kind", "ema")
    assert chart.evaluate("el => el.data.length") == 2
    page.check("#log-scale")
    assert chart.evaluate("el => el.layout.yaxis.type") == "log"
    page.select_option("#x-axis", "relative")
    page.wait_for_function(
        "() => document.querySelector('.chart-card[data-key=\"train/loss\"] .chart')"
        ".layout.xaxis.title.text === 'seconds since start'"
    )
    assert page.locator('#system-charts .chart-card[data-key="system/cpu"]').count() == 1
    page.screenshot(path=str(shots / "run.png"), full_page=False)
    _no_errors(page)


def test_compare_three_runs(page, demo_site, shots) -> None:
    url, _ = demo_site
    page.goto(f"{url}/projects/demo")
    page.check("#select-all")
    page.click("#compare-button")
    page.wait_for_url("**/compare?*")
    overlay = page.locator("#overlay-chart")
    overlay.locator(".main-svg").first.wait_for()
    page.wait_for_function("() => document.querySelector('#overlay-chart').data?.length === 3")
    assert page.locator("#parcoords-chart .main-svg").count() >= 1
    assert page.locator("#param-diff tbody tr").count() == 2
    page.check("#only-diff")
    assert page.locator("#param-diff tbody tr:visible").count() == 2  # lr and opt both differ
    page.select_option("#group-select", "params.opt")
    page.click("text=Apply")
    page.wait_for_function("() => document.querySelector('#overlay-chart').data?.length === 6")
    names = overlay.evaluate("el => el.data.filter(t => t.showlegend !== false).map(t => t.name)")
    assert names == ["params.opt=sgd (2)", "params.opt=adam (1)"]
    page.screenshot(path=str(shots / "compare.png"), full_page=True)
    _no_errors(page)


def test_every_media_kind_renders(page, demo_site, shots) -> None:
    url, ids = demo_site
    page.goto(f"{url}/runs/{ids[0]}#media")
    for kind in KINDS:
        page.locator(f'.media-panel[data-kind="{kind}"]').first.wait_for()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.media-img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    assert page.locator('.media-panel[data-key="samples"] .box').count() == 1
    assert page.locator('.media-panel[data-key="samples"] canvas.mask').count() == 1
    page.wait_for_function("() => document.querySelector('audio').readyState >= 1")
    assert page.evaluate("document.querySelector('audio').duration") > 0.9
    table = page.locator(".media-table tbody tr")
    assert table.count() == 50
    page.fill(".table-filter", "c3")
    page.wait_for_function(
        "() => document.querySelectorAll('.media-table tbody tr').length === 50 && "
        "[...document.querySelectorAll('.media-table tbody tr td:nth-child(2)')]"
        ".every(td => td.textContent === 'c3')"
    )
    for key in ("hist", "cloud", "emb", "cm", "roc", "pr"):
        page.locator(f'.media-panel[data-key="{key}"] .main-svg').first.wait_for()
    page.locator('.media-panel[data-key="notes"] h1').wait_for()
    assert page.locator('.media-panel[data-key="notes"] a[href^="javascript"]').count() == 0
    assert page.locator('.media-panel[data-key="chat"] .msg').count() == 2
    slider = page.locator('.media-panel[data-key="samples"] .step-slider')
    slider.fill("0")
    page.wait_for_function(
        "() => document.querySelector('.media-panel[data-key=\"samples\"] figcaption')"
        ".textContent.startsWith('step 0 ')"
    )
    page.screenshot(path=str(shots / "run-media.png"), full_page=True)
    _no_errors(page)


def test_xss_payload_in_names_tags_captions_and_cells_stays_inert(page, demo_site, shots) -> None:
    url, ids = demo_site
    for path in ("/", "/projects/demo", f"/runs/{ids[0]}", f"/compare?run={','.join(ids)}"):
        page.goto(url + path)
        page.wait_for_load_state("networkidle")
        _no_errors(page)
        assert page.locator("img[src='x']").count() == 0
    page.goto(f"{url}/runs/{ids[0]}")
    assert page.locator("#run-title").inner_text().startswith(XSS)
    page.wait_for_load_state("networkidle")
    assert page.locator("img[src='x']").count() == 0
    _no_errors(page)
