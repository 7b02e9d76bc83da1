"""Reports (issue 7): a report with 20 panels over 200 runs, through a real server.

    python benchmarks/reports.py [--runs 200] [--steps 5000] [--reps 5]

Each run logs 5 metrics x STEPS steps (long series: the charts and the export must
down-sample), 3 params and a tag. The report holds a heading, a Markdown block and 20
run-set panels: 10 line charts (smoothed), 4 scatter plots, 3 bar charts, 2 parallel
coordinates and 1 runs table, all over one run set of every run.

* ui open    - Chromium (Playwright): navigation to ``/reports/<id>`` until the charts on
               the first screen are drawn (``body[data-rendered]``; the others are drawn
               as they are scrolled near), and until every chart is drawn
               (``renderAll()``); first load dropped (warm-up, Plotly.js then cached).
* html       - ``GET /api/v1/reports/<id>/export?format=html``: time and file size.
* pdf        - ``...?format=pdf`` (headless Chromium prints the HTML), once.
* data       - ``GET /api/v1/reports/<id>/data`` (resolving the live report).

Writes ``benchmarks/results/reports.json``.
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
from shipyard_tracking import start_server

PROJECT = "bench-reports"
KEYS = [f"m{i}" for i in range(5)]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def populate(backend: LocalBackend, runs: int, steps: int) -> None:
    rng = np.random.default_rng(0)
    step_list = list(range(steps))
    stamps = [1_700_000_000_000 + 1000 * s for s in step_list]
    for i in range(runs):
        run = backend.create_run(PROJECT, name=f"run-{i}")
        curves = {
            k: (
                step_list,
                stamps,
                (
                    np.exp(-np.arange(steps) / (300 + 10 * i)) * (j + 1)
                    + rng.normal(0, 0.02, steps)
                ).tolist(),
            )
            for j, k in enumerate(KEYS)
        }
        params = {
            "lr": str(round(10 ** rng.uniform(-4, -1), 5)),
            "depth": str(int(rng.integers(2, 12))),
            "model": ["lgbm", "xgb", "mlp"][i % 3],
        }
        backend.log_batch(run.id, MetricColumns(curves), params=params, tags={"stage": "candidate"})
        backend.update_run(run.id, status="FINISHED", end_time=stamps[-1])


def report_spec(runs: int) -> dict[str, Any]:
    rs = {
        "project": PROJECT,
        "filter": "tags.stage = 'candidate'",
        "group_by": ["params.model"],
        "limit": runs,
    }
    blocks: list[dict[str, Any]] = [
        {"type": "heading", "text": "Benchmark report"},
        {"type": "markdown", "text": "## Why\nTwenty panels over every run; $x^2$ and `code`."},
    ]
    for i in range(10):
        blocks.append(
            {
                "type": "line",
                "runset": "rs1",
                "key": KEYS[i % 5],
                "smoothing": 0.6,
                "x": "step" if i < 8 else "time",
            }
        )
    for i in range(4):
        blocks.append(
            {"type": "scatter", "runset": "rs1", "x": "params.lr", "y": f"metrics.{KEYS[i]}"}
        )
    for i in range(3):
        blocks.append({"type": "bar", "runset": "rs1", "column": f"metrics.{KEYS[i]}"})
    for _ in range(2):
        blocks.append(
            {
                "type": "parallel",
                "runset": "rs1",
                "columns": ["params.lr", "params.depth", "params.model", "metrics.m0"],
            }
        )
    blocks.append(
        {
            "type": "table",
            "runset": "rs1",
            "columns": ["name", "params.model", "params.lr", "metrics.m0", "metrics.m1"],
        }
    )
    return {"runsets": {"rs1": rs}, "blocks": blocks}


def timed_get(
    client: httpx.Client, path: str, reps: int, **params: Any
) -> tuple[dict[str, Any], bytes]:
    body = b""
    times = []
    client.get(path, params=params, timeout=300).raise_for_status()  # warm
    for _ in range(reps):
        started = time.perf_counter()
        response = client.get(path, params=params, timeout=300)
        response.raise_for_status()
        times.append(time.perf_counter() - started)
        body = response.content
    return summarize(times), body


def ui_open(url: str, report_id: str, reps: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    times, everything = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        for _ in range(reps + 1):
            started = time.perf_counter()
            page.goto(f"{url}/reports/{report_id}", timeout=300_000)
            page.wait_for_selector("body[data-rendered='1']", timeout=60_000)
            times.append(time.perf_counter() - started)
            page.evaluate("window.renderAll()")
            everything.append(time.perf_counter() - started)
            charts = page.evaluate("document.querySelectorAll('#report .js-plotly-plot').length")
        browser.close()
    return {**summarize(times[1:]), "all_charts_drawn": summarize(everything[1:]), "charts": charts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--steps", type=int, default=5_000)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    results: dict[str, Any] = {"machine": machine_info(), "runs": args.runs, "steps": args.steps}
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'shipyard.db'}"
        backend = LocalBackend(db_url)
        started = time.perf_counter()
        populate(backend, args.runs, args.steps)
        results["populate_s"] = time.perf_counter() - started
        spec = report_spec(args.runs)
        report = backend.create_report(PROJECT, "Benchmark", spec=spec)
        results["panels"] = sum(1 for b in spec["blocks"] if "runset" in b)
        proc, url = start_server(db_url)
        try:
            with httpx.Client(base_url=url) as client:
                base = f"/api/v1/reports/{report.id}"
                results["data"], data = timed_get(client, f"{base}/data", args.reps)
                results["data"]["bytes"] = len(data)
                results["html_export"], html = timed_get(
                    client, f"{base}/export", args.reps, format="html"
                )
                results["html_export"]["bytes"] = len(html)
                results["pdf_export"], pdf = timed_get(client, f"{base}/export", 1, format="pdf")
                results["pdf_export"]["bytes"] = len(pdf)
            results["ui_open"] = ui_open(url, report.id, args.reps)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    path = write_result("reports", results)
    for name in ("data", "html_export", "pdf_export", "ui_open"):
        r = results[name]
        print(f"{name:12s} p50 {r['p50_s']:.3f} s  max {r['max_s']:.3f} s  {r.get('bytes', '')}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
