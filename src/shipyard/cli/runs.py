"""``shipyard runs``: list, show, compare, history and delete runs."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from shipyard.cli.history import history_command
from shipyard.cli.options import AsJson, TrackingUri, open_client
from shipyard.cli.render import (
    MISSING,
    console,
    format_duration,
    format_time,
    format_value,
    print_json,
    short_id,
    status_text,
)
from shipyard.cli.runs_compare import compare_command
from shipyard.cli.runs_show import show_command
from shipyard.client import Client
from shipyard.core.errors import InvalidInputError
from shipyard.tracking.entities import RunRecord

app = typer.Typer(help="Search, inspect, compare and delete runs.", no_args_is_help=True)
app.command("show")(show_command)
app.command("compare")(compare_command)
app.command("history")(history_command)

PAGE_SIZE = 1000
DEFAULT_METRIC_COLUMNS = 4
DEFAULT_PARAM_COLUMNS = 4
_KINDS = {
    "metrics": "metrics",
    "metric": "metrics",
    "params": "params",
    "param": "params",
    "tags": "tags",
    "tag": "tags",
}
_KIND_STYLES = {"metrics": "cyan", "params": "yellow", "tags": "blue"}

Column = tuple[str, str]
"""``(kind, key)`` with kind one of ``metrics``, ``params``, ``tags``."""


# --- runs list ----------------------------------------------------------------------------


@app.command("list")
def list_command(
    *,
    project: Annotated[
        str,
        typer.Option(
            "--project",
            "-p",
            envvar="SHIPYARD_PROJECT",
            help="The project whose runs to list (default: $SHIPYARD_PROJECT).",
        ),
    ],
    filter_: Annotated[
        str | None,
        typer.Option(
            "--filter",
            "-f",
            help="Search filter, e.g. \"metrics.`val/rmse` < 12 and params.lr = '0.1'\".",
        ),
    ] = None,
    order_by: Annotated[
        list[str] | None,
        typer.Option(
            "--order-by",
            "-o",
            help="Sort key, e.g. 'metrics.`val/rmse` ASC' (repeat for tie-breakers). "
            "Default: newest first.",
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="The most runs to show.")] = 50,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            "-c",
            help="Extra columns, comma-separated: metrics.KEY, params.KEY, tags.KEY. "
            "Default: up to 4 metrics and 4 params of the first run.",
        ),
    ] = None,
    as_json: AsJson = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """List the runs of a project in a table (or as JSON)."""
    chosen = parse_columns(columns) if columns is not None else None
    with open_client(tracking_uri) as client:
        records = search_records(client, project, filter_, order_by or [], limit)
    if as_json:
        print_json([r.to_dict() for r in records])
        return
    if not records:
        console.print(f"No runs in project {project!r} match.")
        return
    console.print(runs_table(records, chosen or default_columns(records[0])))
    console.print(Text(f"{len(records)} run(s)", style="dim"))


def search_records(
    client: Client, project: str, filter_: str | None, order_by: list[str], limit: int
) -> list[RunRecord]:
    """Up to ``limit`` matching runs, fetched page by page."""
    out: list[RunRecord] = []
    token: str | None = None
    while len(out) < limit:
        size = min(limit - len(out), PAGE_SIZE)
        page = client.backend.search_runs([project], filter_, order_by, size, token)
        out.extend(page.runs)
        token = page.next_page_token
        if token is None:
            break
    return out[:limit]


def parse_columns(spec: str) -> list[Column]:
    """``"metrics.loss, params.lr"`` → ``[("metrics", "loss"), ("params", "lr")]``."""
    out: list[Column] = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        prefix, dot, key = item.partition(".")
        kind = _KINDS.get(prefix.lower())
        key = key.strip().strip("`")
        if kind is None or not dot or not key:
            raise InvalidInputError(
                f"Bad column {item!r}: use metrics.KEY, params.KEY or tags.KEY, comma-separated"
            )
        out.append((kind, key))
    return out


def default_columns(record: RunRecord) -> list[Column]:
    metrics = [("metrics", k) for k in list(record.latest_metrics)[:DEFAULT_METRIC_COLUMNS]]
    params = [("params", k) for k in list(record.params)[:DEFAULT_PARAM_COLUMNS]]
    return metrics + params


def column_value(record: RunRecord, column: Column) -> str:
    kind, key = column
    if kind == "metrics":
        metric = record.latest_metrics.get(key)
        return MISSING if metric is None else format_value(metric.value)
    source = record.params if kind == "params" else record.tags
    return source.get(key, MISSING)


def runs_table(records: list[RunRecord], columns: list[Column]) -> Table:
    table = Table(header_style="bold")
    table.add_column("id", no_wrap=True, style="dim")
    table.add_column("name", overflow="fold", min_width=10)
    table.add_column("status", no_wrap=True)
    table.add_column("start", no_wrap=True)
    table.add_column("duration", no_wrap=True, justify="right")
    keys = [key for _, key in columns]
    for kind, key in columns:
        header = key if keys.count(key) == 1 else f"{kind}.{key}"
        table.add_column(
            Text(header, style=_KIND_STYLES[kind]),
            justify="right" if kind == "metrics" else "left",
            overflow="fold",
            min_width=min(len(header), 10),
        )
    for r in records:
        table.add_row(
            short_id(r.id),
            r.name,
            status_text(r.status.value),
            format_time(r.start_time),
            format_duration(r.start_time, r.end_time),
            *(column_value(r, c) for c in columns),
        )
    return table


# --- runs delete --------------------------------------------------------------------------


@app.command("delete")
def delete_command(
    run_ids: Annotated[list[str], typer.Argument(help="Ids of the runs to delete.")],
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Delete without asking for confirmation.")
    ] = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """Delete runs and everything logged to them (asks first unless --yes)."""
    with open_client(tracking_uri) as client:
        records = [client.backend.get_run(run_id) for run_id in dict.fromkeys(run_ids)]
        table = Table(header_style="bold")
        for name in ("id", "name", "project", "status"):
            table.add_column(name)
        for r in records:
            table.add_row(r.id, r.name, r.project, status_text(r.status.value))
        console.print(table)
        if not yes:
            typer.confirm(
                f"Delete {len(records)} run(s) and everything logged to them?", abort=True
            )
        for r in records:
            client.delete_run(r.id)
            console.print(f"Deleted run {r.id} ({r.name})")
