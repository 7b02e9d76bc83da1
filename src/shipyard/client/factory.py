"""Pick the backend a tracking URI names."""

from __future__ import annotations

from shipyard.client.backend import Backend
from shipyard.client.local import LocalBackend
from shipyard.core.config import offline_database_url, resolve_tracking_uri


def backend_for(tracking_uri: str | None = None, *, token: str | None = None) -> Backend:
    """``LocalBackend`` for a path or database URL (default ``~/.shipyard``), else HTTP."""
    target = resolve_tracking_uri(tracking_uri)
    if target.kind == "http":
        from shipyard.client.http import HttpBackend

        return HttpBackend(target.url, token=token)
    return LocalBackend(target.url)


def offline_backend() -> LocalBackend:
    """The local store offline runs write to until ``shipyard sync`` uploads them."""
    return LocalBackend(offline_database_url())
