"""``shipyard runs history``: the full series of one metric as a table, CSV or JSON."""

from __future__ import annotations

import io
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from shipyard.cli.options import TrackingUri, open_client
from shipyard.cli.render import (
    console,
    dumps_json,
    format_float,
    format_time,
    format_value,
    sparkline,
)
from shipyard.tracking.entities import MetricHistory

HEAD_TAIL = 10
"""A table longer than 2 * HEAD_TAIL + 5 rows shows only its first and last rows."""

MIN_CHART_WIDTH = 10


class HistoryFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def history_command(
    run_id: Annotated[str, typer.Argument(help="The run's id.")],
    key: Annotated[str, typer.Argument(help="The metric key, e.g. val/rmse.")],
    fmt: Annotated[
        HistoryFormat | None,
        typer.Option(
            "--format",
            help="table (with a sparkline chart), csv or json. "
            "Default: table, or by --output's suffix (.json → json, else csv).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", help="Write to this file instead of the terminal.", dir_okay=False
        ),
    ] = None,
    tracking_uri: TrackingUri = None,
) -> None:
    """Print every point of one metric (step, timestamp, value)."""
    if fmt is None:
        fmt = _format_for(output)
    with open_client(tracking_uri) as client:
        run_id = client.backend.get_run(run_id).id  # accepts a unique id prefix
        history = client.get_metric_history(run_id, key)
    if fmt is HistoryFormat.csv:
        text = history_csv(history)
    elif fmt is HistoryFormat.json:
        text = history_json(run_id, history)
    elif output is not None:
        text = _table_text(history)
    else:
        print_history_table(history, console)
        return
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    console.print(f"Wrote {len(history)} points of {key!r} to {output}")


def _format_for(output: Path | None) -> HistoryFormat:
    if output is None:
        return HistoryFormat.table
    return HistoryFormat.json if output.suffix.lower() == ".json" else HistoryFormat.csv


def history_csv(history: MetricHistory) -> str:
    """``step,timestamp,value`` lines; NaN/inf are written ``NaN``/``Infinity``/``-Infinity``."""
    lines = ["step,timestamp,value"]
    lines.extend(
        f"{s},{t},{format_float(v)}"
        for s, t, v in zip(
            history.steps.tolist(),
            history.timestamps.tolist(),
            history.values.tolist(),
            strict=True,
        )
    )
    return "\n".join(lines) + "\n"


def history_json(run_id: str, history: MetricHistory) -> str:
    points = [
        {"step": s, "timestamp": t, "value": v}
        for s, t, v in zip(
            history.steps.tolist(),
            history.timestamps.tolist(),
            history.values.tolist(),
            strict=True,
        )
    ]
    return dumps_json({"run_id": run_id, "key": history.key, "points": points}) + "\n"


def history_table(history: MetricHistory) -> Table:
    """step / time / value; a long series shows its head and tail with a gap row."""
    table = Table(header_style="bold")
    table.add_column("step", justify="right")
    table.add_column("time", no_wrap=True)
    table.add_column("value", justify="right")
    n = len(history)
    rows = list(range(n))
    if n > 2 * HEAD_TAIL + 5:
        rows = [*range(HEAD_TAIL), -1, *range(n - HEAD_TAIL, n)]
    for i in rows:
        if i < 0:
            gap = Text(f"… {n - 2 * HEAD_TAIL} more …", style="dim")
            table.add_row("⋮", gap, "⋮")
            continue
        table.add_row(
            str(int(history.steps[i])),
            format_time(int(history.timestamps[i])),
            format_value(float(history.values[i])),
        )
    return table


def print_history_table(history: MetricHistory, out: Console) -> None:
    """The table, then a one-line sparkline of the whole series across the terminal."""
    out.print(history_table(history))
    n = len(history)
    if n == 0:
        out.print(Text("(no points)", style="dim"))
        return
    values = history.values
    width = max(MIN_CHART_WIDTH, out.width - 1)
    out.print(Text(sparkline(values, width), style="bold cyan"), soft_wrap=True)
    finite = values[~np.isnan(values)]
    stats = (
        f"{history.key}: {n} points, steps {int(history.steps[0])} to {int(history.steps[-1])}"
        f", min {format_value(float(finite.min())) if finite.size else '—'}"
        f", max {format_value(float(finite.max())) if finite.size else '—'}"
        f", last {format_value(float(values[-1]))}"
    )
    out.print(Text(stats, style="dim"), soft_wrap=True)


def _table_text(history: MetricHistory) -> str:
    """The table and chart as plain text, for ``--format table --output FILE``."""
    sink = io.StringIO()
    print_history_table(history, Console(file=sink, width=120, color_system=None))
    return sink.getvalue()
