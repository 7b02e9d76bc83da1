"""``shipyard runs show``: one run in full, with its reproducibility record."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Annotated, Any

import typer
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from shipyard.cli.options import AsJson, TrackingUri, open_client
from shipyard.cli.render import (
    MISSING,
    console,
    format_bytes,
    format_duration,
    format_seconds,
    format_time,
    format_value,
    kv_table,
    print_json,
    section,
    status_text,
)
from shipyard.tracking.entities import RunRecord
from shipyard.tracking.validation import flatten_config


def show_command(
    run_id: Annotated[str, typer.Argument(help="The run's id (32 hex characters).")],
    diff: Annotated[
        bool, typer.Option("--diff", help="Also print the uncommitted git diff recorded.")
    ] = False,
    packages: Annotated[
        bool, typer.Option("--packages", help="List every installed package recorded.")
    ] = False,
    as_json: AsJson = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """Show a run in full, with its reproducibility record.

    Overview, params, config, tags, latest metrics and summary, then git state, command,
    Python, OS, host, hardware, run time and packages.
    """
    with open_client(tracking_uri) as client:
        record = client.backend.get_run(run_id)
    if as_json:
        print_json(record.to_dict())
        return
    render_run(record)
    render_system(record.system, show_diff=diff, show_packages=packages)


def render_run(record: RunRecord) -> None:
    """Overview, params, config, tags, metrics and summary."""
    overview: list[tuple[str, Any]] = [
        ("id", record.id),
        ("project", record.project),
        ("name", record.name),
        ("status", status_text(record.status.value)),
        ("user", record.user or MISSING),
        ("parent", record.parent_id),
        ("start", format_time(record.start_time)),
        ("end", format_time(record.end_time)),
        ("duration", format_duration(record.start_time, record.end_time)),
    ]
    console.print(kv_table(None, overview))
    _maybe_section("Params", record.params)
    _maybe_section("Config", flatten_config(record.config))
    _maybe_section("Tags", record.tags)
    if record.latest_metrics:
        table = Table(header_style="bold")
        table.add_column("key", style="cyan", overflow="fold")
        table.add_column("value", justify="right")
        table.add_column("step", justify="right")
        table.add_column("time", no_wrap=True)
        for key, metric in record.latest_metrics.items():
            table.add_row(
                key, format_value(metric.value), str(metric.step), format_time(metric.timestamp)
            )
        console.print(section("Metrics (latest)"))
        console.print(table)
    _maybe_section("Summary", record.summary_overrides)


def _maybe_section(title: str, rows: Mapping[str, Any]) -> None:
    if rows:
        console.print(section(title))
        console.print(kv_table(None, rows))


# --- the reproducibility record -----------------------------------------------------------


def render_system(system: Mapping[str, Any], *, show_diff: bool, show_packages: bool) -> None:
    """Git, command, environment, hardware, run time and packages of a run."""
    console.print(section("Reproducibility"))
    if not system:
        console.print(Text("No system information was recorded for this run.", style="dim"))
        return
    git = system.get("git")
    console.print(section("Git"))
    console.print(kv_table(None, git_rows(git)))
    console.print(section("Environment"))
    console.print(kv_table(None, environment_rows(system)))
    console.print(section("Hardware"))
    console.print(kv_table(None, hardware_rows(system.get("hardware"))))
    errors = system.get("errors") or []
    if errors:
        console.print(section("Capture problems"))
        for line in errors:
            console.print(Text(f"  {line}", style="dim"))
    if show_diff:
        _print_diff(git)
    if show_packages:
        _print_packages(system.get("packages"))


def git_rows(git: Mapping[str, Any] | None) -> list[tuple[str, Any]]:
    if not git:
        return [("repository", "not recorded (not a git work tree, git missing or disabled)")]
    size = git.get("diff_bytes")
    if not git.get("dirty"):
        diff = "clean"
    elif size is None:
        diff = "could not be captured"
    else:
        truncated = " (stored truncated)" if git.get("diff_truncated") else ""
        diff = f"{format_bytes(size)}{truncated}; see --diff"
    return [
        ("commit", git.get("commit") or "(no commit yet)"),
        ("branch", git.get("branch") or "(detached)"),
        ("remote", git.get("remote_url")),
        ("dirty", Text("yes", style="yellow") if git.get("dirty") else "no"),
        ("diff", diff),
    ]


def environment_rows(system: Mapping[str, Any]) -> list[tuple[str, Any]]:
    command = system.get("command") or {}
    python = system.get("python") or {}
    os_info = system.get("os") or {}
    run_time = system.get("run_time") or {}
    argv = command.get("argv")
    packages = system.get("packages")
    python_text = " ".join(
        str(part) for part in (python.get("version"), python.get("implementation")) if part
    )
    return [
        ("command", shlex.join(argv) if argv else None),
        ("cwd", command.get("cwd")),
        ("executable", command.get("executable")),
        ("python", python_text or None),
        ("os", os_info.get("platform") or os_info.get("system")),
        ("hostname", system.get("hostname")),
        ("user", system.get("user")),
        (
            "run time",
            f"wall {format_seconds(run_time.get('wall_time_s'))}, "
            f"CPU {format_seconds(run_time.get('cpu_time_s'))}"
            if run_time
            else None,
        ),
        (
            "packages",
            f"{len(packages)} installed; see --packages" if packages is not None else None,
        ),
    ]


def hardware_rows(hardware: Mapping[str, Any] | None) -> list[tuple[str, Any]]:
    if not hardware:
        return [("hardware", "not recorded")]
    logical = hardware.get("cpu_count_logical")
    physical = hardware.get("cpu_count_physical")
    counts = f"{format_value(logical)} logical / {format_value(physical)} physical"
    gpus = hardware.get("gpus")
    if gpus is None:
        gpu_text = "could not be queried"
    elif not gpus:
        gpu_text = "none"
    else:
        gpu_text = "; ".join(_gpu_text(gpu) for gpu in gpus)
    return [
        ("CPU", hardware.get("cpu_model")),
        ("CPU count", counts),
        ("RAM", format_bytes(hardware.get("memory_total_bytes"))),
        ("GPUs", gpu_text),
    ]


def _gpu_text(gpu: Mapping[str, Any]) -> str:
    memory = gpu.get("memory_total_mb")
    memory_text = format_bytes(memory * 1024 * 1024) if memory is not None else "? memory"
    return f"{gpu.get('name', '?')} ({memory_text}, driver {gpu.get('driver', '?')})"


def _print_diff(git: Mapping[str, Any] | None) -> None:
    console.print(section("Git diff"))
    text = (git or {}).get("diff")
    if not text:
        console.print(Text("No uncommitted changes were recorded.", style="dim"))
        return
    console.print(Syntax(text, "diff", background_color="default", word_wrap=True))
    if (git or {}).get("diff_truncated"):
        console.print(Text("(diff truncated when it was captured)", style="yellow"))


def _print_packages(packages: Mapping[str, str] | None) -> None:
    console.print(section("Packages"))
    if not packages:
        console.print(Text("No packages were recorded.", style="dim"))
        return
    table = Table(header_style="bold")
    table.add_column("package")
    table.add_column("version")
    for name, version in packages.items():
        table.add_row(name, version)
    console.print(table)
