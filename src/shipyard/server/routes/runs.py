"""Run routes: lifecycle, the log-batch hot path, metric history and search.

``log-batch`` skips pydantic: the body is parsed and checked by :mod:`..wire` off the
event loop. Metric history is JSON, or an Arrow IPC stream (``step:int64,
timestamp:int64, value:float64``) when the client accepts
``application/vnd.apache.arrow.stream``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from shipyard.server._common import JSONBytesResponse, Tracking, json_response
from shipyard.server.wire import (
    ARROW_STREAM,
    MAX_POINTS_PER_REQUEST,
    history_to_arrow,
    history_to_json,
    parse_log_batch,
)
from shipyard.tracking.entities import RunStatus, decode_floats_in
from shipyard.tracking.service import TrackingService

BATCH_HEADER = "Shipyard-Batch"
MAX_NAME = 256
MAX_KEY = 250
MAX_SEARCH_LIMIT = 50_000
RUN_ID_PATTERN = r"^[0-9a-f]{32}$"

router = APIRouter(tags=["runs"])


class RunCreate(BaseModel):
    """Body of ``POST /runs``; the project is created if missing."""

    model_config = ConfigDict(extra="forbid")
    project: str = Field(min_length=1, max_length=MAX_NAME)
    name: str | None = Field(default=None, min_length=1, max_length=MAX_NAME)
    config: dict[str, Any] | None = None
    tags: dict[str, Any] | None = None
    parent_id: str | None = Field(default=None, pattern=RUN_ID_PATTERN)
    run_id: str | None = Field(default=None, pattern=RUN_ID_PATTERN)
    user: str = Field(default="", max_length=MAX_NAME)
    system: dict[str, Any] | None = None
    start_time: int | None = Field(default=None, ge=0)


class RunUpdate(BaseModel):
    """Body of ``PATCH /runs/{run_id}``; summary values may be "NaN"/"Infinity" strings."""

    model_config = ConfigDict(extra="forbid")
    status: RunStatus | None = None
    end_time: int | None = Field(default=None, ge=0)
    name: str | None = Field(default=None, min_length=1, max_length=MAX_NAME)
    summary: dict[str, Any] | None = None
    system: dict[str, Any] | None = None


class SearchRequest(BaseModel):
    """Body of ``POST /runs/search``."""

    model_config = ConfigDict(extra="forbid")
    projects: list[str] = Field(min_length=1, max_length=1000)
    filter: str | None = Field(default=None, max_length=65_536)
    order_by: list[str] = Field(default_factory=list, max_length=100)
    limit: int = Field(default=1000, ge=1, le=MAX_SEARCH_LIMIT)
    page_token: str | None = Field(default=None, max_length=4096)


@router.post("/runs", status_code=201, summary="Create a run")
def create_run(body: RunCreate, service: Tracking) -> JSONBytesResponse:
    """The new run; its config is also stored as dotted params."""
    run = service.create_run(
        body.project,
        name=body.name,
        config=body.config,
        tags=body.tags,
        parent_id=body.parent_id,
        run_id=body.run_id,
        user=body.user,
        system=body.system,
        start_time=body.start_time,
    )
    return json_response(run.to_dict(), 201)


@router.post("/runs/search", summary="Search runs")
def search_runs(body: SearchRequest, service: Tracking) -> JSONBytesResponse:
    """One page of runs matching the filter: ``{"runs": [...], "next_page_token": ...}``."""
    page = service.search_runs(
        body.projects, body.filter, body.order_by, body.limit, body.page_token
    )
    return json_response(
        {"runs": [r.to_dict() for r in page.runs], "next_page_token": page.next_page_token}
    )


@router.get("/runs/{run_id}", summary="Get a run")
def get_run(run_id: str, service: Tracking) -> JSONBytesResponse:
    """The run; 404 RUN_NOT_FOUND if missing."""
    return json_response(service.get_run(run_id).to_dict())


@router.patch("/runs/{run_id}", summary="Update a run")
def update_run(run_id: str, body: RunUpdate, service: Tracking) -> JSONBytesResponse:
    """Change status, end time or name; merge summary and system values."""
    run = service.update_run(
        run_id,
        status=body.status,
        end_time=body.end_time,
        name=body.name,
        summary=decode_floats_in(body.summary) if body.summary else None,
        system=body.system,
    )
    return json_response(run.to_dict())


@router.delete("/runs/{run_id}", status_code=204, summary="Delete a run")
def delete_run(run_id: str, service: Tracking) -> Response:
    """Delete the run and everything logged to it."""
    service.delete_run(run_id)
    return Response(status_code=204)


@router.delete("/runs/{run_id}/tags", status_code=204, summary="Delete a tag")
def delete_tag(
    run_id: str, service: Tracking, key: str = Query(min_length=1, max_length=MAX_KEY)
) -> Response:
    """Remove one tag from a run (no error if the run lacks it)."""
    service.delete_tag(run_id, key)
    return Response(status_code=204)


_LOG_BATCH_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "description": "Send points as either 'metrics' (rows) or 'columns'. Values "
                'are numbers or "NaN", "Infinity", "-Infinity". At most '
                f"{MAX_POINTS_PER_REQUEST} points per request.",
                "properties": {
                    "metrics": {
                        "type": "array",
                        "description": "[key, value, step, timestamp_ms] items",
                        "items": {"type": "array", "minItems": 4, "maxItems": 4},
                    },
                    "columns": {
                        "type": "object",
                        "description": "{key: {steps: [...], timestamps: [...], values: [...]}}",
                        "additionalProperties": {"type": "object"},
                    },
                    "params": {"type": "object"},
                    "tags": {"type": "object"},
                    "batch_id": {
                        "type": "string",
                        "maxLength": 64,
                        "description": "Makes the request idempotent per run",
                    },
                },
            }
        }
    },
}


@router.post(
    "/runs/{run_id}/log-batch",
    status_code=204,
    summary="Log metrics, params and tags atomically",
    openapi_extra={"requestBody": _LOG_BATCH_BODY},
    response_class=Response,
)
async def log_batch(run_id: str, request: Request, service: Tracking) -> Response:
    """Store up to 200,000 points plus params and tags in one transaction.

    The ``Shipyard-Batch`` response header is ``stored``, or ``duplicate`` when this
    run already stored a batch with the same ``batch_id`` (nothing was written).
    """
    body = await request.body()
    stored = await run_in_threadpool(_ingest, service, run_id, body)
    return Response(status_code=204, headers={BATCH_HEADER: "stored" if stored else "duplicate"})


def _ingest(service: TrackingService, run_id: str, body: bytes) -> bool:
    batch = parse_log_batch(body)
    return service.log_batch(run_id, batch.columns, batch.params, batch.tags, batch.batch_id)


@router.get(
    "/runs/{run_id}/metrics/history",
    summary="Full history of one metric",
    responses={200: {"content": {ARROW_STREAM: {}}}},
    response_class=Response,
)
def metric_history(
    run_id: str,
    request: Request,
    service: Tracking,
    key: str = Query(min_length=1, max_length=MAX_KEY),
) -> Response:
    """JSON ``{"key", "steps", "timestamps", "values"}`` or an Arrow IPC stream."""
    history = service.get_metric_history(run_id, key)
    if ARROW_STREAM in request.headers.get("accept", ""):
        return Response(history_to_arrow(history), media_type=ARROW_STREAM)
    return json_response(history_to_json(history))
