"""``shipyard features``: apply definitions, list/show them, ingest, materialize, look up
online values and show feature statistics."""

from __future__ import annotations

import json
import runpy
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table
from rich.text import Text

from shipyard.cli.options import AsJson, TrackingUri
from shipyard.cli.render import (
    console,
    err_console,
    format_time,
    format_value,
    kv_table,
    print_json,
    section,
    sparkline,
)
from shipyard.client.features import FeatureStore, collect_definitions
from shipyard.core.errors import FeatureValidationError, InvalidInputError
from shipyard.features import FeatureView, FileSource, IngestionRecord

app = typer.Typer(
    help="The feature store: definitions, validated ingestion, point-in-time training "
    "sets, materialization into the online store, online lookups and statistics.",
    no_args_is_help=True,
)

KindOption = Annotated[
    str | None, typer.Option("--kind", "-k", help="entity, view or service.", show_default=False)
]


@contextmanager
def _store(tracking_uri: str | None) -> Iterator[FeatureStore]:
    store = FeatureStore(tracking_uri)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def _spinner(description: str) -> Iterator[Any]:
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), console=console, transient=True,
        disable=not console.is_terminal,
    ) as bar:  # fmt: skip
        task = bar.add_task(description, total=None)
        yield lambda text: bar.update(task, description=text)


