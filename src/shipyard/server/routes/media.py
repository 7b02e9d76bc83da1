"""Media routes: record a run's media items, list them, stream their bytes, page tables.

Content is served only with the type recorded for its kind (images, audio, video, JSON,
Parquet — never HTML), with ``nosniff`` and a sandboxing CSP, so a logged file cannot
run script in the UI's origin.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from shipyard.core.errors import InvalidInputError, MediaNotFoundError
from shipyard.media import MediaService, MediaSpec, load_table, table_page
from shipyard.media.markdown import render_markdown
from shipyard.media.service import MAX_ITEMS_PER_CALL
from shipyard.server._common import JSONBytesResponse, json_response
from shipyard.server.routes.blobs import Blobs

router = APIRouter(tags=["media"])
READ_CHUNK = 1024 * 1024
SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Cache-Control": "private, max-age=31536000, immutable",
}


async def get_media(request: Request) -> MediaService:
    """The app's media service."""
    service: MediaService = request.app.state.media
    return service


Media = Annotated[MediaService, Depends(get_media)]


class MediaItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1, max_length=250)
    step: int
    index: int = Field(ge=0, le=10_000)
    kind: str = Field(max_length=32)
    digest: str = Field(max_length=64)
    mime: str = Field(max_length=64)
    size: int = Field(ge=0)
    meta: dict[str, Any] = Field(default_factory=dict)


class MediaBatch(BaseModel):
    """Body of ``POST /runs/{run_id}/media``: items whose blobs were uploaded first."""

    model_config = ConfigDict(extra="forbid")
    items: list[MediaItem] = Field(min_length=1, max_length=MAX_ITEMS_PER_CALL)


@router.post("/runs/{run_id}/media", status_code=201, summary="Record media items")
def record_media(run_id: str, body: MediaBatch, media: Media, blobs: Blobs) -> JSONBytesResponse:
    """The stored items; every blob must exist first (``PUT /blobs/{digest}``)."""
    specs = [MediaSpec(**item.model_dump()) for item in body.items]
    records = media.record(run_id, specs, blobs)
    return json_response({"items": [r.to_dict() for r in records]}, 201)


@router.get("/runs/{run_id}/media", summary="List a run's media")
def list_media(
    run_id: str,
    media: Media,
    key: str | None = Query(default=None, max_length=250),
    kind: str | None = Query(default=None, max_length=32),
    step: int | None = None,
) -> JSONBytesResponse:
    """``{"items": [...]}`` ordered by key, step and index."""
    return json_response({"items": [r.to_dict() for r in media.find(run_id, key, kind, step)]})


@router.get("/runs/{run_id}/media/keys", summary="Media keys of a run")
def media_keys(run_id: str, media: Media) -> JSONBytesResponse:
    """``{"keys": [{"key", "kind", "count", "steps"}]}``."""
    return json_response({"keys": [k.to_dict() for k in media.keys(run_id)]})


@router.get("/media/{media_id}", summary="One media item")
def get_item(media_id: int, media: Media) -> JSONBytesResponse:
    return json_response(media.get(media_id).to_dict())


@router.get("/media/{media_id}/content", summary="The bytes of a media item")
def content(
    media_id: int,
    media: Media,
    blobs: Blobs,
    part: str | None = Query(default=None, max_length=32),
) -> StreamingResponse:
    """The main file, or an extra ``part`` (e.g. ``mask``), with its recorded type."""
    item = media.get(media_id)
    digest, mime = item.digest, item.mime
    if part is not None:
        found = (item.meta.get("parts") or {}).get(part)
        if found is None:
            raise MediaNotFoundError(f"Media item {media_id} has no part {part!r}")
        digest, mime = found["digest"], found["mime"]
    size = blobs.size(digest)
    headers = {**SAFE_HEADERS, "Content-Length": str(size)}
    return StreamingResponse(_chunks(blobs.open(digest)), media_type=mime, headers=headers)


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    with stream:
        while chunk := stream.read(READ_CHUNK):
            yield chunk


@router.get("/media/{media_id}/table", summary="A page of a logged table")
async def table(
    media_id: int,
    media: Media,
    blobs: Blobs,
    *,
    offset: int = Query(default=0, ge=0),
    limit: int = Query(default=100, ge=1, le=1000),
    sort: str | None = Query(default=None, max_length=1024),
    desc: bool = False,
    q: str | None = Query(default=None, max_length=1024),
) -> JSONBytesResponse:
    """Rows after filtering (cells containing ``q``) and sorting, plus the counts."""
    item = await run_in_threadpool(media.get, media_id)
    if item.kind != "table":
        raise InvalidInputError(f"Media item {media_id} is a {item.kind}, not a table")
    frame = await run_in_threadpool(load_table, blobs, item.digest)
    page = await run_in_threadpool(
        lambda: table_page(frame, offset=offset, limit=limit, sort=sort, descending=desc, query=q)
    )
    return json_response(page.to_dict())


@router.get("/media/{media_id}/markdown", summary="A Markdown text item rendered to HTML")
def markdown(media_id: int, media: Media, blobs: Blobs) -> JSONBytesResponse:
    """``{"html": ...}``: raw HTML in the source is escaped, unsafe links dropped."""
    item = media.get(media_id)
    if item.kind != "text":
        raise InvalidInputError(f"Media item {media_id} is a {item.kind}, not text")
    with blobs.open(item.digest) as fh:
        doc = orjson.loads(fh.read())
    return json_response({"html": render_markdown(str(doc.get("text", "")))})
