"""Feature store routes under ``/features``: definitions, ingestion, retrieval.

DataFrames (ingested batches, entity frames, training sets) travel as Arrow IPC streams;
everything else is JSON. The routes only parse and render: the feature service decides.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from shipyard.features.arrow_io import ARROW_STREAM, frame_from_arrow, frame_to_arrow
from shipyard.features.service import FeatureStoreService
from shipyard.server._common import JSONBytesResponse, json_response

router = APIRouter(tags=["features"])

MAX_ITEMS = 10_000
MAX_ENTITY_ROWS = 100_000
MAX_FEATURES = 10_000


async def get_features(request: Request) -> FeatureStoreService:
    """The app's feature service."""
    service: FeatureStoreService = request.app.state.features
    return service


Features = Annotated[FeatureStoreService, Depends(get_features)]
Name = Annotated[str, Query(min_length=1, max_length=256)]


class ApplyBody(BaseModel):
    """Body of ``POST /features/apply``: the complete set of definitions."""

    model_config = ConfigDict(extra="forbid")
    items: list[dict[str, Any]] = Field(max_length=MAX_ITEMS)
    delete: bool = False


class MaterializeBody(BaseModel):
    """Body of ``POST /features/materialize``."""

    model_config = ConfigDict(extra="forbid")
    end_ms: int | None = Field(default=None, ge=0)
    views: list[str] | None = Field(default=None, max_length=MAX_ITEMS)


class OnlineBody(BaseModel):
    """Body of ``POST /features/online``."""

    model_config = ConfigDict(extra="forbid")
    entity_rows: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_ENTITY_ROWS)
    features: list[str] | None = Field(default=None, max_length=MAX_FEATURES)
    service: str | None = Field(default=None, max_length=256)


@router.post("/features/apply", summary="Apply feature definitions")
def apply(body: ApplyBody, service: Features) -> JSONBytesResponse:
    """New versions for changed definitions; ``removed`` lists those not in ``items``."""
    return json_response(service.apply(body.items, delete=body.delete).to_dict())


@router.get("/features/definitions", summary="List feature definitions")
def list_definitions(
    service: Features, kind: str | None = Query(default=None, max_length=16)
) -> JSONBytesResponse:
    """``{"definitions": [...]}``: the newest live version of each."""
    records = service.list_definitions(kind)
    return json_response({"definitions": [r.to_dict() for r in records]})


@router.get("/features/definitions/{kind}/{name}", summary="One feature definition")
def get_definition(
    kind: str, name: str, service: Features, version: int | None = Query(default=None, ge=1)
) -> JSONBytesResponse:
    return json_response(service.get_definition(kind, name, version).to_dict())


@router.get("/features/definitions/{kind}/{name}/versions", summary="Definition versions")
def definition_versions(kind: str, name: str, service: Features) -> JSONBytesResponse:
    records = service.definition_versions(kind, name)
    return json_response({"versions": [r.to_dict() for r in records]})


@router.post("/features/views/{name}/ingest", summary="Ingest a batch (Arrow IPC body)")
async def ingest(name: str, request: Request, service: Features) -> JSONBytesResponse:
    """Validate and append the batch, all or nothing; the ingestion with its statistics."""
    from starlette.concurrency import run_in_threadpool

    df = frame_from_arrow(await request.body())
    record = await run_in_threadpool(service.ingest, name, df)
    return json_response(record.to_dict(), 201)


@router.get("/features/views/{name}/ingestions", summary="Ingested batches and statistics")
def ingestions(
    name: str, service: Features, version: int | None = Query(default=None, ge=1)
) -> JSONBytesResponse:
    records = service.ingestions(name, version)
    return json_response({"ingestions": [r.to_dict() for r in records]})


@router.post("/features/historical", summary="Point-in-time features (Arrow IPC in and out)")
async def historical(
    request: Request,
    service: Features,
    features: Annotated[list[str] | None, Query(max_length=MAX_FEATURES)] = None,
    feature_service: str | None = Query(default=None, alias="service", max_length=256),
    timestamp_column: str = Query(default="event_timestamp", max_length=256),
) -> Response:
    """The entity frame with one column per feature, rows in the same order."""
    from starlette.concurrency import run_in_threadpool

    entity_df = frame_from_arrow(await request.body())
    refs = service.resolve(features, feature_service)
    out = await run_in_threadpool(service.historical, entity_df, refs, timestamp_column)
    return Response(frame_to_arrow(out), media_type=ARROW_STREAM)


@router.post("/features/materialize", summary="Materialize into the online store")
def materialize(body: MaterializeBody, service: Features) -> JSONBytesResponse:
    records = service.materialize(body.end_ms, body.views)
    return json_response({"materializations": [r.to_dict() for r in records]})


@router.post("/features/online", summary="Online features for entity rows")
def online(body: OnlineBody, service: Features) -> JSONBytesResponse:
    """``{"results": {column: [value per entity row]}}``; stale values are null."""
    refs = service.resolve(body.features, body.service)
    return json_response({"results": service.online_features(body.entity_rows, refs)})
