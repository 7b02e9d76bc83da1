"""Options shared by several commands, and the few helpers that resolve them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from shipyard.client import Client
from shipyard.core.config import default_database_url, resolve_tracking_uri
from shipyard.core.errors import InvalidInputError

TrackingUri = Annotated[
    str | None,
    typer.Option(
        "--tracking-uri",
        help="Where to read tracking data: a folder, a database URL or http(s)://server. "
        "Default: $SHIPYARD_TRACKING_URI, else the embedded store in $SHIPYARD_HOME.",
        show_default=False,
    ),
]

BackendStoreUri = Annotated[
    str | None,
    typer.Option(
        "--backend-store-uri",
        help="The metadata database: a folder, sqlite:///… or postgresql+psycopg://… URL. "
        "Default: the embedded database in $SHIPYARD_HOME (~/.shipyard).",
        show_default=False,
    ),
]

AsJson = Annotated[
    bool,
    typer.Option("--json", help="Print machine-readable JSON instead of tables."),
]


def database_url(uri: str | None) -> str:
    """The database URL a ``--backend-store-uri`` value names (a server URL is refused)."""
    if uri is None:
        return default_database_url()
    target = resolve_tracking_uri(uri)
    if target.kind != "local":
        raise InvalidInputError(
            f"--backend-store-uri must be a folder or a database URL, not a server URL: {uri!r}"
        )
    return target.url


@contextmanager
def open_client(tracking_uri: str | None) -> Iterator[Client]:
    """A :class:`Client` for ``--tracking-uri``, closed when the command is done."""
    client = Client(tracking_uri)
    try:
        yield client
    finally:
        client.close()
