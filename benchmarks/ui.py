"""The web UI's hot pages (issue 6), measured against a real ``shipyard server``.

    python benchmarks/ui.py [--runs 10000] [--points 1000000] [--reps 20] [--no-browser]

* runs page  - ``GET /projects/<p>`` for a project with RUNS runs x 20 params x 10 metrics
               (``peers.search_dataset``): first page of 50 rows, default columns; also
               sorted by a metric, filtered, and grouped by a param (over every run).
* chart data - ``GET /api/v1/runs/<id>/metrics/chart`` of one metric with POINTS points,
               down-sampled to 1,000 (LTTB and min/max), and a zoomed window.
* browser    - Chromium (Playwright): navigation to the runs table being visible, and to
               the 1,000,000-point chart drawn on the run page.

Times are wall-clock on the client over loopback, so they bound the server time from
above. Writes ``benchmarks/results/ui.json``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import machine_info, summarize, write_result
from shipyard.client.local import LocalBackend
from shipyard.tracking.entities import MetricColumns
from shipyard_tracking import build_search_db, start_server

PROJECT = "bench-search"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


def add_long_metric(db_url: str, points: int) -> str:
    backend = LocalBackend(db_url)
    run = backend.create_run("bench-chart", name="long")
    values = np.cumsum(np.random.default_rng(0).normal(size=points))
    for start in range(0, points, 200_000):
        end = min(points, start + 200_000)
        steps = list(range(start, end))
        stamps = [1_700_000_000_000 + 10 * s for s in steps]
        backend.log_batch(
            run.id, MetricColumns({"loss": (steps, stamps, values[start:end].tolist())})
        )
    backend.update_run(run.id, status="FINISHED", end_time=1_700_000_000_000 + 10 * points)
    return run.id


def timed(client: httpx.Client, path: str, reps: int, **params: Any) -> dict[str, Any]:
    client.get(path, params=params).raise_for_status()  # warm
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        response = client.get(path, params=params)
        times.append(time.perf_counter() - started)
        response.raise_for_status()
    out = summarize(times)
    out["bytes"] = len(response.content)
    return out


def browser_times(url: str, run_id: str, reps: int = 3) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    runs_page, chart_page = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        for _ in range(reps + 1):
            started = time.perf_counter()
            page.goto(f"{url}/projects/{PROJECT}")
            page.locator("#runs tbody tr").nth(49).wait_for()
            runs_page.append(time.perf_counter() - started)
            started = time.perf_counter()
            page.goto(f"{url}/runs/{run_id}")
            page.wait_for_function(
                "() => document.querySelector('.chart-card[data-key=\"loss\"] .chart')"
                "?.data?.[0]?.x?.length > 0"
            )
            chart_page.append(time.perf_counter() - started)
        browser.close()
    return {
        "runs_page": summarize(runs_page[1:]),
        "run_page_chart_drawn": summarize(chart_page[1:]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    results: dict[str, Any] = {"machine": machine_info(), "runs": args.runs, "points": args.points}
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        db_url = build_search_db(Path(tmp) / "ui.db", args.runs)
        run_id = add_long_metric(db_url, args.points)
        results["setup_s"] = time.perf_counter() - t0
        proc, url = start_server(db_url)
        try:
            with httpx.Client(base_url=url, timeout=120) as client:
                page = f"/projects/{PROJECT}"
                results["runs_page_first"] = timed(client, page, args.reps)
                results["runs_page_sorted_by_metric"] = timed(
                    client, page, args.reps, order="metrics.m5 DESC"
                )
                results["runs_page_filtered"] = timed(
                    client, page, args.reps, filter="metrics.m3 > 0.5 and params.p1 = 'v3'"
                )
                results["runs_page_page_100"] = timed(client, page, args.reps, page=99)
                results["runs_page_grouped"] = timed(
                    client, page, max(3, args.reps // 5), group="params.p1", col="metrics.m0"
                )
                chart = f"/api/v1/runs/{run_id}/metrics/chart"
                results["chart_lttb"] = timed(client, chart, args.reps, key="loss", points=1000)
                results["chart_minmax"] = timed(
                    client, chart, args.reps, key="loss", points=1000, method="minmax"
                )
                results["chart_zoom_10pct"] = timed(
                    client, chart, args.reps, key="loss", points=1000, start=400_000, end=500_000
                )
                results["history_json_full"] = timed(
                    client, f"/api/v1/runs/{run_id}/metrics/history", 3, key="loss"
                )
            if not args.no_browser:
                results["browser"] = browser_times(url, run_id)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    path = write_result("ui", results)
    for name, value in results.items():
        if isinstance(value, dict) and "p50_s" in value:
            print(
                f"{name:32s} p50 {value['p50_s'] * 1000:8.1f} ms  "
                f"p90 {value['p90_s'] * 1000:8.1f} ms  {value['bytes']:>10,} B"
            )
    if "browser" in results:
        for name, value in results["browser"].items():
            print(f"browser {name:24s} p50 {value['p50_s'] * 1000:8.1f} ms")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
