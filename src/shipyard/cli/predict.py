"""``shipyard predict`` (one batch run) and ``shipyard predictions`` (read the store)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from shipyard.cli.options import AsJson, TrackingUri
from shipyard.cli.render import console, format_value, kv_table, print_json

app = typer.Typer(
    help="The predictions store: batch runs of a predictions output, their rows, and "
    "where a row comes from.",
    no_args_is_help=True,
)

Output = Annotated[
    str, typer.Option("--output", "-o", help="Name of the predictions output (an artifact).")
]


def predict_command(
    *,
    model_uri: Annotated[str, typer.Argument(help="models:/NAME@ALIAS, models:/NAME/3, …")],
    features: Annotated[
        str | None,
        typer.Option(
            "--features", help="Feature service to read features from.", show_default=False
        ),
    ] = None,
    entities: Annotated[
        str | None,
        typer.Option(
            "--entities",
            help="Entity rows: a .parquet/.csv file or a SQL query (DuckDB, or --sql-url).",
            show_default=False,
        ),
    ] = None,
    data: Annotated[
        str | None,
        typer.Option(
            "--data",
            help="Rows with the features in them (file or query), "
            "instead of --features/--entities.",
            show_default=False,
        ),
    ] = None,
    output: Output = "predictions",
    executor: Annotated[str, typer.Option(help="local (processes) or ray (Ray Data).")] = "local",
    workers: Annotated[
        int | None,
        typer.Option(
            help="Parallel scorers (default: all cores): this process and N-1 spawned "
            "ones, or N Ray actors.",
            show_default=False,
        ),
    ] = None,
    chunk_rows: Annotated[int, typer.Option(help="Rows per chunk a worker scores.")] = 250_000,
    ray_address: Annotated[
        str | None,
        typer.Option(
            help="Ray cluster address (default: $RAY_ADDRESS, else a local Ray).",
            show_default=False,
        ),
    ] = None,
    project: Annotated[str, typer.Option(help="Project of the batch run.")] = "batch-predictions",
    files_dir: Annotated[
        Path | None,
        typer.Option(
            help="Also publish the Parquet files to DIR/OUTPUT/current.", show_default=False
        ),
    ] = None,
    sql_url: Annotated[
        str | None,
        typer.Option(
            help="Also append the rows to a SQL table at this URL "
            "(and run --entities queries there).",
            show_default=False,
        ),
    ] = None,
    sql_table: Annotated[
        str | None, typer.Option(help="The SQL table for --sql-url.", show_default=False)
    ] = None,
    tracking_uri: TrackingUri = None,
) -> None:
    """Score rows with a registered model and commit them as a new batch run of OUTPUT."""
    from shipyard.predictions import predict_batch

    with _bars() as bars:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bars.add_task(stage, total=total)
            bars.advance(tasks[stage], done)

        result = predict_batch(
            model_uri, features=features, entities=entities, data=data, output=output,
            executor=executor, workers=workers, chunk_rows=chunk_rows, ray_address=ray_address,
            project=project, files_dir=files_dir, sql_url=sql_url, sql_table=sql_table,
            entities_sql_url=sql_url, tracking_uri=tracking_uri, progress=progress,
        )  # fmt: skip
    console.print(kv_table(None, {
        "predictions": result.artifact.ref,
        "rows": f"{result.rows:,}",
        "model": f"{result.model_name} v{result.model_version}",
        "features": f"{result.feature_service} v{result.feature_service_version}"
        if result.feature_service else "(given with the data)",
        "dates": ", ".join(result.dates),
        "batch run": result.run_id,
        "rows/s": f"{result.rows_per_second:,.0f}",
        "files": str(result.files) if result.files else "-",
    }))  # fmt: skip
    console.print(f"Read them: shipyard predictions latest --output {output}")


def _bars() -> Progress:
    return Progress(
        TextColumn("{task.description:>9}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console, disable=not console.is_terminal,
    )  # fmt: skip


@app.command("latest")
def latest_command(
    *,
    output: Output = "predictions",
    date: Annotated[
        str | None, typer.Option(help="Only this partition (YYYY-MM-DD).", show_default=False)
    ] = None,
    version: Annotated[
        int | None,
        typer.Option(help="A given batch run version, not the newest.", show_default=False),
    ] = None,
    limit: Annotated[int, typer.Option(help="Rows to show.")] = 20,
    as_json: AsJson = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """Show the rows of the newest committed batch run."""
    from shipyard.predictions import latest

    frame = latest(output, date=date, version=version, tracking_uri=tracking_uri)
    if as_json:
        print_json(frame.head(limit).to_dict(orient="records"))
        return
    table = Table(title=f"{output}: {len(frame):,} rows (first {min(limit, len(frame))})")
    for column in frame.columns:
        table.add_column(str(column))
    for row in frame.head(limit).itertuples(index=False):
        table.add_row(*(format_value(v) for v in row))
    console.print(table)


@app.command("list")
def list_command(output: Output = "predictions", as_json: AsJson = False,
                 tracking_uri: TrackingUri = None) -> None:  # fmt: skip
    """Every committed batch run of OUTPUT, oldest first."""
    from shipyard.predictions import versions

    found = versions(output, tracking_uri=tracking_uri)
    rows = [{"version": v.ref, **{k: v.metadata.get(k) for k in (
        "rows", "model_name", "model_version", "feature_service", "dates", "batch_run_id",
        "predicted_at")}} for v in found]  # fmt: skip
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"Batch runs of {output}")
    for column in rows[0]:
        table.add_column(column)
    for row in rows:
        table.add_row(*(format_value(v) for v in row.values()))
    console.print(table)


@app.command("trace")
def trace_command(
    output: Output = "predictions",
    row: Annotated[int, typer.Option(help="Row number in the newest batch run.")] = 0,
    as_json: AsJson = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """Where a prediction row comes from: batch run, model, training run, data."""
    from shipyard.predictions import latest, trace

    frame = latest(output, tracking_uri=tracking_uri)
    found = trace(frame.iloc[row], output, tracking_uri=tracking_uri)
    found.pop("graph")
    if as_json:
        print_json(found)
        return
    console.print(kv_table(None, {
        "batch run": found["batch_run_id"], "predictions": found["predictions"],
        "model": f"{found['model']['name']} v{found['model']['version']}",
        "features": f"{found['feature_service']['name']} v{found['feature_service']['version']}",
    }))  # fmt: skip
    table = Table(title="Upstream (hops from the predictions)")
    for column in ("hops", "kind", "id", "type/name"):
        table.add_column(column)
    for r in found["runs"]:
        table.add_row(str(r["hops"]), "run", r["id"], r["name"])
    for a in found["artifacts"]:
        table.add_row(str(a["hops"]), "artifact", a["ref"], a["type"] or "")
    console.print(table)
    if found["truncated"]:
        console.print("[yellow]Lineage goes on beyond this: the walk hit its hard cap.[/yellow]")
