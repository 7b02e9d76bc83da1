"""``shipyard ui``: the web UI over the embedded store (or any database URL)."""

from __future__ import annotations

import threading
import webbrowser
from typing import Annotated

import typer

from shipyard.cli.options import BackendStoreUri, database_url
from shipyard.cli.render import console


def ui_command(
    *,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port.")] = 5000,
    host: Annotated[
        str, typer.Option("--host", help="Interface; the UI stays on loopback without auth.")
    ] = "127.0.0.1",
    backend_store_uri: BackendStoreUri = None,
    open_browser: Annotated[
        bool, typer.Option("--open/--no-open", help="Open the UI in a web browser.")
    ] = False,
) -> None:
    """Serve the web UI (and the REST API) on the embedded store until interrupted.

    Projects, the runs table, run pages with charts and media, compare and artifacts:
    http://127.0.0.1:5000/ by default.
    """
    from shipyard.server import serve

    url = f"http://{host}:{port}/"
    console.print(f"Shipyard UI on [link={url}]{url}[/link] (Ctrl+C stops it)")
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    serve(host, port, database_url=database_url(backend_store_uri), log_level="warning")
