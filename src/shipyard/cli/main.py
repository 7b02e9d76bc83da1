"""The ``shipyard`` command: one Typer app with a sub-app per area.

The CLI is a thin adapter: each command parses its options, calls the SDK or a
service, and renders the result with Rich. A :class:`ShipyardError` anywhere becomes
``Error [CODE]: message`` on stderr and exit code 1 (see :mod:`shipyard.cli.errors`).
"""

from __future__ import annotations

from typing import Annotated

import typer

from shipyard.cli import (
    artifacts,
    db,
    features,
    models_format,
    pipelines,
    projects,
    registry,
    reports,
    runs,
    schedules,
    tokens,
)
from shipyard.cli.errors import ShipyardGroup
from shipyard.cli.predict import app as predict_app
from shipyard.cli.predict import predict_command
from shipyard.cli.quickstart import quickstart_command
from shipyard.cli.render import console
from shipyard.cli.server import server_command
from shipyard.cli.sync import sync_command
from shipyard.cli.ui import ui_command

app = typer.Typer(
    name="shipyard",
    cls=ShipyardGroup,
    help="Shipyard: a self-hosted ML platform. Track runs, compare them, serve the API.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
app.add_typer(runs.app, name="runs")
app.add_typer(projects.app, name="projects")
app.add_typer(db.app, name="db")
app.add_typer(artifacts.app, name="artifacts")
app.add_typer(features.app, name="features")
app.add_typer(registry.app, name="models")
models_format.register(registry.app)  # evaluate, promote, predict
app.add_typer(reports.app, name="reports")
app.add_typer(tokens.app, name="token")
app.add_typer(pipelines.app, name="pipelines")
app.add_typer(schedules.app, name="schedules")
app.add_typer(predict_app, name="predictions")
app.command("server")(server_command)
app.command("sync")(sync_command)
app.command("quickstart")(quickstart_command)
app.command("predict")(predict_command)
app.command("ui")(ui_command)
app.command("gc")(artifacts.gc_command)
app.command("scheduler")(schedules.scheduler_command)


def _version(value: bool) -> None:
    if value:
        from shipyard import __version__

        console.print(f"shipyard {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            callback=_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """Shipyard: a self-hosted ML platform. Track runs, compare them, serve the API."""


def main() -> None:
    """Entry point of the ``shipyard`` console script."""
    app()


if __name__ == "__main__":
    main()
