"""``shipyard token``: create, list and revoke API tokens in the server's database.

These are operator commands: they act on the metadata database directly, like
``shipyard db``, so they work before any server (or admin token) exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from shipyard.cli.options import AsJson, BackendStoreUri, database_url
from shipyard.cli.render import MISSING, console, format_time, print_json

if TYPE_CHECKING:
    from shipyard.auth import TokenService

app = typer.Typer(help="Manage API tokens for `shipyard server --auth`.", no_args_is_help=True)


class RoleChoice(StrEnum):
    read = "read"
    write = "write"
    admin = "admin"


@contextmanager
def token_service(backend_store_uri: str | None) -> Iterator[TokenService]:
    """A :class:`TokenService` over the (migrated) database, disposed afterwards."""
    from shipyard.auth import TokenService
    from shipyard.store.db import create_store_engine

    engine = create_store_engine(database_url(backend_store_uri))
    try:
        yield TokenService(engine)
    finally:
        engine.dispose()


@app.command("create")
def create_command(
    name: Annotated[str, typer.Argument(help="A name to recognise the token by (unique).")],
    role: Annotated[
        RoleChoice,
        typer.Option("--role", help="read: query only; write: also log runs; admin: also manage."),
    ] = RoleChoice.write,
    backend_store_uri: BackendStoreUri = None,
) -> None:
    """Create a token and print its secret (shown this once only)."""
    with token_service(backend_store_uri) as service:
        info, secret = service.create(name, role.value)
    console.print(f"Created token {info.name!r} (id {info.id}, role {info.role.value}).")
    console.print("Secret:", Text(secret, style="bold green"), soft_wrap=True)
    console.print(
        Text(
            "Copy it now: it cannot be shown again (only its hash is stored). "
            "Clients send it as SHIPYARD_TOKEN.",
            style="yellow",
        )
    )


@app.command("list")
def list_command(as_json: AsJson = False, backend_store_uri: BackendStoreUri = None) -> None:
    """List every token, active and revoked (never their secrets)."""
    with token_service(backend_store_uri) as service:
        tokens = service.list()
    if as_json:
        print_json([t.to_dict() for t in tokens])
        return
    if not tokens:
        console.print("No tokens yet: create one with `shipyard token create NAME`.")
        return
    table = Table(header_style="bold")
    table.add_column("id", no_wrap=True, style="dim")
    for column in ("name", "role", "created", "last used", "status"):
        table.add_column(column, overflow="fold")
    for t in tokens:
        status = (
            Text(f"revoked {format_time(t.revoked_at)}", style="red")
            if t.revoked_at is not None
            else Text("active", style="green")
        )
        last_used = format_time(t.last_used_at) if t.last_used_at is not None else MISSING
        table.add_row(t.id, t.name, t.role.value, format_time(t.created_at), last_used, status)
    console.print(table)


@app.command("revoke")
def revoke_command(
    id_or_name: Annotated[str, typer.Argument(help="The token's id or name.")],
    backend_store_uri: BackendStoreUri = None,
) -> None:
    """Revoke a token: requests with its secret are refused from now on."""
    with token_service(backend_store_uri) as service:
        info = service.revoke(id_or_name)
    console.print(f"Revoked token {info.name!r} (id {info.id}) at {format_time(info.revoked_at)}.")
