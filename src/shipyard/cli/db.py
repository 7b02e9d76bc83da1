"""``shipyard db``: migrate the metadata database and show its schema revision."""

from __future__ import annotations

import typer
from rich.text import Text

from shipyard.cli.options import BackendStoreUri, database_url
from shipyard.cli.render import console

app = typer.Typer(help="Manage the metadata database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command(backend_store_uri: BackendStoreUri = None) -> None:
    """Apply every pending migration to the database."""
    from shipyard.store.db import create_store_engine, current_revision, upgrade_database

    url = database_url(backend_store_uri)
    engine = create_store_engine(url, upgrade=False)
    try:
        before = current_revision(engine)
        after = upgrade_database(engine, force=True)
    finally:
        engine.dispose()
    if before == after:
        console.print(f"Database already at the newest revision {after}.")
    else:
        console.print(f"Upgraded database: {before or '(empty)'} → {after}")


@app.command("current")
def current_command(backend_store_uri: BackendStoreUri = None) -> None:
    """Show the database's schema revision and whether it is up to date."""
    from shipyard.store.db import create_store_engine, current_revision, head_revision

    url = database_url(backend_store_uri)
    engine = create_store_engine(url, upgrade=False)
    try:
        current = current_revision(engine)
    finally:
        engine.dispose()
    head = head_revision()
    console.print(f"Current revision: {current or '(empty database)'}")
    console.print(f"Newest revision:  {head}")
    if current == head:
        console.print(Text("Up to date.", style="green"))
    else:
        console.print(Text("Out of date: run `shipyard db upgrade`.", style="yellow"))
