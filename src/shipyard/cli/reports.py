"""``shipyard reports``: list, show, export and delete reports; manage share links."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from shipyard.cli.options import AsJson, TrackingUri, open_client
from shipyard.cli.render import MISSING, console, format_time, kv_table, print_json

app = typer.Typer(
    help="Reports: list, show, export (HTML or PDF), delete, and read-only share links.",
    no_args_is_help=True,
)
share_app = typer.Typer(help="Read-only share links of a report (revocable).", no_args_is_help=True)
app.add_typer(share_app, name="share")

ReportId = Annotated[str, typer.Argument(help="The report id (from `shipyard reports list`).")]
VersionOpt = Annotated[
    int | None, typer.Option("--version", "-v", min=1, help="A saved version (default: newest).")
]


@app.command("list")
def list_command(
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="Only this project.")
    ] = None,
    as_json: AsJson = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """List reports, newest change first."""
    with open_client(tracking_uri) as client:
        reports = client.backend.list_reports(project)
    if as_json:
        print_json([r.to_dict() for r in reports])
        return
    table = Table(header_style="bold")
    for column in ("id", "project", "title", "versions", "updated", "by"):
        table.add_column(column, overflow="fold")
    for r in reports:
        table.add_row(
            r.id,
            Text(r.project),
            Text(r.title),
            str(r.latest_version),
            format_time(r.updated_at),
            Text(r.created_by or MISSING),
        )
    console.print(table if reports else "No reports.")


@app.command("show")
def show_command(
    report_id: ReportId, as_json: AsJson = False, tracking_uri: TrackingUri = None
) -> None:
    """A report's details, its versions and the blocks of its newest version."""
    with open_client(tracking_uri) as client:
        record = client.backend.get_report(report_id)
        versions = client.backend.list_report_versions(report_id)
        url = client.backend.report_url(report_id)
    if as_json:
        print_json({**record.to_dict(), "url": url, "versions": [v.to_dict() for v in versions]})
        return
    console.print(
        kv_table(
            record.title,
            {
                "id": record.id,
                "project": record.project,
                "description": record.description or MISSING,
                "url": url,
                "created": format_time(record.created_at),
                "by": record.created_by or MISSING,
            },
        )
    )
    table = Table(header_style="bold", title="versions")
    for column in ("version", "kind", "blocks", "created", "by"):
        table.add_column(column)
    for v in versions:
        table.add_row(
            f"v{v.version}",
            "snapshot" if v.snapshot else "live",
            str(len(v.spec["blocks"])),
            format_time(v.created_at),
            Text(v.created_by or MISSING),
        )
    console.print(table)
    if versions:
        blocks = Table(header_style="bold", title=f"blocks of v{versions[-1].version}")
        blocks.add_column("#")
        blocks.add_column("type")
        blocks.add_column("what", overflow="fold")
        for i, b in enumerate(versions[-1].spec["blocks"], 1):
            what = {
                k: v for k, v in b.items() if k not in ("type", "title") and v not in ("", None)
            }
            blocks.add_row(str(i), b["type"], Text(str(what)[:200]))
        console.print(blocks)


@app.command("export")
def export_command(
    report_id: ReportId,
    format: Annotated[str, typer.Option("--format", "-f", help="html or pdf.")] = "html",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write (default report-ID.FORMAT)."),
    ] = None,
    version: VersionOpt = None,
    tracking_uri: TrackingUri = None,
) -> None:
    """Export a report as a self-contained HTML file (opens offline) or a PDF."""
    target = output or Path(f"report-{report_id}.{format}")
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with open_client(tracking_uri) as client, Progress(*columns, console=console) as bar:
        bar.add_task(f"Exporting {report_id} as {format}", total=None)
        content = client.backend.export_report(report_id, version, format)
    target.write_bytes(content)
    console.print(f"Wrote {target} ({len(content):,} bytes)")


@app.command("delete")
def delete_command(
    report_id: ReportId,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
    tracking_uri: TrackingUri = None,
) -> None:
    """Delete a report with all its versions and share links."""
    if not yes:
        typer.confirm(f"Delete report {report_id} and all its versions?", abort=True)
    with open_client(tracking_uri) as client:
        client.backend.delete_report(report_id)
    console.print(f"Deleted report {report_id}")


@share_app.command("create")
def share_create(report_id: ReportId, tracking_uri: TrackingUri = None) -> None:
    """A new read-only share link; its secret is shown only now."""
    with open_client(tracking_uri) as client:
        link = client.backend.create_report_share(report_id)
        base = client.backend.report_url(report_id).rsplit("/reports/", 1)[0]
    console.print(f"Share link {link.id}: {base}/share/{link.secret}")


@share_app.command("list")
def share_list(report_id: ReportId, tracking_uri: TrackingUri = None) -> None:
    """A report's share links (active and revoked)."""
    with open_client(tracking_uri) as client:
        links = client.backend.list_report_shares(report_id)
    table = Table(header_style="bold")
    for column in ("id", "created", "by", "state"):
        table.add_column(column)
    for s in links:
        state = "active" if s.active else f"revoked {format_time(s.revoked_at)}"
        table.add_row(s.id, format_time(s.created_at), Text(s.created_by or MISSING), state)
    console.print(table if links else "No share links.")


@share_app.command("revoke")
def share_revoke(
    report_id: ReportId,
    share_id: Annotated[str, typer.Argument(help="The share link id.")],
    tracking_uri: TrackingUri = None,
) -> None:
    """Revoke a share link: it stops opening the report at once."""
    with open_client(tracking_uri) as client:
        client.backend.revoke_report_share(report_id, share_id)
    console.print(f"Revoked share link {share_id}")
