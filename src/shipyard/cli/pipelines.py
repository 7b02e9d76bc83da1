"""``shipyard pipelines``: run, list, show, logs, resume and backfill pipeline runs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.tree import Tree

from shipyard.cli.options import AsJson, TrackingUri
from shipyard.cli.render import console, format_time, print_json
from shipyard.client import backend_for
from shipyard.client.pipelines import (
    PipelineRun,
    backfill,
    load_pipeline,
    resume,
    run_pipeline,
    step_logs,
)
from shipyard.core.errors import InvalidInputError, PipelineFailedError
from shipyard.pipelines import PipelineRunRecord, StepRunRecord

app = typer.Typer(
    help="Pipelines of steps: run them (locally or on Ray), inspect runs, resume, backfill.",
    no_args_is_help=True,
)

Params = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        "-p",
        help="A pipeline parameter KEY=VALUE (VALUE read as JSON "
        "when it parses, else as text). Repeat for more.",
    ),
]
ExecutorOpt = Annotated[
    str, typer.Option("--executor", help="Where steps run: local (processes) or ray.")
]
RayAddress = Annotated[
    str | None,
    typer.Option(
        "--ray-address",
        help="A Ray cluster (default $RAY_ADDRESS, else local Ray).",
        show_default=False,
    ),
]
MaxWorkers = Annotated[
    int | None,
    typer.Option("--max-workers", help="Steps run at once (default: CPU count).", min=1),
]
STEP_STYLES = {
    "SUCCEEDED": "green",
    "CACHED": "blue",
    "REUSED": "blue",
    "FAILED": "red",
    "TIMED_OUT": "red",
    "SKIPPED": "yellow",
    "RUNNING": "cyan",
    "PENDING": "dim",
}


def parse_params(items: list[str] | None) -> dict[str, Any]:
    """``["lr=0.05", "name=x"]`` → ``{"lr": 0.05, "name": "x"}``."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise InvalidInputError(f"--param expects KEY=VALUE, got {item!r}")
        try:
            out[key] = json.loads(raw)
        except ValueError:
            out[key] = raw
    return out


def _label(step: StepRunRecord) -> str:
    style = STEP_STYLES.get(step.status, "")
    status = {"CACHED": "cached", "REUSED": "reused"}.get(step.status, step.status)
    took = f" {step.duration_ms / 1000:.2f}s" if step.duration_ms else ""
    tries = f" ({step.attempts} attempts)" if step.attempts > 1 else ""
    out = step.outputs.get("value", {})
    ref = f" → {escape(out['ref'])}" if out.get("ref") else ""
    return f"[bold]{escape(step.name)}[/] [{style}]{status}[/]{took}{tries}{ref}"


def render_run(record: PipelineRunRecord) -> None:
    """The run's header and its steps as a DAG (each step under its first upstream)."""
    style = STEP_STYLES.get(record.status, "")
    head = (
        f"[bold]{escape(record.pipeline)}[/] run {record.id} [{style}]{record.status}[/]"
        f"  ({record.trigger}, {record.executor}, started {format_time(record.started_at)})"
    )
    tree = Tree(head)
    nodes: dict[str, Tree] = {}
    for s in record.steps:
        parent = nodes.get(s.upstream[0]) if s.upstream else None
        extra = f"  [dim]also after {', '.join(s.upstream[1:])}[/]" if len(s.upstream) > 1 else ""
        nodes[s.name] = (parent or tree).add(_label(s) + extra)
        if s.error:
            nodes[s.name].add(f"[red]{escape(s.error.splitlines()[0][:300])}[/]")
    console.print(tree)
    if record.params:
        console.print(f"params: {escape(json.dumps(record.params, sort_keys=True))}")
    if record.resumed_from:
        console.print(f"resumed from {record.resumed_from}")


@contextmanager
def _progress() -> Iterator[Callable[[str, str, Mapping[str, Any]], None]]:
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("steps", total=None)

        def on_event(kind: str, step: str, data: Mapping[str, Any]) -> None:
            if kind == "started":
                bar.update(task, total=len(data["steps"]), description=f"run {data['run_id'][:8]}")
            elif kind in ("SUCCEEDED", "CACHED", "REUSED", "FAILED", "TIMED_OUT", "SKIPPED"):
                bar.advance(task)
                console.print(_label(StepRunRecord.from_dict(data)))
            elif kind == "retry":
                console.print(
                    f"[yellow]{escape(step)}: attempt {data['attempt']} failed, "
                    f"retrying in {data['delay_s']:.1f}s[/]"
                )

        yield on_event


def _finish(
    run: PipelineRun | None, exc: PipelineFailedError | None, as_json: bool, uri: str | None
) -> None:
    if exc is not None:
        record = backend_for(uri).get_pipeline_run(str(exc.details["run_id"]))
    else:
        assert run is not None
        record = run.record
    if as_json:
        print_json(record.to_dict())
    else:
        render_run(record)
    if exc is not None:
        console.print(
            f"[red]Failed.[/] Logs: shipyard pipelines logs {record.id}; "
            f"retry from the failed step: shipyard pipelines resume {record.id}"
        )
        raise typer.Exit(1)


