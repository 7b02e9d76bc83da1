"""Schedule routes: cron schedules of pipelines and their slots.

``POST /schedules/{name}/slots`` is how a scheduler claims a slot: 201 with the slot
when this caller won it, 200 with ``{"slot": null}`` when another scheduler already had.
The claim is a lease, renewed with ``POST .../slots/{slot_time}/heartbeat``; ``POST
.../slots/takeover`` hands an expired claim to the caller (201) or answers ``{"slot":
null}``. Lease times are the server's clock, so schedulers' clocks need not agree.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from shipyard.pipelines import ScheduleService
from shipyard.pipelines.schedule_service import (
    DEFAULT_LEASE_MS,
    DEFAULT_MAX_ATTEMPTS,
    MAX_LEASE_MS,
)
from shipyard.server._common import JSONBytesResponse, json_response

router = APIRouter(tags=["schedules"])


async def get_schedules(request: Request) -> ScheduleService:
    service: ScheduleService = request.app.state.schedules
    return service


Schedules = Annotated[ScheduleService, Depends(get_schedules)]


class ScheduleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=256)
    pipeline: str = Field(min_length=1, max_length=256)
    cron: str = Field(min_length=1, max_length=256)
    timezone: str = Field(default="UTC", max_length=64)
    params: dict[str, Any] = Field(default_factory=dict)
    catchup: str = Field(default="latest", max_length=64)


class StatusSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str = Field(max_length=16)


_RUN_ID = r"^[0-9a-f]{32}$"
LeaseMs = Annotated[int, Field(ge=100, le=MAX_LEASE_MS)]


class SlotClaim(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slot_time: int
    status: str = Field(default="CLAIMED", max_length=16)
    claimed_by: str = Field(default="", max_length=256)
    lease_ms: LeaseMs = DEFAULT_LEASE_MS


class SlotHeartbeat(BaseModel):
    model_config = ConfigDict(extra="forbid")
    claimed_by: str = Field(max_length=256)
    attempt: int = Field(ge=1)
    lease_ms: LeaseMs = DEFAULT_LEASE_MS
    pipeline_run_id: str | None = Field(default=None, pattern=_RUN_ID)


class SlotTakeover(BaseModel):
    model_config = ConfigDict(extra="forbid")
    claimed_by: str = Field(max_length=256)
    lease_ms: LeaseMs = DEFAULT_LEASE_MS
    max_attempts: int = Field(default=DEFAULT_MAX_ATTEMPTS, ge=1, le=100)


class SlotFinish(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str = Field(max_length=16)
    pipeline_run_id: str | None = Field(default=None, pattern=_RUN_ID)
    claimed_by: str | None = Field(default=None, max_length=256)
    attempt: int | None = Field(default=None, ge=1)


@router.post("/schedules", status_code=201, summary="Create a schedule")
def create_schedule(body: ScheduleCreate, service: Schedules) -> JSONBytesResponse:
    record = service.create_schedule(
        body.name,
        body.pipeline,
        body.cron,
        timezone=body.timezone,
        params=body.params,
        catchup=body.catchup,
    )
    return json_response(record.to_dict(), 201)


@router.get("/schedules", summary="List schedules")
def list_schedules(
    service: Schedules, status: str | None = Query(default=None, max_length=16)
) -> JSONBytesResponse:
    return json_response({"schedules": [s.to_dict() for s in service.list_schedules(status)]})


@router.get("/schedules/{name}", summary="A schedule")
def get_schedule(name: str, service: Schedules) -> JSONBytesResponse:
    return json_response(service.get_schedule(name).to_dict())


@router.patch("/schedules/{name}", summary="Pause or resume a schedule")
def set_status(name: str, body: StatusSet, service: Schedules) -> JSONBytesResponse:
    return json_response(service.set_status(name, body.status).to_dict())


@router.delete("/schedules/{name}", summary="Delete a schedule and its slots")
def delete_schedule(name: str, service: Schedules) -> JSONBytesResponse:
    service.delete_schedule(name)
    return json_response({"deleted": name})


@router.post("/schedules/{name}/slots", summary="Claim a slot (or record it as missed)")
def claim_slot(name: str, body: SlotClaim, service: Schedules) -> JSONBytesResponse:
    slot = service.claim_slot(
        name,
        body.slot_time,
        status=body.status,
        claimed_by=body.claimed_by,
        lease_ms=body.lease_ms,
    )
    if slot is None:
        return json_response({"slot": None})
    return json_response({"slot": slot.to_dict()}, 201)


@router.post("/schedules/{name}/slots/takeover", summary="Take over a slot whose lease expired")
def take_over_slot(name: str, body: SlotTakeover, service: Schedules) -> JSONBytesResponse:
    slot = service.take_over_slot(
        name, claimed_by=body.claimed_by, lease_ms=body.lease_ms, max_attempts=body.max_attempts
    )
    if slot is None:
        return json_response({"slot": None})
    return json_response({"slot": slot.to_dict()}, 201)


@router.post("/schedules/{name}/slots/{slot_time}/heartbeat", summary="Renew the lease of a slot")
def heartbeat_slot(
    name: str, slot_time: int, body: SlotHeartbeat, service: Schedules
) -> JSONBytesResponse:
    slot = service.heartbeat_slot(
        name,
        slot_time,
        claimed_by=body.claimed_by,
        attempt=body.attempt,
        lease_ms=body.lease_ms,
        pipeline_run_id=body.pipeline_run_id,
    )
    return json_response(slot.to_dict())


@router.patch("/schedules/{name}/slots/{slot_time}", summary="Record how a slot ended")
def finish_slot(
    name: str, slot_time: int, body: SlotFinish, service: Schedules
) -> JSONBytesResponse:
    slot = service.finish_slot(
        name,
        slot_time,
        body.status,
        body.pipeline_run_id,
        claimed_by=body.claimed_by,
        attempt=body.attempt,
    )
    return json_response(slot.to_dict())


@router.get("/schedules/{name}/slots", summary="Slots of a schedule, newest first")
def list_slots(
    name: str, service: Schedules, limit: int = Query(default=100, ge=1, le=10_000)
) -> JSONBytesResponse:
    return json_response({"slots": [s.to_dict() for s in service.list_slots(name, limit)]})
