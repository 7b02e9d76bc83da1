"""Blob routes: content-addressed bytes streamed through the server (proxy mode).

``PUT /blobs/{digest}`` streams the raw request body into the blob store, which hashes
it while writing to a temporary name and publishes it only if it hashes to ``digest``:
a mismatch or an interrupted upload stores nothing. Memory stays bounded by one chunk.
``GET /blobs/{digest}`` streams the stored bytes back. The JSON body limit does not
apply to uploads; ``SHIPYARD_MAX_BLOB_BYTES`` (default 50 GiB) does.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import AsyncIterator, Iterator
from typing import IO, Annotated

import anyio.from_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from shipyard.artifacts import ArtifactService
from shipyard.core.errors import BlobCorruptError, InvalidInputError
from shipyard.server._common import JSONBytesResponse, json_response
from shipyard.store.blobs import BlobRef, BlobStore, validate_digest

ENV_MAX_BLOB_BYTES = "SHIPYARD_MAX_BLOB_BYTES"
DEFAULT_MAX_BLOB_BYTES = 50 * 1024**3
MAX_DIGESTS_PER_REQUEST = 100_000
READ_CHUNK = 1024 * 1024
FILL_BYTES = 1024 * 1024
OCTET_STREAM = "application/octet-stream"

router = APIRouter(tags=["blobs"])


def max_blob_bytes_from_env() -> int:
    """``SHIPYARD_MAX_BLOB_BYTES`` or 50 GiB."""
    raw = os.environ.get(ENV_MAX_BLOB_BYTES, "").strip()
    if not raw:
        return DEFAULT_MAX_BLOB_BYTES
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInputError(f"{ENV_MAX_BLOB_BYTES}={raw!r} is not an integer") from None
    if value < 1:
        raise InvalidInputError(f"{ENV_MAX_BLOB_BYTES} must be positive, not {value}")
    return value


def is_blob_upload(method: str, path: str, api_prefix: str) -> bool:
    """Whether a request is a blob upload (the routes the larger size limit covers)."""
    return method == "PUT" and path.startswith(f"{api_prefix}/blobs/")


async def get_blobs(request: Request) -> BlobStore:
    """The app's blob store."""
    store: BlobStore = request.app.state.blobs
    return store


Blobs = Annotated[BlobStore, Depends(get_blobs)]


async def get_service(request: Request) -> ArtifactService:
    """The app's artifact service (it records blob leases)."""
    service: ArtifactService = request.app.state.artifacts
    return service


Service = Annotated[ArtifactService, Depends(get_service)]


class MissingRequest(BaseModel):
    """Body of ``POST /blobs/missing``."""

    model_config = ConfigDict(extra="forbid")
    digests: list[str] = Field(max_length=MAX_DIGESTS_PER_REQUEST)


@router.post("/blobs/missing", summary="Which blobs the store lacks")
def missing_blobs(body: MissingRequest, blobs: Blobs, service: Service) -> JSONBytesResponse:
    """``{"missing": [...]}``: the digests (deduplicated, in order) not stored yet. All
    of them are leased first, so garbage collection keeps them until the commit."""
    digests = [validate_digest(d) for d in dict.fromkeys(body.digests)]
    service.lease_blobs(digests)
    return json_response({"missing": [d for d in digests if not blobs.exists(d)]})


class _RequestReader:
    """A blocking ``readinto``/``read`` over the request's async body stream, for a
    worker thread. Chunks are queued as they arrive and copied once, into the caller's
    buffer; the thread hops to the event loop once per ``FILL_BYTES``, not per chunk."""

    def __init__(self, stream: AsyncIterator[bytes]) -> None:
        self._stream = stream
        self._chunks: deque[memoryview] = deque()
        self._pending = 0
        self._done = False

    async def _fill(self, size: int) -> None:
        while not self._done and self._pending < size:
            try:
                chunk = await self._stream.__anext__()
            except StopAsyncIteration:
                self._done = True
                break
            if chunk:
                self._chunks.append(memoryview(chunk))
                self._pending += len(chunk)

    def readinto(self, buffer: memoryview) -> int:
        want = len(buffer)
        if self._pending < min(want, FILL_BYTES) and not self._done:
            anyio.from_thread.run(self._fill, min(want, FILL_BYTES))
        filled = 0
        while self._chunks and filled < want:
            chunk = self._chunks[0]
            take = min(len(chunk), want - filled)
            buffer[filled : filled + take] = chunk[:take]
            filled += take
            if take == len(chunk):
                self._chunks.popleft()
            else:
                self._chunks[0] = chunk[take:]
        self._pending -= filled
        return filled

    def read(self, size: int = -1, /) -> bytes:
        if size < 0:
            anyio.from_thread.run(self._fill, 1 << 62)
            size = self._pending
        out = bytearray(size)
        return bytes(out[: self.readinto(memoryview(out))])


@router.put(
    "/blobs/{digest}",
    status_code=201,
    summary="Upload a blob",
    openapi_extra={"requestBody": {"required": True, "content": {OCTET_STREAM: {"schema": {}}}}},
)
async def put_blob(digest: str, request: Request, blobs: Blobs) -> JSONBytesResponse:
    """Store the raw body under ``digest``; 400 if it hashes to anything else. (A fresh
    upload has a fresh mtime, which GC's grace period already protects; re-used blobs
    are protected by the lease ``/blobs/missing`` takes.)"""
    digest = validate_digest(digest)
    reader = _RequestReader(request.stream())
    ref = await run_in_threadpool(_store, blobs, reader, digest, _content_length(request))
    return json_response({"digest": ref.digest, "size": ref.size}, 201)


def _content_length(request: Request) -> int | None:
    raw = request.headers.get("content-length", "")
    return int(raw) if raw.isdigit() else None


def _store(blobs: BlobStore, reader: _RequestReader, digest: str, size: int | None) -> BlobRef:
    try:
        return blobs.put_stream(reader, expected_digest=digest, size_hint=size)
    except BlobCorruptError as exc:
        actual = exc.details.get("actual")
        raise InvalidInputError(
            f"Uploaded bytes hash to sha256 {actual}, not the digest {digest} in the URL; "
            "nothing was stored",
            digest=digest,
            actual=actual,
        ) from None


@router.get(
    "/blobs/{digest}",
    summary="Download a blob",
    response_class=StreamingResponse,
    responses={200: {"content": {OCTET_STREAM: {}}}},
)
def get_blob(digest: str, blobs: Blobs) -> StreamingResponse:
    """The stored bytes, streamed; 404 BLOB_NOT_FOUND if the store lacks them."""
    digest = validate_digest(digest)
    size = blobs.size(digest)
    stream = blobs.open(digest)
    headers = {"Content-Length": str(size), "Shipyard-Digest": digest}
    return StreamingResponse(_chunks(stream), media_type=OCTET_STREAM, headers=headers)


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    with stream:
        while chunk := stream.read(READ_CHUNK):
            yield chunk
