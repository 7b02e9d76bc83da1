"""``GET /api/v1/health``: liveness and version (open even with auth on)."""

from __future__ import annotations

from importlib import metadata

from fastapi import APIRouter

import shipyard
from shipyard.server._common import JSONBytesResponse, json_response


def _version() -> str:
    found = getattr(shipyard, "__version__", None)
    if isinstance(found, str) and found:
        return found
    try:
        return metadata.version("shipyard")
    except metadata.PackageNotFoundError:
        return "0.1.0"


VERSION = _version()
router = APIRouter(tags=["health"])


@router.get("/health", summary="Server liveness and version")
def health() -> JSONBytesResponse:
    """``{"status": "ok", "version": ...}``."""
    return json_response({"status": "ok", "version": VERSION})
