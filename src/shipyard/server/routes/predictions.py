"""Predictions routes under ``/predictions``: batch runs of an output and their rows.

The rows are read from the committed ``predictions`` artifact version's Parquet parts in
the blob store; the route only picks the version and renders a page of rows.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from shipyard.artifacts import ArtifactService
from shipyard.batch import PREDICTIONS_TYPE
from shipyard.batch.layout import partition_of, read_files
from shipyard.core.errors import NotFoundError
from shipyard.server._common import JSONBytesResponse, json_response

router = APIRouter(tags=["predictions"])

Name = Annotated[str, Path(min_length=1, max_length=256)]
MAX_PAGE = 10_000


def _versions(request: Request, name: str) -> list[Any]:
    service: ArtifactService = request.app.state.artifacts
    found = [
        v for v in service.list_versions(name, include_deleted=False) if v.type == PREDICTIONS_TYPE
    ]
    if not found:
        raise NotFoundError(f"no predictions named {name!r}: run a batch prediction first")
    return sorted(found, key=lambda v: v.version)


def _summary(v: Any) -> dict[str, Any]:
    return {"ref": v.ref, "version": v.version, "created_at": v.created_at, **v.metadata}


@router.get("/predictions/{name}")
def list_batch_runs(request: Request, name: Name) -> JSONBytesResponse:
    """Every committed batch run of ``name``, oldest first."""
    return json_response({"items": [_summary(v) for v in _versions(request, name)]})


@router.get("/predictions/{name}/latest")
def latest_rows(
    *,
    request: Request,
    name: Name,
    date: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None,
    version: Annotated[int | None, Query(ge=1)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1000,
) -> JSONBytesResponse:
    """A page of rows of the newest batch run (or ``version``), one ``date`` if given."""
    found = _versions(request, name)
    chosen = (
        found[-1] if version is None else next((v for v in found if v.version == version), None)
    )
    if chosen is None:
        raise NotFoundError(f"predictions {name!r} have no version {version}")
    service: ArtifactService = request.app.state.artifacts
    blobs = request.app.state.blobs
    parts = [
        (e.path, e.digest) for e in service.files(chosen.id)
        if e.digest and partition_of(e.path) and (date is None or partition_of(e.path) == date)
    ]  # fmt: skip
    frame = read_files((path, blobs.open(digest)) for path, digest in parts)
    page = frame.iloc[offset : offset + limit]
    rows = json.loads(page.to_json(orient="records", date_format="iso")) if len(page) else []
    return json_response(
        {**_summary(chosen), "total": len(frame), "offset": offset, "limit": limit, "items": rows}
    )
