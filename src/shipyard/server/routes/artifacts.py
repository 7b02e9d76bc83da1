"""Artifact routes: versions, files, aliases, lineage, diff, deletion and GC.

Committing a version records a manifest whose blobs were uploaded first through
``/blobs``; the server refuses a manifest naming a blob the store lacks. Every path
and reference is validated by the artifact service before anything is written.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from shipyard.artifacts import ArtifactService, FileEntry, parse_ref
from shipyard.artifacts.lineage import MAX_GENERATIONS
from shipyard.core.errors import InvalidInputError
from shipyard.server._common import JSONBytesResponse, json_response
from shipyard.server.auth import Principal
from shipyard.server.routes.blobs import Blobs
from shipyard.store.blobs import BlobStore

MAX_REF = 600
MAX_ENTRIES = 1_000_000
MAX_ALIASES = 100
RUN_ID_PATTERN = r"^[0-9a-f]{32}$"

router = APIRouter(tags=["artifacts"])


async def get_artifacts(request: Request) -> ArtifactService:
    """The app's artifact service."""
    service: ArtifactService = request.app.state.artifacts
    return service


Artifacts = Annotated[ArtifactService, Depends(get_artifacts)]
RefQuery = Annotated[str, Query(min_length=1, max_length=MAX_REF)]


def _user(request: Request) -> str:
    """The authenticated caller's name, or "" when auth is off."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None or principal.token_id is None:
        return ""
    return principal.name


class VersionCreate(BaseModel):
    """Body of ``POST /artifacts/versions``: a manifest of already-uploaded blobs."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=256)
    type: str = Field(min_length=1, max_length=64)
    entries: list[dict[str, Any]] = Field(max_length=MAX_ENTRIES)
    metadata: dict[str, Any] | None = None
    run_id: str | None = Field(default=None, pattern=RUN_ID_PATTERN)
    aliases: list[str] = Field(default_factory=list, max_length=MAX_ALIASES)
    description: str | None = None


class AliasSet(BaseModel):
    """Body of ``PUT /artifacts/{name}/aliases/{alias}``."""

    model_config = ConfigDict(extra="forbid")
    ref: str = Field(min_length=1, max_length=MAX_REF)


class InputRecord(BaseModel):
    """Body of ``POST /runs/{run_id}/artifact-inputs``."""

    model_config = ConfigDict(extra="forbid")
    ref: str = Field(min_length=1, max_length=MAX_REF)


class GcRequest(BaseModel):
    """Body of ``POST /admin/gc``."""

    model_config = ConfigDict(extra="forbid")
    grace_s: float = Field(default=3600.0, ge=0)
    dry_run: bool = False


@router.post("/artifacts/versions", status_code=201, summary="Commit an artifact version")
def commit_version(
    body: VersionCreate, request: Request, service: Artifacts, blobs: Blobs
) -> JSONBytesResponse:
    """The new version (or the existing one with identical content)."""
    entries = _checked_entries(body.entries, blobs)
    record = service.commit_version(
        body.name, body.type, entries, metadata=body.metadata, run_id=body.run_id,
        aliases=body.aliases, description=body.description, user=_user(request),
    )  # fmt: skip
    return json_response(record.to_dict(), 201)


def _checked_entries(raw: list[dict[str, Any]], blobs: BlobStore) -> list[FileEntry]:
    """Valid entries whose blobs are all stored, or a 400 naming the first that is not."""
    entries = [FileEntry.from_dict(item).checked() for item in raw]
    for entry in entries:
        if entry.digest is not None and not entry.is_reference and not blobs.exists(entry.digest):
            raise InvalidInputError(
                f"Blob {entry.digest} of {entry.path!r} is not in the blob store; upload it "
                "before committing the version",
                digest=entry.digest,
                path=entry.path,
            )
    return entries


@router.get("/artifacts", summary="List artifacts")
def list_artifacts(
    service: Artifacts, type: str | None = Query(default=None, max_length=64)
) -> JSONBytesResponse:
    """``{"artifacts": [...]}`` sorted by name, of ``type`` if given."""
    return json_response({"artifacts": [a.to_dict() for a in service.list_artifacts(type)]})


