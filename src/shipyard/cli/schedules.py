"""``shipyard schedules`` (cron schedules of pipelines) and ``shipyard scheduler``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from shipyard.cli.options import AsJson, TrackingUri
from shipyard.cli.pipelines import RayAddress, parse_params
from shipyard.cli.render import console, format_time, print_json
from shipyard.client import backend_for
from shipyard.client.pipelines import load_pipeline, register, run_scheduler
from shipyard.pipelines import ScheduleRecord

app = typer.Typer(
    help="Cron schedules of pipelines (run them with `shipyard scheduler`).",
    no_args_is_help=True,
)
Name = Annotated[str, typer.Argument(help="The schedule's name.")]


def _table(items: list[ScheduleRecord]) -> Table:
    table = Table("name", "pipeline", "cron", "timezone", "catch-up", "status", "last slot")
    for s in items:
        table.add_row(
            s.name, s.pipeline, s.cron, s.timezone, s.catchup, s.status, format_time(s.last_slot)
        )
    return table


@app.command("add")
def add_command(
    name: Name,
    *,
    pipeline: Annotated[
        str,
        typer.Option(
            "--pipeline",
            help="package.module:attr (registered now) or the name of a registered pipeline.",
        ),
    ],
    cron: Annotated[
        str | None,
        typer.Option("--cron", help="Cron expression (default: the pipeline's schedule)."),
    ] = None,
    tz: Annotated[str, typer.Option("--tz", help="IANA time zone of the cron expression.")] = "UTC",
    catchup: Annotated[
        str, typer.Option("--catchup", help="Missed slots: none, latest or all.")
    ] = "latest",
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="KEY=VALUE.")] = None,
    tracking_uri: TrackingUri = None,
    as_json: AsJson = False,
) -> None:
    """Add a schedule; only slots after now fire."""
    backend = backend_for(tracking_uri)
    pipeline_name = pipeline
    if ":" in pipeline:
        pipe = load_pipeline(pipeline)
        register(backend, pipe)
        pipeline_name, cron = pipe.name, cron or pipe.schedule
        tz = tz if tz != "UTC" or pipe.timezone == "UTC" else pipe.timezone
    else:
        stored = backend.get_pipeline(pipeline).definition
        cron = cron or stored.get("schedule")
        tz = tz if tz != "UTC" else str(stored.get("timezone") or "UTC")
    if cron is None:
        from shipyard.core.errors import InvalidScheduleError

        raise InvalidScheduleError("Give --cron: the pipeline declares no schedule")
    record = backend.create_schedule(
        name, pipeline_name, cron, timezone=tz, params=parse_params(param), catchup=catchup
    )
    if as_json:
        print_json(record.to_dict())
    else:
        console.print(_table([record]))


@app.command("list")
def list_command(tracking_uri: TrackingUri = None, as_json: AsJson = False) -> None:
    """Every schedule with its last recorded slot."""
    items = backend_for(tracking_uri).list_schedules()
    if as_json:
        print_json([s.to_dict() for s in items])
    else:
        console.print(_table(items))


@app.command("pause")
def pause_command(name: Name, tracking_uri: TrackingUri = None) -> None:
    """Stop firing; slots while paused are not fired after resuming."""
    backend_for(tracking_uri).set_schedule_status(name, "PAUSED")
    console.print(f"Paused {name}")


@app.command("resume")
def resume_command(name: Name, tracking_uri: TrackingUri = None) -> None:
    """Fire again, from the next slot on."""
    backend_for(tracking_uri).set_schedule_status(name, "ACTIVE")
    console.print(f"Resumed {name}")


@app.command("delete")
def delete_command(name: Name, tracking_uri: TrackingUri = None) -> None:
    """Delete the schedule and its slot history (pipeline runs stay)."""
    backend_for(tracking_uri).delete_schedule(name)
    console.print(f"Deleted {name}")


@app.command("slots")
def slots_command(
    name: Name,
    *,
    limit: Annotated[
        int, typer.Option("--limit", help="At most this many slots.", min=1, max=10_000)
    ] = 50,
    tracking_uri: TrackingUri = None,
    as_json: AsJson = False,
) -> None:
    """Fired, failed and missed slots, newest first, with who holds or held each claim,
    until when its lease runs, and takeovers (attempt, previous owner)."""
    slots = backend_for(tracking_uri).list_schedule_slots(name, limit)
    if as_json:
        print_json([s.to_dict() for s in slots])
        return
    table = Table(
        "slot", "status", "pipeline run", "claimed by", "attempt", "lease until", "taken over from"
    )
    for s in slots:
        taken = ""
        if s.taken_over_at is not None:
            taken = f"{s.previous_owner or '?'} at {format_time(s.taken_over_at)}"
            taken += f" (run {s.previous_run_id})" if s.previous_run_id else ""
        status = s.status if s.error is None else f"{s.status}: {s.error}"
        lease = format_time(s.lease_expires_at) if s.status == "CLAIMED" else ""
        table.add_row(
            format_time(s.slot_time),
            status,
            s.pipeline_run_id or "",
            s.claimed_by,
            str(s.attempt),
            lease,
            taken,
        )
    console.print(table)


def scheduler_command(
    *,
    poll: Annotated[float, typer.Option("--poll", help="Seconds between checks.", min=0.1)] = 10.0,
    grace: Annotated[
        float,
        typer.Option(
            "--grace", help="With catch-up 'none', how late (s) a slot may still fire.", min=0
        ),
    ] = 60.0,
    lease: Annotated[
        float,
        typer.Option(
            "--lease",
            help="Seconds a claimed slot stays this scheduler's without a heartbeat "
            "(renewed every third of it while the pipeline runs); after that another "
            "scheduler takes the slot over and runs it again.",
            min=0.1,
            max=86_400,
        ),
    ] = 60.0,
    max_attempts: Annotated[
        int,
        typer.Option(
            "--max-attempts",
            help="Schedulers that may hold one slot (the first plus takeovers) before "
            "it is recorded FAILED.",
            min=1,
            max=100,
        ),
    ] = 3,
    once: Annotated[bool, typer.Option("--once", help="Check once and exit.")] = False,
    executor: Annotated[str, typer.Option("--executor", help="local or ray.")] = "local",
    ray_address: RayAddress = None,
    tracking_uri: TrackingUri = None,
) -> None:
    """Run due schedules. Any number of schedulers may run: each slot fires once, and
    the slots of a scheduler that died are taken over when their lease expires."""
    backend = backend_for(tracking_uri)

    def report(handled: list[tuple[str, int, str]]) -> None:
        for name, slot, outcome in handled:
            console.print(f"{format_time(slot)}  {name}  {outcome}")

    console.print(f"Scheduler watching {backend.uri} (every {poll:g}s); Ctrl-C stops it")
    try:
        run_scheduler(
            backend,
            poll_s=poll,
            grace_s=grace,
            lease_s=lease,
            max_attempts=max_attempts,
            once=once,
            on_tick=report,
            executor=executor,
            ray_address=ray_address,
        )
    except KeyboardInterrupt:
        console.print("Scheduler stopped")
