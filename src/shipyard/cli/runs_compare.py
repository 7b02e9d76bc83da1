"""``shipyard runs compare``: params and latest metrics of several runs side by side."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from shipyard.cli.options import AsJson, TrackingUri, open_client
from shipyard.cli.render import (
    MISSING,
    console,
    format_float,
    format_value,
    print_json,
    section,
    short_id,
)
from shipyard.tracking.entities import RunRecord

DIFF_STYLE = "bold yellow"

Rows = dict[str, list[Any]]
"""key → one value per run (None where the run lacks the key)."""


def compare_command(
    run_ids: Annotated[list[str], typer.Argument(help="Two or more run ids to put side by side.")],
    only_diff: Annotated[
        bool, typer.Option("--only-diff", help="Hide params and metrics equal in every run.")
    ] = False,
    as_json: AsJson = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """Compare params and latest metrics of runs; differing values are highlighted."""
    ids = list(dict.fromkeys(run_ids))
    if len(ids) < 2:
        raise typer.BadParameter("give at least two different run ids", param_hint="RUN_IDS")
    with open_client(tracking_uri) as client:
        records = [client.backend.get_run(run_id) for run_id in ids]
    params = collect(records, lambda r: r.params)
    metrics = collect(records, lambda r: r.metrics)
    if only_diff:
        params = {k: v for k, v in params.items() if differs(v)}
        metrics = {k: v for k, v in metrics.items() if differs(v)}
    if as_json:
        runs = [{"id": r.id, "name": r.name, "project": r.project} for r in records]
        print_json({"runs": runs, "params": params, "metrics": metrics})
        return
    for title, rows in (("Params", params), ("Metrics (latest)", metrics)):
        console.print(section(title))
        if rows:
            console.print(compare_table(records, rows))
        else:
            note = "no differences" if only_diff else "none logged"
            console.print(Text(f"  ({note})", style="dim"))


def collect(records: list[RunRecord], values_of: Callable[[RunRecord], dict[str, Any]]) -> Rows:
    """The union of keys (in first-seen order) with each run's value or None."""
    per_run = [values_of(r) for r in records]
    keys = dict.fromkeys(k for values in per_run for k in values)
    return {k: [values.get(k) for values in per_run] for k in keys}


def _identity(value: Any) -> str | None:
    """What equality means for a cell: the exact text (so NaN equals NaN)."""
    if value is None:
        return None
    return format_float(value) if isinstance(value, float) else str(value)


def differs(values: list[Any]) -> bool:
    return len({_identity(v) for v in values}) > 1


def _cells(values: list[Any]) -> list[str]:
    """Cell texts: 6 significant digits, or exact text where that would hide a difference."""
    short = [format_value(v) for v in values]
    if differs(values) and len(set(short)) < len({_identity(v) for v in values}):
        return [MISSING if v is None else str(_identity(v)) for v in values]
    return short


def compare_table(records: list[RunRecord], rows: Rows) -> Table:
    table = Table(header_style="bold")
    table.add_column("key", style="cyan", overflow="fold")
    for r in records:
        table.add_column(f"{short_id(r.id)}\n{r.name}", overflow="fold")
    for key, values in rows.items():
        style = DIFF_STYLE if differs(values) else ""
        table.add_row(key, *(Text(cell, style=style) for cell in _cells(values)))
    return table
