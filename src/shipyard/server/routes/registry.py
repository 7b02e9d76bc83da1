"""Model registry routes: registered models, versions, aliases, stages, history, webhooks.

``/registered-models/...`` holds models and what hangs off a model (versions list,
aliases, history, webhooks); ``/model-versions/...`` holds single versions and URI
resolution. GET needs the read role, everything else write (the one auth dependency).
The ``who`` of audit events is the token's name when auth is on, else the
``Shipyard-User`` header the client sends.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from shipyard.registry import RegistryService
from shipyard.server._common import JSONBytesResponse, json_response
from shipyard.server.auth import Principal

USER_HEADER = "shipyard-user"
MAX_TEXT = 1_100_000
router = APIRouter(tags=["model registry"])


async def get_registry(request: Request) -> RegistryService:
    """The app's registry service."""
    service: RegistryService = request.app.state.registry
    return service


Registry = Annotated[RegistryService, Depends(get_registry)]
Comment = Annotated[str, Query(max_length=4096)]
Version = str | int


def who(request: Request) -> str:
    """The token's name with auth on; else the client's ``Shipyard-User`` header."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is not None and principal.token_id is not None:
        return principal.name
    return request.headers.get(USER_HEADER, "")[:256]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModelCreate(_Body):
    name: str = Field(min_length=1, max_length=256)
    description: str = Field(default="", max_length=65_536)
    tags: dict[str, Any] | None = None


class ModelUpdate(_Body):
    description: str | None = Field(default=None, max_length=65_536)
    model_card: str | None = Field(default=None, max_length=MAX_TEXT)
    tags: dict[str, Any] | None = None


class VersionCreate(_Body):
    name: str = Field(min_length=1, max_length=256)
    artifact_ref: str = Field(min_length=1, max_length=600)
    run_id: str | None = Field(default=None, max_length=64)
    description: str = Field(default="", max_length=65_536)
    tags: dict[str, Any] | None = None
    comment: str = Field(default="", max_length=4096)


class VersionUpdate(_Body):
    description: str | None = Field(default=None, max_length=65_536)
    tags: dict[str, Any] | None = None


class AliasSet(_Body):
    version: Version
    comment: str = Field(default="", max_length=4096)
    details: dict[str, Any] | None = None


class StageChange(_Body):
    stage: str = Field(min_length=1, max_length=32)
    archive_existing: bool = False
    comment: str = Field(default="", max_length=4096)
    details: dict[str, Any] | None = None


class EventRecord(_Body):
    kind: str = Field(min_length=1, max_length=64)
    version: Version | None = None
    comment: str = Field(default="", max_length=4096)
    details: dict[str, Any] | None = None


class WebhookCreate(_Body):
    url: str = Field(min_length=1, max_length=2048)
    events: list[str] = Field(default_factory=lambda: ["*"], max_length=64)
    secret: str | None = Field(default=None, max_length=256)
    description: str = Field(default="", max_length=65_536)
    allow_private: bool = False


# -- registered models -------------------------------------------------------------------
@router.post("/registered-models", status_code=201, summary="Create a registered model")
def create_model(body: ModelCreate, request: Request, service: Registry) -> JSONBytesResponse:
    model = service.create_registered_model(
        body.name, body.description, body.tags, user=who(request)
    )
    return json_response(model.to_dict(), 201)


@router.get("/registered-models", summary="Search registered models")
def search_models(
    service: Registry,
    filter: str | None = Query(default=None, max_length=4000),
    order_by: Annotated[list[str] | None, Query(max_length=8)] = None,
    limit: int = Query(default=100, ge=1, le=10_000),
) -> JSONBytesResponse:
    """``{"registered_models": [...]}`` matching ``filter``, in ``order_by`` order."""
    found = service.search_registered_models(filter, order_by, limit)
    return json_response({"registered_models": [m.to_dict() for m in found]})


@router.get("/registered-models/{name}", summary="Get a registered model")
def get_model(name: str, service: Registry) -> JSONBytesResponse:
    return json_response(service.get_registered_model(name).to_dict())


@router.patch("/registered-models/{name}", summary="Update a registered model")
def update_model(
    name: str, body: ModelUpdate, request: Request, service: Registry
) -> JSONBytesResponse:
    model = service.update_registered_model(
        name, body.description, body.model_card, body.tags, user=who(request)
    )
    return json_response(model.to_dict())


@router.delete("/registered-models/{name}", summary="Delete a registered model")
def delete_model(name: str, request: Request, service: Registry) -> JSONBytesResponse:
    service.delete_registered_model(name, user=who(request))
    return json_response({"deleted": name})


@router.get("/registered-models/{name}/versions", summary="List the versions of a model")
def list_versions(name: str, service: Registry, include_deleted: bool = False) -> JSONBytesResponse:
    """``{"versions": [...]}``, newest first."""
    found = service.list_model_versions(name, include_deleted=include_deleted)
    return json_response({"versions": [v.to_dict() for v in found]})


@router.get("/registered-models/{name}/history", summary="Audit history of a model")
def history(name: str, service: Registry) -> JSONBytesResponse:
    """``{"events": [...]}``, oldest first."""
    return json_response({"events": [e.to_dict() for e in service.model_history(name)]})


@router.post("/registered-models/{name}/events", status_code=201, summary="Record an event")
def record_event(
    name: str, body: EventRecord, request: Request, service: Registry
) -> JSONBytesResponse:
    event = service.record_model_event(
        name, body.kind, body.version, body.comment, body.details, user=who(request)
    )
    return json_response(event.to_dict(), 201)


# -- aliases -------------------------------------------------------------------------------
@router.put("/registered-models/{name}/aliases/{alias}", summary="Point an alias at a version")
def set_alias(
    name: str, alias: str, body: AliasSet, request: Request, service: Registry
) -> JSONBytesResponse:
    version = service.set_alias(
        name, alias, body.version, body.comment, body.details, user=who(request)
    )
    return json_response(version.to_dict())


@router.get("/registered-models/{name}/aliases/{alias}", summary="The version an alias names")
def get_alias(name: str, alias: str, service: Registry) -> JSONBytesResponse:
    return json_response(service.get_model_version_by_alias(name, alias).to_dict())


@router.delete("/registered-models/{name}/aliases/{alias}", summary="Remove an alias")
def delete_alias(
    name: str, alias: str, request: Request, service: Registry, comment: Comment = ""
) -> JSONBytesResponse:
    service.delete_alias(name, alias, comment, user=who(request))
    return json_response({"deleted": alias})


# -- webhooks ------------------------------------------------------------------------------
@router.post("/registered-models/{name}/webhooks", status_code=201, summary="Add a webhook")
def add_webhook(
    name: str, body: WebhookCreate, request: Request, service: Registry
) -> JSONBytesResponse:
    """The webhook with its signing secret (shown only here)."""
    hook = service.add_webhook(
        name, body.url, body.events, body.secret, body.description, body.allow_private,
        user=who(request),
    )  # fmt: skip
    return json_response(hook.to_dict(), 201)


@router.get("/registered-models/{name}/webhooks", summary="List a model's webhooks")
def list_webhooks(name: str, service: Registry) -> JSONBytesResponse:
    return json_response({"webhooks": [w.to_dict() for w in service.list_webhooks(name)]})


@router.delete("/registered-models/{name}/webhooks/{webhook_id}", summary="Delete a webhook")
def delete_webhook(
    name: str, webhook_id: str, request: Request, service: Registry
) -> JSONBytesResponse:
    service.delete_webhook(name, webhook_id, user=who(request))
    return json_response({"deleted": webhook_id})


@router.get("/registered-models/{name}/webhook-deliveries", summary="Webhook delivery log")
def deliveries(
    name: str,
    service: Registry,
    webhook_id: str | None = Query(default=None, max_length=64),
    limit: int = Query(default=100, ge=1, le=10_000),
) -> JSONBytesResponse:
    found = service.webhook_deliveries(name, webhook_id, limit)
    return json_response({"deliveries": [d.to_dict() for d in found]})


# -- model versions ------------------------------------------------------------------------
@router.post("/model-versions", status_code=201, summary="Register a model version")
def create_version(body: VersionCreate, request: Request, service: Registry) -> JSONBytesResponse:
    """The new version (the registered model is created when missing)."""
    version = service.create_model_version(
        body.name, body.artifact_ref, body.run_id, body.description, body.tags, body.comment,
        user=who(request),
    )  # fmt: skip
    return json_response(version.to_dict(), 201)


@router.get("/model-versions/resolve", summary="Resolve a models:/ URI")
def resolve(service: Registry, uri: str = Query(min_length=1, max_length=600)) -> JSONBytesResponse:
    return json_response(service.resolve_model_uri(uri).to_dict())


@router.get("/model-versions/{name}/{version}", summary="Get a model version")
def get_version(name: str, version: str, service: Registry) -> JSONBytesResponse:
    return json_response(service.get_model_version(name, version).to_dict())


@router.patch("/model-versions/{name}/{version}", summary="Update a model version")
def update_version(
    name: str, version: str, body: VersionUpdate, request: Request, service: Registry
) -> JSONBytesResponse:
    found = service.update_model_version(
        name, version, body.description, body.tags, user=who(request)
    )
    return json_response(found.to_dict())


@router.delete("/model-versions/{name}/{version}", summary="Delete a model version")
def delete_version(
    name: str, version: str, request: Request, service: Registry, comment: Comment = ""
) -> JSONBytesResponse:
    return json_response(
        service.delete_model_version(name, version, comment, user=who(request)).to_dict()
    )


@router.post("/model-versions/{name}/{version}/stage", summary="Move a version to a stage")
def transition(
    name: str, version: str, body: StageChange, request: Request, service: Registry
) -> JSONBytesResponse:
    found = service.transition_stage(
        name, version, body.stage, body.archive_existing, body.comment, body.details,
        user=who(request),
    )  # fmt: skip
    return json_response(found.to_dict())
