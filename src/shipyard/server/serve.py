"""Run the server under uvicorn, refusing to expose an unauthenticated API by accident."""

from __future__ import annotations

import ipaddress
import logging

from shipyard.core.errors import InvalidInputError

logger = logging.getLogger("shipyard.server")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000


def is_loopback(host: str) -> bool:
    """True when ``host`` only accepts connections from this machine."""
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_bind(host: str, *, auth: bool, insecure_public: bool) -> None:
    """Raise InvalidInputError when ``host`` is reachable from outside but auth is off."""
    if auth or insecure_public or is_loopback(host):
        return
    raise InvalidInputError(
        f"Refusing to serve on {host!r} without authentication: anyone who can reach this "
        "address could read and change every run. Turn auth on (and create a token with "
        "'shipyard token create'), bind to 127.0.0.1, or pass insecure_public / "
        "--insecure-public if the network is trusted.",
        host=host,
    )


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    database_url: str,
    artifacts_uri: str | None = None,
    auth: bool = False,
    insecure_public: bool = False,
    log_level: str = "info",
    webhook_allow_private: bool | None = None,
) -> None:
    """Serve the REST API in this process until interrupted."""
    check_bind(host, auth=auth, insecure_public=insecure_public)
    import uvicorn

    from shipyard.server.app import create_app

    app = create_app(
        database_url,
        auth=auth,
        artifacts_uri=artifacts_uri,
        webhook_allow_private=webhook_allow_private,
    )
    if auth and not any(t.revoked_at is None for t in app.state.tokens.list()):
        logger.warning(
            "Auth is on but no active token exists: every request will get 401. Create "
            "one with `shipyard token create NAME --role admin`."
        )
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False)
    try:
        uvicorn.Server(config).run()
    finally:
        app.state.engine.dispose()