@router.get("/artifacts/resolve", summary="Resolve a reference")
def resolve(service: Artifacts, ref: RefQuery) -> JSONBytesResponse:
    """The READY version ``ref`` names."""
    return json_response(service.resolve(ref).to_dict())


@router.get("/artifacts/files", summary="Files of a version")
def files(service: Artifacts, ref: RefQuery) -> JSONBytesResponse:
    """``{"files": [...]}``: the manifest of version ``ref``, sorted by path."""
    entries = service.files(service.resolve(ref).id)
    return json_response({"files": [e.to_dict() for e in entries]})


@router.get("/artifacts/lineage", summary="Lineage graph of a version")
def lineage(
    service: Artifacts,
    ref: RefQuery,
    direction: str = Query(default="both", max_length=16),
    depth: int | None = Query(default=None, ge=0, le=MAX_GENERATIONS),
) -> JSONBytesResponse:
    """Runs and versions upstream and/or downstream of ``ref``, ``depth`` generations
    (omitted: all of it; ``truncated`` and ``stopped_by`` say where it stopped short)."""
    return json_response(service.lineage(ref, direction, depth).to_dict())


@router.get("/artifacts/diff", summary="Compare two versions")
def diff(service: Artifacts, a: RefQuery, b: RefQuery) -> JSONBytesResponse:
    """What changed from version ``a`` to version ``b``."""
    return json_response(service.diff(a, b).to_dict())


@router.delete("/artifacts/versions", summary="Delete a version")
def delete_version(
    request: Request, service: Artifacts, ref: RefQuery, force: bool = False
) -> JSONBytesResponse:
    """The version, now DELETED; 409 ARTIFACT_IN_USE if runs consumed it, unless force."""
    parsed = parse_ref(ref)
    record = service.delete_version(parsed.name, parsed.selector, force=force, user=_user(request))
    return json_response(record.to_dict())


@router.get("/artifacts/{name}/versions", summary="List the versions of an artifact")
def list_versions(name: str, service: Artifacts) -> JSONBytesResponse:
    """``{"versions": [...]}``, newest first."""
    return json_response({"versions": [v.to_dict() for v in service.list_versions(name)]})


@router.put("/artifacts/{name}/aliases/{alias}", summary="Point an alias at a version")
def set_alias(
    name: str, alias: str, body: AliasSet, request: Request, service: Artifacts
) -> JSONBytesResponse:
    """The version the alias now points at (the move is recorded); ``ref`` is a
    version selector of ``name`` (``v3``, ``3`` or an alias)."""
    record = service.set_alias(name, alias, body.ref, user=_user(request))
    return json_response(record.to_dict())


@router.get("/artifacts/{name}/alias-history", summary="Alias moves of an artifact")
def alias_history(name: str, service: Artifacts) -> JSONBytesResponse:
    """``{"events": [...]}``, oldest first."""
    return json_response({"events": [e.to_dict() for e in service.alias_history(name)]})


@router.post("/runs/{run_id}/artifact-inputs", summary="Record that a run used a version")
def use_artifact(run_id: str, body: InputRecord, service: Artifacts) -> JSONBytesResponse:
    """The consumed version (an input lineage edge is recorded)."""
    parsed = parse_ref(body.ref)
    return json_response(service.record_use(run_id, parsed.name, parsed.selector).to_dict())


@router.get("/runs/{run_id}/artifacts", summary="Versions a run consumed and produced")
def run_artifacts(run_id: str, service: Artifacts) -> JSONBytesResponse:
    """``{"input": [...], "output": [...]}`` (an unknown run has neither)."""
    found = service.run_artifacts(run_id)
    return json_response({side: [v.to_dict() for v in vs] for side, vs in found.items()})


@router.post("/admin/gc", summary="Collect unreferenced blobs")
async def collect_garbage(
    body: GcRequest, request: Request, service: Artifacts, blobs: Blobs
) -> JSONBytesResponse:
    """Delete blobs no READY version or media item references, older than ``grace_s``."""
    keep = await run_in_threadpool(request.app.state.media.referenced_digests)
    report = await run_in_threadpool(
        service.gc, blobs, body.grace_s, keep=keep, dry_run=body.dry_run
    )
    return json_response(report.to_dict())
