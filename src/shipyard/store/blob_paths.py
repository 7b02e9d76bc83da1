"""Digests, the blob layout, and streaming SHA-256 helpers for the blob store.

A blob lives at ``<root>/sha256/<d[:2]>/<d[2:4]>/<digest>``; uploads in progress at
``<root>/tmp/<uuid>``. Digests come from users and URLs, so every one is checked by
:func:`validate_digest` before it becomes part of a path.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from shipyard.core.errors import InvalidInputError

__all__ = [
    "CHUNK_SIZE",
    "BinaryReader",
    "BinaryWriter",
    "blob_key",
    "buffer_size",
    "copy_hashing",
    "iter_chunks",
    "sha256_file",
    "validate_digest",
]

CHUNK_SIZE = 8 * 1024 * 1024
MIN_BUFFER = 64 * 1024
BLOBS_DIR = "sha256"
TMP_DIR = "tmp"
_DIGEST = re.compile(r"[0-9a-f]{64}")


class BinaryReader(Protocol):
    """Anything with ``read(n) -> bytes`` (files, sockets, request bodies)."""

    def read(self, size: int = -1, /) -> bytes: ...


class BinaryWriter(Protocol):
    def write(self, data: bytes | memoryview, /) -> object: ...


def validate_digest(value: object) -> str:
    """Return ``value`` if it is a SHA-256 hex digest (64 lowercase hex), else raise."""
    if isinstance(value, str) and _DIGEST.fullmatch(value):
        return value
    shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
    raise InvalidInputError(
        f"Invalid blob digest {shown}: expected 64 lowercase hex characters (SHA-256)",
        digest=str(value)[:80],
    )


def blob_key(digest: str) -> str:
    """The blob's path relative to the store root, e.g. ``sha256/ab/cd/abcd…``."""
    digest = validate_digest(digest)
    return f"{BLOBS_DIR}/{digest[:2]}/{digest[2:4]}/{digest}"


def iter_chunks(src: BinaryReader, chunk: int = CHUNK_SIZE) -> Iterator[bytes | memoryview]:
    """Yield the stream's bytes in pieces of at most ``chunk`` bytes.

    When the stream has ``readinto`` one buffer is reused, so a yielded memoryview is
    only valid until the next one is asked for."""
    readinto = getattr(src, "readinto", None)
    if readinto is None:
        while block := src.read(chunk):
            yield block
        return
    buffer = bytearray(chunk)
    view = memoryview(buffer)
    while n := readinto(view):
        yield view[:n]


def copy_hashing(
    src: BinaryReader, dst: BinaryWriter | None, chunk: int = CHUNK_SIZE
) -> tuple[str, int]:
    """Copy ``src`` to ``dst`` (if given) in chunks; return (sha256 hex, bytes)."""
    digest = hashlib.sha256()
    size = 0
    for block in iter_chunks(src, chunk):
        digest.update(block)
        if dst is not None:
            dst.write(block)
        size += len(block)
    return digest.hexdigest(), size


def buffer_size(chunk: int, size_hint: int | None) -> int:
    """A copy buffer for a stream of about ``size_hint`` bytes: no larger than needed
    (a fresh 8 MiB buffer per small file costs more in page faults than the copy), at
    least 64 KiB, at most ``chunk``."""
    if size_hint is None or size_hint < 0:
        return chunk
    return max(1, min(chunk, max(size_hint + 1, MIN_BUFFER)))


def sha256_file(path: str | os.PathLike[str], chunk: int = CHUNK_SIZE) -> tuple[str, int]:
    """(sha256 hex, size) of a local file, read in chunks (bounded memory)."""
    with open(Path(path), "rb", buffering=0) as f:
        return copy_hashing(f, None, buffer_size(chunk, os.fstat(f.fileno()).st_size))
