"""``shipyard server``: serve the REST API (a thin wrapper over ``shipyard.server.serve``)."""

from __future__ import annotations

from typing import Annotated

import typer

from shipyard.cli.options import BackendStoreUri, database_url
from shipyard.core.config import ENV_AUTH, env_flag


def server_command(
    *,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Interface to listen on. Anything but loopback needs --auth "
            "(or --insecure-public on a trusted network).",
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port.")] = 5000,
    backend_store_uri: BackendStoreUri = None,
    artifacts_uri: Annotated[
        str | None,
        typer.Option(
            "--artifacts-uri",
            help="Where artifact blobs live: a folder or s3://bucket/prefix (S3 endpoint "
            "from $SHIPYARD_S3_ENDPOINT_URL or $AWS_ENDPOINT_URL). Default: "
            "$SHIPYARD_ARTIFACTS_URI, else blobs/ beside a SQLite database, else "
            "$SHIPYARD_HOME/blobs. Clients send and fetch bytes through the server.",
            show_default=False,
        ),
    ] = None,
    auth: Annotated[
        bool | None,
        typer.Option(
            "--auth/--no-auth",
            help="Require API tokens (create them with `shipyard token create`). "
            "Default: $SHIPYARD_AUTH, else off.",
            show_default=False,
        ),
    ] = None,
    insecure_public: Annotated[
        bool,
        typer.Option(
            "--insecure-public",
            help="Allow a non-loopback --host without auth. Only on a trusted network.",
        ),
    ] = False,
    log_level: Annotated[
        str, typer.Option("--log-level", help="uvicorn log level: debug, info, warning…")
    ] = "info",
    webhook_allow_private: Annotated[
        bool | None,
        typer.Option(
            "--webhook-allow-private/--no-webhook-allow-private",
            help="Let model-registry webhooks (registered with allow_private) call "
            "loopback, private and link-local addresses. Default: "
            "$SHIPYARD_WEBHOOK_ALLOW_PRIVATE, else off (SSRF protection).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the REST API (under /api/v1) and the web UI (at /) until interrupted."""
    from shipyard.server import serve

    serve(
        host,
        port,
        database_url=database_url(backend_store_uri),
        artifacts_uri=artifacts_uri,
        auth=env_flag(ENV_AUTH) if auth is None else auth,
        insecure_public=insecure_public,
        log_level=log_level,
        webhook_allow_private=webhook_allow_private,
    )
