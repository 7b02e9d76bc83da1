"""``shipyard sync``: upload runs logged offline to the tracking target."""

from __future__ import annotations

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from shipyard.cli.errors import fail
from shipyard.cli.options import TrackingUri
from shipyard.cli.render import console, err_console, short_id
from shipyard.client.backend import Backend
from shipyard.client.factory import backend_for, offline_backend
from shipyard.client.local import LocalBackend
from shipyard.client.sync import Progress as ProgressCallback
from shipyard.client.sync import SyncReport, pending_runs, sync_run
from shipyard.core.errors import ShipyardError, StoreError
from shipyard.tracking.entities import RunRecord
from shipyard.tracking.system_info import strip_credentials

Outcome = tuple[RunRecord, SyncReport | None, ShipyardError | None]


def sync_command(tracking_uri: TrackingUri = None) -> None:
    """Upload runs logged offline to the tracking target.

    Offline runs come from sy.start_run(offline=True) or SHIPYARD_MODE=offline. Safe to
    repeat: nothing is uploaded twice.
    """
    source = offline_backend()
    if not isinstance(source, LocalBackend):  # pragma: no cover - the offline store is local
        raise StoreError(f"The offline store {source.uri} is not an embedded store")
    pending = pending_runs(source)
    if not pending:
        console.print("Nothing to sync: every offline run is already uploaded.")
        return
    target = backend_for(tracking_uri)
    try:
        outcomes = _upload(source, target, pending)
    finally:
        target.close()
    console.print(summary_table(outcomes))
    failures = [error for _, _, error in outcomes if error is not None]
    synced = len(outcomes) - len(failures)
    console.print(f"Synced {synced} run(s) to {strip_credentials(target.uri)}.")
    if failures:
        err_console.print(Text(f"{len(failures)} run(s) failed; run `shipyard sync` again."))
        fail(failures[0])


def _upload(source: LocalBackend, target: Backend, pending: list[RunRecord]) -> list[Outcome]:
    """Upload each run with a progress bar: one bar over runs, one over the current run's
    points. A failing run is recorded and the others still go."""
    outcomes: list[Outcome] = []
    with Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[unit]}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        overall = progress.add_task("runs", total=len(pending), unit="runs")
        for record in pending:
            label = f"{short_id(record.id)} {record.name}"
            task = progress.add_task(label, total=None, unit="points")
            try:
                report = sync_run(source, target, record, _advance(progress, task))
            except ShipyardError as exc:
                outcomes.append((record, None, exc))
            else:
                outcomes.append((record, report, None))
                progress.update(task, total=report.points, completed=report.points)
            progress.advance(overall)
    return outcomes


def _advance(progress: Progress, task: TaskID) -> ProgressCallback:
    def callback(_run_id: str, chunk: int, _total: int) -> None:
        progress.advance(task, chunk)

    return callback


def summary_table(outcomes: list[Outcome]) -> Table:
    table = Table(title="Sync summary", title_justify="left", header_style="bold")
    table.add_column("run")
    table.add_column("name", overflow="fold")
    table.add_column("project", overflow="fold")
    table.add_column("status")
    table.add_column("points", justify="right")
    table.add_column("result", overflow="fold")
    for record, report, error in outcomes:
        result = (
            Text("uploaded", style="green")
            if error is None
            else Text(f"failed [{error.error_code}]: {error.message}", style="red")
        )
        points = str(report.points) if report is not None else "—"
        table.add_row(
            short_id(record.id), record.name, record.project, record.status.value, points, result
        )
    return table
