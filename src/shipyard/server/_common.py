"""Pieces every route shares: the orjson response and access to the app's services."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from shipyard.auth.tokens import TokenService
from shipyard.tracking.service import TrackingService

_ORJSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def _fallback(value: Any) -> Any:
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


class JSONBytesResponse(JSONResponse):
    """A JSON response rendered by orjson (numpy arrays serialised natively)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=_ORJSON_OPTIONS, default=_fallback)


def json_response(
    content: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> JSONBytesResponse:
    """Render ``content`` now (skipping FastAPI's slow generic encoder)."""
    return JSONBytesResponse(content, status_code=status_code, headers=headers)


async def get_tracking(request: Request) -> TrackingService:
    """The app's tracking service."""
    service: TrackingService = request.app.state.tracking
    return service


async def get_tokens(request: Request) -> TokenService:
    """The app's token service."""
    service: TokenService = request.app.state.tokens
    return service


Tracking = Annotated[TrackingService, Depends(get_tracking)]
Tokens = Annotated[TokenService, Depends(get_tokens)]