@app.command("apply")
def apply_command(
    path: Annotated[Path, typer.Argument(help="A Python file defining entities, views, services.")],
    delete: Annotated[
        bool, typer.Option("--delete", help="Delete stored definitions the file lacks.")
    ] = False,
    as_json: AsJson = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """Apply every Entity, FeatureView and FeatureService defined in PATH."""
    if not path.is_file():
        raise InvalidInputError(f"No definitions file {str(path)!r}")
    definitions = collect_definitions(runpy.run_path(str(path)))
    if not definitions:
        raise InvalidInputError(f"{str(path)!r} defines no entities, feature views or services")
    with _store(tracking_uri) as store:
        report = store.apply(definitions, delete=delete)
    if as_json:
        print_json(report.to_dict())
        return
    table = Table("definition", "version", "change", title="Applied", title_justify="left")
    for label, style, items in (("created", "green", report.created),
                                ("updated", "yellow", report.updated),
                                ("unchanged", "dim", report.unchanged)):  # fmt: skip
        for item in items:
            table.add_row(item, str(report.versions.get(item, "")), Text(label, style=style))
    for item in report.removed:
        gone = item in report.deleted
        table.add_row(item, "", Text("deleted" if gone else "removed (kept)", style="red"))
    console.print(table)
    if report.removed and not report.deleted:
        console.print("Definitions not in the file are kept; pass --delete to delete them.")


@app.command("list")
def list_command(
    kind: KindOption = None, as_json: AsJson = False, tracking_uri: TrackingUri = None
) -> None:
    """Live definitions, newest version of each."""
    with _store(tracking_uri) as store:
        records = store.list_definitions(kind)
    if as_json:
        print_json([r.to_dict() for r in records])
        return
    table = Table("kind", "name", "version", "created", "details")
    for r in records:
        details = ""
        if r.kind == "view":
            details = f"{len(r.spec['schema'])} features, keys {', '.join(r.spec['join_keys'])}"
        elif r.kind == "service":
            details = f"{len(r.spec['features'])} features"
        elif r.kind == "entity":
            details = f"keys {', '.join(r.spec['join_keys'])}"
        table.add_row(r.kind, r.name, f"v{r.version}", format_time(r.created_at), details)
    console.print(table)


@app.command("show")
def show_command(
    name: Annotated[str, typer.Argument(help="The definition's name.")],
    kind: Annotated[str, typer.Option("--kind", "-k", help="entity, view or service.")] = "view",
    version: Annotated[int | None, typer.Option("--version", "-v", help="A version.")] = None,
    as_json: AsJson = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """A definition with its versions (and, for a view, its ingested batches)."""
    with _store(tracking_uri) as store:
        record = store.get(kind, name, version)
        versions = store.versions(kind, name)
        batches = store.stats(name, version) if kind == "view" else []
    if as_json:
        print_json({**record.to_dict(), "versions": [v.version for v in versions],
                    "ingestions": [b.to_dict() for b in batches]})  # fmt: skip
        return
    console.print(kv_table(f"{kind} {name} v{record.version}", {
        "digest": record.digest[:16], "created": format_time(record.created_at),
        "versions": ", ".join(f"v{v.version}" for v in versions),
    }))  # fmt: skip
    if kind == "view":
        table = Table("feature", "dtype", "nullable", "constraints", title_justify="left")
        for f in record.spec["schema"]:
            rules = [f"min {f['min']}" if f.get("min") is not None else "",
                     f"max {f['max']}" if f.get("max") is not None else "",
                     f"in {f['allowed']}" if f.get("allowed") is not None else ""]  # fmt: skip
            table.add_row(
                f["name"], f["dtype"], str(f["nullable"]), " ".join(r for r in rules if r)
            )
        console.print(table)
        rows = sum(b.rows for b in batches)
        console.print(f"{len(batches)} batches, {rows:,} rows; ttl {record.spec.get('ttl_s')} s")
    else:
        console.print_json(json.dumps(record.spec))


def _print_rejections(exc: FeatureValidationError) -> None:
    table = Table("row", "column", "reason", title=f"{exc.details.get('rejected', '?')} bad rows",
                  title_justify="left")  # fmt: skip
    for item in exc.details.get("rows", [])[:50]:
        table.add_row(str(item["row"]), str(item["column"]), str(item["reason"]))
    err_console.print(table)


@app.command("ingest")
def ingest_command(
    view: Annotated[str, typer.Argument(help="The feature view to ingest into.")],
    file: Annotated[
        str | None,
        typer.Option(
            "--file",
            "-f",
            help="A CSV/Parquet file, folder or glob (local or "
            "s3://). Default: the view's own source.",
            show_default=False,
        ),
    ] = None,
    as_json: AsJson = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """Validate a batch against the view's schema and append it, all or nothing."""
    from shipyard.features.sources import read_source

    with _store(tracking_uri) as store, _spinner("reading the source") as say:
        spec_view = store.get_feature_view(view)
        df = None
        if file is not None:
            df = read_source(FileSource(file, timestamp_field=spec_view.event_timestamp_field))
        say("validating and writing")
        try:
            record = store.ingest(view, df)
        except FeatureValidationError as exc:
            _print_rejections(exc)
            raise
    if as_json:
        print_json(record.to_dict())
        return
    console.print(f"Ingested {record.rows:,} rows into {view} v{record.view_version} "
                  f"(batch {record.id}, {len(record.files)} files, "
                  f"{format_time(record.min_ts)} … {format_time(record.max_ts)})")  # fmt: skip


@app.command("materialize")
def materialize_command(
    end: Annotated[
        datetime | None, typer.Option("--end", help="Event time to stop at (default: now, UTC).")
    ] = None,
    views: Annotated[
        list[str] | None, typer.Option("--view", help="Only this view (repeatable).")
    ] = None,
    as_json: AsJson = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """Copy the latest values into the online store, from where the last run stopped."""
    with _store(tracking_uri) as store:
        names = list(views or [r.name for r in store.list_definitions("view")])
        results = []
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        ) as bar:
            task = bar.add_task("materializing", total=len(names))  # fmt: skip
            for name in names:
                bar.update(task, description=f"materializing {name}")
                results += store.materialize(end, [name])
                bar.advance(task)
    if as_json:
        print_json([r.to_dict() for r in results])
        return
    table = Table("view", "rows written", "up to", "last batch", "store")
    for r in results:
        table.add_row(
            r.view_name, f"{r.rows:,}", format_time(r.end_ts), str(r.last_ingestion_id), r.store
        )
    console.print(table)


def _entity_row(text: str) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for part in text.split(","):
        key, sep, raw = part.partition("=")
        if not sep or not key.strip():
            raise InvalidInputError(f"An entity is KEY=VALUE[,KEY=VALUE], got {text!r}")
        try:
            row[key.strip()] = json.loads(raw)
        except ValueError:
            row[key.strip()] = raw
    return row


@app.command("get")
def get_command(
    entity: Annotated[
        list[str], typer.Option("--entity", "-e", help="KEY=VALUE[,KEY=VALUE] (repeatable).")
    ],
    service: Annotated[
        str | None, typer.Option("--service", "-s", help="A feature service.")
    ] = None,
    feature: Annotated[
        list[str] | None, typer.Option("--feature", help="VIEW:FEATURE (repeatable).")
    ] = None,
    as_json: AsJson = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """Online feature values for some entities (values older than their view's TTL, by
    the clock now, show as missing)."""
    rows = [_entity_row(e) for e in entity]
    with _store(tracking_uri) as store:
        result = store.get_online_features(rows, features=feature or None, service=service)
    if as_json:
        print_json(result)
        return
    table = Table(*result.keys())
    for i in range(len(rows)):
        table.add_row(
            *(format_value(col[i]) if col[i] is not None else "—" for col in result.values())
        )
    console.print(table)


def _stats_table(batch: IngestionRecord) -> Table:
    table = Table("feature", "count", "nulls", "mean", "std", "min", "p50", "max", "distribution")
    for name, s in batch.stats.items():
        if "histogram" in s:
            chart = sparkline(s["histogram"]["counts"], 20)
            q = s.get("quantiles", {})
            cells = [format_value(s.get(k)) for k in ("mean", "std", "min")]
            cells += [format_value(q.get("0.5")), format_value(s.get("max"))]
        else:
            top = ", ".join(f"{t['value']} ({t['count']})" for t in s.get("top", [])[:3])
            cells = ["", "", format_value(s.get("min", "")), "", format_value(s.get("max", ""))]
            chart = top
        table.add_row(name, f"{s['count']:,}", f"{s['nulls']:,}", *cells, chart)
    return table


@app.command("stats")
def stats_command(
    view: Annotated[str, typer.Argument(help="The feature view.")],
    version: Annotated[int | None, typer.Option("--version", "-v", help="A version.")] = None,
    last: Annotated[int, typer.Option("--last", help="How many recent batches to show.")] = 1,
    as_json: AsJson = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """Column statistics computed when each batch was ingested."""
    with _store(tracking_uri) as store:
        batches = store.stats(view, version)
    if as_json:
        print_json([b.to_dict() for b in batches])
        return
    if not batches:
        console.print(f"No batches ingested into {view} yet.")
        return
    for batch in batches[-max(last, 1) :]:
        console.print(section(f"batch {batch.id} · v{batch.view_version} · {batch.rows:,} rows · "
                              f"{format_time(batch.created_at)}"))  # fmt: skip
        console.print(_stats_table(batch))


__all__ = ["FeatureView", "app"]
