"""The FastAPI application: services wired to routes, errors rendered as JSON.

The app holds no business logic. Each route parses its input, calls the tracking or
token service, and renders the result. Every ``ShipyardError`` becomes
``{"error_code", "message", "details"?}`` with the error's HTTP status; a request that
fails validation becomes 400 ``INVALID_INPUT`` naming the field; anything else is a bug
and becomes 500 ``INTERNAL_ERROR`` with the traceback in the server log.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shipyard.artifacts import ArtifactService
from shipyard.auth.tokens import TokenService
from shipyard.core.config import (
    ENV_WEBHOOK_ALLOW_PRIVATE,
    default_artifacts_uri,
    default_features_root,
    default_online_store,
    env_flag,
)
from shipyard.core.errors import AuthenticationError, ShipyardError
from shipyard.features.service import FeatureStoreService
from shipyard.media import MediaService
from shipyard.pipelines import PipelineService, ScheduleService
from shipyard.registry import RegistryService
from shipyard.reports import ReportService, Sources
from shipyard.server._common import JSONBytesResponse, json_response
from shipyard.server.auth import API_PREFIX, require_access
from shipyard.server.limits import DEFAULT_MAX_REQUEST_BYTES, BodySizeLimitMiddleware
from shipyard.server.routes import (
    ROUTERS,
    artifacts,
    blobs,
    features,
    predictions,
    registry,
    reports,
)
from shipyard.server.routes.health import VERSION
from shipyard.server.ui import install_ui
from shipyard.server.wire import warm_up
from shipyard.store.blobs import BlobStore
from shipyard.store.db import create_store_engine
from shipyard.tracking.service import TrackingService

__all__ = ["create_app"]

logger = logging.getLogger("shipyard.server")

_HTTP_CODES = {
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "REQUEST_TOO_LARGE",
}


def create_app(
    database_url: str,
    *,
    auth: bool = False,
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    artifacts_uri: str | None = None,
    max_blob_bytes: int | None = None,
    features_root: str | None = None,
    online_store: str | None = None,
    webhook_allow_private: bool | None = None,
) -> FastAPI:
    """A Shipyard server app over the metadata database at ``database_url``.

    ``webhook_allow_private`` (default ``$SHIPYARD_WEBHOOK_ALLOW_PRIVATE``) lets callers
    register webhooks to private, loopback and link-local addresses."""
    engine = create_store_engine(database_url)
    warm_up()
    app = FastAPI(
        title="Shipyard",
        version=VERSION,
        description="Experiment tracking REST API of a self-hosted ML platform.",
        openapi_url="/openapi.json",
        default_response_class=JSONBytesResponse,
        # no 307 to "the same path without the slash": such a redirect echoes decoded
        # traversal payloads (``..%2F``) back into Location instead of refusing them
        redirect_slashes=False,
    )
    app.state.engine = engine
    app.state.tracking = TrackingService(engine)
    app.state.tokens = TokenService(engine)
    app.state.auth_enabled = auth
    app.state.artifacts_uri = artifacts_uri or default_artifacts_uri(database_url)
    app.state.artifacts = ArtifactService(engine)
    app.state.media = MediaService(engine)
    app.state.blobs = BlobStore(app.state.artifacts_uri)
    root = features_root or default_features_root(database_url)
    app.state.features = FeatureStoreService(
        engine, root, online_store or default_online_store(root)
    )
    if webhook_allow_private is None:
        webhook_allow_private = env_flag(ENV_WEBHOOK_ALLOW_PRIVATE)
    app.state.registry = RegistryService(engine, private_webhooks=webhook_allow_private)
    app.state.pipelines = PipelineService(engine)
    app.state.schedules = ScheduleService(engine)
    sources = Sources(
        app.state.tracking,
        app.state.media,
        app.state.artifacts,
        app.state.registry,
        app.state.blobs,
        lambda: app.state.features,
        app.state.pipelines,
    )
    app.state.reports = ReportService(engine, sources)
    app.state.max_request_bytes = max_request_bytes
    blob_limit = max_blob_bytes if max_blob_bytes is not None else blobs.max_blob_bytes_from_env()
    app.state.max_blob_bytes = blob_limit
    routers = (
        *ROUTERS,
        artifacts.router,
        blobs.router,
        features.router,
        registry.router,
        reports.router,
        predictions.router,
    )
    for router in routers:
        app.include_router(router, prefix=API_PREFIX, dependencies=[Depends(require_access)])
    _install_error_handlers(app)
    install_ui(app, API_PREFIX)
    app.add_middleware(
        RequestSizeLimits, max_request_bytes=max_request_bytes, max_blob_bytes=blob_limit
    )
    app.add_middleware(InternalErrorMiddleware)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ShipyardError, _shipyard_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]


async def _shipyard_error(_request: Request, exc: ShipyardError) -> JSONBytesResponse:
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, AuthenticationError) else None
    return json_response(exc.to_dict(), exc.http_status, headers)


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONBytesResponse:
    errors = [_describe(e) for e in exc.errors()]
    first = errors[0] if errors else {"field": "", "where": "body", "msg": "invalid request"}
    field = first["field"]
    where = f"{first['where']} field {field!r}" if field else f"request {first['where']}"
    message = f"Invalid {where}: {first['msg']}"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more)"
    body = {
        "error_code": "INVALID_INPUT",
        "message": message,
        "details": {"field": field, "errors": errors},
    }
    return json_response(body, 400)


def _describe(error: Any) -> dict[str, Any]:
    loc = [str(p) for p in error.get("loc", ())]
    where = loc[0] if loc and loc[0] in {"body", "query", "path", "header", "cookie"} else ""
    field = ".".join(loc[1:] if where else loc)
    msg = str(error.get("msg", "invalid value"))
    ctx = error.get("ctx") or {}
    if error.get("type") == "json_invalid" and "error" in ctx:
        msg = f"{msg}: {ctx['error']}"
        field = ""
    return {"field": field, "where": where or "body", "msg": msg, "type": error.get("type")}


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONBytesResponse:
    code = _HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
    message = str(exc.detail)
    if exc.status_code in (404, 405):
        message = f"{message}: {request.method} {request.url.path}"
    headers = dict(exc.headers) if exc.headers else None
    return json_response({"error_code": code, "message": message}, exc.status_code, headers)


class RequestSizeLimits:
    """The JSON body limit for every request except blob uploads, which get their own
    (much larger) limit and stream to storage instead of being held in memory."""

    def __init__(self, app: ASGIApp, max_request_bytes: int, max_blob_bytes: int) -> None:
        self.default = BodySizeLimitMiddleware(app, max_bytes=max_request_bytes)
        self.uploads = BodySizeLimitMiddleware(app, max_bytes=max_blob_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        upload = scope["type"] == "http" and blobs.is_blob_upload(
            str(scope.get("method", "")), str(scope.get("path", "")), API_PREFIX
        )
        await (self.uploads if upload else self.default)(scope, receive, send)


class InternalErrorMiddleware:
    """Turn an unexpected exception into 500 INTERNAL_ERROR and log its traceback once."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except ClientDisconnect:
            logger.info("Client went away during %s %s", scope.get("method"), scope.get("path"))
        except Exception:
            logger.exception("Unhandled error in %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            body = {
                "error_code": "INTERNAL_ERROR",
                "message": "Internal server error; the server log has the details",
            }
            response = json_response(body, 500)
            await response(scope, receive, send)
