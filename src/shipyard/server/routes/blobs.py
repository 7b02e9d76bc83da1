"""Blob routes: content-addressed bytes streamed through the server (proxy mode).

``PUT /blobs/{digest}`` streams the raw request body into the blob store, which hashes
it while writing to a temporary name and publishes it only if it hashes to ``digest``:
a mismatch or an interrupted upload stores nothing. Memory stays bounded by one chunk.
``GET /blobs/{digest}`` streams the stored bytes back. The JSON body limit does not
apply to uploads; ``SHIPYARD_MAX_BLOB_BYTES`` (default 50 GiB) does.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import IO, Annotated

import anyio.from_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from shipyard.core.errors import BlobCorruptError, InvalidInputError
from shipyard.server._common import JSONBytesResponse, json_response
from shipyard.store.blobs import BlobRef, BlobStore, validate_digest

ENV_MAX_BLOB_BYTES = "SHIPYARD_MAX_BLOB_BYTES"
DEFAULT_MAX_BLOB_BYTES = 50 * 1024**3
MAX_DIGESTS_PER_REQUEST = 100_000
READ_CHUNK = 1024 * 1024
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


class MissingRequest(BaseModel):
    """Body of ``POST /blobs/missing``."""

    model_config = ConfigDict(extra="forbid")
    digests: list[str] = Field(max_length=MAX_DIGESTS_PER_REQUEST)


@router.post("/blobs/missing", summary="Which blobs the store lacks")
def missing_blobs(body: MissingRequest, blobs: Blobs) -> JSONBytesResponse:
    """``{"missing": [...]}``: the digests (deduplicated, in order) not stored yet."""
    digests = [validate_digest(d) for d in dict.fromkeys(body.digests)]
    return json_response({"missing": [d for d in digests if not blobs.exists(d)]})


class _RequestReader:
    """A blocking ``read(n)`` over the request's async body stream, for a worker thread."""

    def __init__(self, stream: AsyncIterator[bytes]) -> None:
        self._stream = stream
        self._buffer = bytearray()
        self._done = False

    async def _fill(self, size: int) -> None:
        while not self._done and len(self._buffer) < size:
            try:
                self._buffer += await self._stream.__anext__()
            except StopAsyncIteration:
                self._done = True

    def read(self, size: int = -1, /) -> bytes:
        want = size if size >= 0 else 1 << 62
        anyio.from_thread.run(self._fill, want)
        out = bytes(self._buffer[:want])
        del self._buffer[:want]
        return out


@router.put(
    "/blobs/{digest}",
    status_code=201,
    summary="Upload a blob",
    openapi_extra={"requestBody": {"required": True, "content": {OCTET_STREAM: {"schema": {}}}}},
)
async def put_blob(digest: str, request: Request, blobs: Blobs) -> JSONBytesResponse:
    """Store the raw body under ``digest``; 400 if it hashes to anything else."""
    digest = validate_digest(digest)
    reader = _RequestReader(request.stream())
    ref = await run_in_threadpool(_store, blobs, reader, digest)
    return json_response({"digest": ref.digest, "size": ref.size}, 201)


def _store(blobs: BlobStore, reader: _RequestReader, digest: str) -> BlobRef:
    try:
        return blobs.put_stream(reader, expected_digest=digest)
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
