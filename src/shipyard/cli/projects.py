"""``shipyard projects``: list and create projects."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from shipyard.cli.options import AsJson, TrackingUri, open_client
from shipyard.cli.render import console, format_time, print_json

app = typer.Typer(help="List and create projects.", no_args_is_help=True)


@app.command("list")
def list_command(as_json: AsJson = False, tracking_uri: TrackingUri = None) -> None:
    """List every project."""
    with open_client(tracking_uri) as client:
        projects = client.list_projects()
    if as_json:
        print_json([p.to_dict() for p in projects])
        return
    if not projects:
        console.print("No projects yet: log a run or use `shipyard projects create NAME`.")
        return
    table = Table(header_style="bold")
    table.add_column("name", style="cyan", overflow="fold")
    table.add_column("description", overflow="fold")
    table.add_column("created", no_wrap=True)
    for p in projects:
        table.add_row(p.name, p.description, format_time(p.created_at))
    console.print(table)


@app.command("create")
def create_command(
    name: Annotated[str, typer.Argument(help="The new project's name (unique).")],
    description: Annotated[
        str, typer.Option("--description", "-d", help="What the project is about.")
    ] = "",
    tracking_uri: TrackingUri = None,
) -> None:
    """Create a project."""
    with open_client(tracking_uri) as client:
        project = client.create_project(name, description)
    console.print(f"Created project {project.name!r}.")