@app.command("run")
def run_command(
    target: Annotated[
        str, typer.Argument(help="The pipeline: package.module:attr or file.py:attr.")
    ],
    *,
    param: Params = None,
    executor: ExecutorOpt = "local",
    ray_address: RayAddress = None,
    max_workers: MaxWorkers = None,
    tracking_uri: TrackingUri = None,
    as_json: AsJson = False,
) -> None:
    """Run a pipeline; independent steps run in parallel, cached steps are skipped."""
    pipe = load_pipeline(target)
    backend = backend_for(tracking_uri)
    run, failure = None, None
    with _progress() as on_event:
        try:
            run = run_pipeline(
                pipe,
                parse_params(param),
                executor=executor,
                backend=backend,
                ray_address=ray_address,
                max_workers=max_workers,
                progress=None if as_json else on_event,
            )
        except PipelineFailedError as exc:
            failure = exc
    _finish(run, failure, as_json, tracking_uri)


@app.command("resume")
def resume_command(
    run_id: Annotated[str, typer.Argument(help="A failed pipeline run.")],
    *,
    executor: ExecutorOpt = "local",
    ray_address: RayAddress = None,
    max_workers: MaxWorkers = None,
    tracking_uri: TrackingUri = None,
    as_json: AsJson = False,
) -> None:
    """Re-run a failed run from its failed step, reusing the outputs of steps that succeeded."""
    backend = backend_for(tracking_uri)
    run, failure = None, None
    with _progress() as on_event:
        try:
            run = resume(
                run_id,
                backend=backend,
                executor=executor,
                ray_address=ray_address,
                max_workers=max_workers,
                progress=None if as_json else on_event,
            )
        except PipelineFailedError as exc:
            failure = exc
    _finish(run, failure, as_json, tracking_uri)


@app.command("list")
def list_command(
    *,
    pipeline: Annotated[str | None, typer.Option("--pipeline", help="Only this pipeline.")] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="Only runs with this status.")
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", help="At most this many runs.", min=1, max=1000)
    ] = 50,
    tracking_uri: TrackingUri = None,
    as_json: AsJson = False,
) -> None:
    """Pipeline runs, newest first."""
    runs = backend_for(tracking_uri).list_pipeline_runs(pipeline, status, limit)
    if as_json:
        print_json([r.to_dict() for r in runs])
        return
    table = Table("run", "pipeline", "status", "trigger", "executor", "started", "took")
    for r in runs:
        took = f"{(r.ended_at - r.started_at) / 1000:.1f}s" if r.ended_at else ""
        table.add_row(
            r.id,
            r.pipeline,
            f"[{STEP_STYLES.get(r.status, '')}]{r.status}[/]",
            r.trigger,
            r.executor,
            format_time(r.started_at),
            took,
        )
    console.print(table)


@app.command("show")
def show_command(
    run_id: Annotated[str, typer.Argument(help="A pipeline run id.")],
    tracking_uri: TrackingUri = None,
    as_json: AsJson = False,
) -> None:
    """A run's steps as a DAG: status, cache hits, attempts, durations and outputs."""
    record = backend_for(tracking_uri).get_pipeline_run(run_id)
    if as_json:
        print_json(record.to_dict())
    else:
        render_run(record)


@app.command("logs")
def logs_command(
    run_id: Annotated[str, typer.Argument(help="A pipeline run id.")],
    step: Annotated[str | None, typer.Option("--step", help="Only this step.")] = None,
    tracking_uri: TrackingUri = None,
) -> None:
    """The captured stdout, stderr and logging of each step (the last attempt's)."""
    for name, text in step_logs(backend_for(tracking_uri), run_id, step):
        console.rule(f"[bold]{escape(name)}")
        console.print(
            escape(text) if text else "[dim](no output)[/]",
            end="" if text else "\n",
            highlight=False,
        )


@app.command("backfill")
def backfill_command(
    name: Annotated[str, typer.Argument(help="A registered pipeline (see `pipelines list`).")],
    *,
    start: Annotated[str, typer.Option("--start", help="ISO date or datetime (inclusive).")],
    end: Annotated[str, typer.Option("--end", help="ISO date or datetime (exclusive).")],
    cron: Annotated[
        str | None, typer.Option("--cron", help="Intervals (default: the pipeline's schedule).")
    ] = None,
    tz: Annotated[
        str | None, typer.Option("--tz", help="Time zone of the intervals and of naive dates.")
    ] = None,
    param: Params = None,
    executor: ExecutorOpt = "local",
    ray_address: RayAddress = None,
    tracking_uri: TrackingUri = None,
) -> None:
    """One pipeline run per interval in [start, end), with interval_start/interval_end."""
    backend = backend_for(tracking_uri)
    failed = 0

    def report(lo: Any, hi: Any, outcome: Any) -> None:
        nonlocal failed
        ok = isinstance(outcome, PipelineRun)
        failed += 0 if ok else 1
        run_id = outcome.id if ok else outcome.details.get("run_id")
        mark = "[green]ok[/]" if ok else "[red]failed[/]"
        console.print(f"{lo.isoformat()} → {hi.isoformat()}  {mark}  {run_id}")

    backfill(
        name,
        start,
        end,
        backend=backend,
        cron=cron,
        timezone=tz,
        params=parse_params(param),
        on_interval=report,
        executor=executor,
        ray_address=ray_address,
    )
    if failed:
        console.print(f"[red]{failed} interval(s) failed[/]")
        raise typer.Exit(1)
