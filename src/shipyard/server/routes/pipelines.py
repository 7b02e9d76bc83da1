"""Pipeline routes: pipelines, pipeline runs, step runs and the step cache lookup.

The orchestrator runs in the client (it imports the user's code); the server stores
what it reports, so the same run can be followed from any client.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from shipyard.pipelines import PipelineService
from shipyard.server._common import JSONBytesResponse, json_response

router = APIRouter(tags=["pipelines"])
RUN_ID = r"^[0-9a-f]{32}$"
MAX_STEPS = 10_000


async def get_pipelines(request: Request) -> PipelineService:
    service: PipelineService = request.app.state.pipelines
    return service


Pipelines = Annotated[PipelineService, Depends(get_pipelines)]
RunId = Annotated[str, Path(pattern=RUN_ID)]


class PipelineUpsert(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=256)
    project: str = Field(min_length=1, max_length=256)
    target: str = Field(default="", max_length=1024)
    definition: dict[str, Any] = Field(default_factory=dict)


class StepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=256)
    upstream: list[str] = Field(default_factory=list, max_length=MAX_STEPS)


class RunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pipeline: str = Field(min_length=1, max_length=256)
    run_id: str = Field(pattern=RUN_ID)
    steps: list[StepSpec] = Field(max_length=MAX_STEPS)
    params: dict[str, Any] = Field(default_factory=dict)
    executor: str = Field(default="local", max_length=32)
    trigger: str = Field(default="manual", max_length=16)
    schedule_id: int | None = None
    slot_time: int | None = None
    resumed_from: str | None = Field(default=None, pattern=RUN_ID)


class RunFinish(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str = Field(max_length=16)
    error: str | None = Field(default=None, max_length=20_000)


class StepUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str | None = Field(default=None, max_length=16)
    run_id: str | None = Field(default=None, pattern=RUN_ID)
    code_hash: str | None = Field(default=None, max_length=64)
    cache_key: str | None = Field(default=None, max_length=64)
    cached_from: int | None = None
    inputs: dict[str, Any] | None = None
    outputs: dict[str, Any] | None = None
    attempts: int | None = Field(default=None, ge=0)
    started_at: int | None = None
    ended_at: int | None = None
    duration_ms: int | None = None
    log_digest: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    log_bytes: int | None = Field(default=None, ge=0)
    error: str | None = Field(default=None, max_length=20_000)


@router.put("/pipelines/{name}", summary="Register or update a pipeline")
def upsert_pipeline(name: str, body: PipelineUpsert, service: Pipelines) -> JSONBytesResponse:
    """The pipeline record; ``name`` in the path and body must agree."""
    from shipyard.core.errors import InvalidInputError

    if body.name != name:
        raise InvalidInputError(f"Path names pipeline {name!r} but the body {body.name!r}")
    record = service.register_pipeline(name, body.project, body.target, body.definition)
    return json_response(record.to_dict())


@router.get("/pipelines", summary="List pipelines")
def list_pipelines(service: Pipelines) -> JSONBytesResponse:
    return json_response({"pipelines": [p.to_dict() for p in service.list_pipelines()]})


@router.post("/pipelines/runs", status_code=201, summary="Start a pipeline run")
def create_run(body: RunCreate, service: Pipelines) -> JSONBytesResponse:
    record = service.create_run(
        body.pipeline,
        body.run_id,
        [s.model_dump() for s in body.steps],
        params=body.params,
        executor=body.executor,
        trigger=body.trigger,
        schedule_id=body.schedule_id,
        slot_time=body.slot_time,
        resumed_from=body.resumed_from,
    )
    return json_response(record.to_dict(), 201)


@router.get("/pipelines/runs", summary="List pipeline runs, newest first")
def list_runs(
    service: Pipelines,
    pipeline: str | None = Query(default=None, max_length=256),
    status: str | None = Query(default=None, max_length=16),
    limit: int = Query(default=50, ge=1, le=1000),
) -> JSONBytesResponse:
    runs = service.list_runs(pipeline, status, limit)
    return json_response({"runs": [r.to_dict() for r in runs]})


@router.get("/pipelines/runs/{run_id}", summary="A pipeline run with its steps")
def get_run(run_id: RunId, service: Pipelines) -> JSONBytesResponse:
    return json_response(service.get_run(run_id).to_dict())


@router.post("/pipelines/runs/{run_id}/finish", summary="Set a pipeline run's final status")
def finish_run(run_id: RunId, body: RunFinish, service: Pipelines) -> JSONBytesResponse:
    return json_response(service.finish_run(run_id, body.status, body.error).to_dict())


@router.patch("/pipelines/runs/{run_id}/steps/{step}", summary="Update a step run")
def update_step(
    run_id: RunId, step: str, body: StepUpdate, service: Pipelines
) -> JSONBytesResponse:
    values = body.model_dump(exclude_unset=True)
    return json_response(service.update_step(run_id, step, **values).to_dict())


@router.get("/pipelines/cache", summary="Look up a cached step result")
def cached_step(
    service: Pipelines, key: str = Query(pattern=r"^[0-9a-f]{64}$")
) -> JSONBytesResponse:
    """``{"step": <step run> | null}``: the newest successful step run with this key."""
    hit = service.find_cached_step(key)
    return json_response({"step": None if hit is None else hit.to_dict()})


@router.get("/pipelines/{name}", summary="A pipeline")
def get_pipeline(name: str, service: Pipelines) -> JSONBytesResponse:
    return json_response(service.get_pipeline(name).to_dict())
