"""Reference entries: artifact files that stay where they are (``s3://``, ``gs://``,
``file://``, ``https://``), recorded with their size and ETag and/or SHA-256.

Everything here runs in the client: the server stores a reference's URI and checksums
but never opens it (no server-side fetch of ``file://`` or internal URLs). ``describe``
inspects an object when it is logged; ``fetch`` downloads one and checks it against
what was recorded (size, then SHA-256 if recorded, else the ETag if the source gives
one), so a changed or truncated object is an error naming the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import httpx

from shipyard.artifacts import FileEntry, validate_artifact_path
from shipyard.artifacts.manifest import REFERENCE_SCHEMES
from shipyard.core.errors import BlobCorruptError, InvalidInputError, StoreError
from shipyard.store.blob_backends import object_filesystem
from shipyard.store.blob_paths import CHUNK_SIZE, sha256_file, validate_digest

__all__ = ["Reference", "describe", "fetch"]

HTTP_TIMEOUT = 60.0


@dataclass(frozen=True, slots=True)
class Reference:
    """An external object to record instead of copying its bytes.

    Missing ``size``/``etag`` are read from the object; ``sha256`` is computed by
    reading it when ``checksum`` is true (the default for ``file://``, which is cheap),
    so later downloads can be verified byte for byte."""

    uri: str
    size: int | None = None
    sha256: str | None = None
    etag: str | None = None
    checksum: bool | None = None


def _http() -> httpx.Client:
    """The client for https references (redirects followed, certificates verified)."""
    return httpx.Client(follow_redirects=True, timeout=HTTP_TIMEOUT)


def _scheme(uri: str) -> str:
    return uri.partition("://")[0].lower() if "://" in uri else ""


def _local_path(uri: str) -> Path:
    parsed = urlparse(uri)
    if parsed.netloc not in ("", "localhost"):
        raise InvalidInputError(f"file:// reference {uri!r} names a host; use file:///path")
    return Path(unquote(parsed.path))


def _stat(uri: str) -> tuple[int | None, str | None]:
    """(size, ETag) of the object as its source reports them now."""
    scheme = _scheme(uri)
    try:
        if scheme == "file":
            local = _local_path(uri)
            if not local.is_file():
                raise InvalidInputError(f"Reference {uri!r} is not a file", uri=uri)
            return local.stat().st_size, None
        if scheme in ("http", "https"):
            with _http() as http:
                response = http.head(uri)
            response.raise_for_status()
            length = response.headers.get("content-length")
            size = int(length) if length and length.isdigit() else None
            return size, response.headers.get("etag")
        fs, path = object_filesystem(uri)
        info: dict[str, Any] = fs.info(path)
        etag = info.get("ETag") or info.get("etag") or info.get("md5Hash")
        return int(info["size"]), (str(etag) if etag is not None else None)
    except (OSError, httpx.HTTPError, KeyError) as exc:
        raise StoreError(f"Cannot inspect reference {uri!r}: {exc}", uri=uri) from exc


def describe(path: str, ref: Reference | str) -> FileEntry:
    """The manifest entry for ``ref`` stored at artifact path ``path``."""
    ref = Reference(ref) if isinstance(ref, str) else ref
    path = validate_artifact_path(path)
    scheme = _scheme(ref.uri)
    if scheme not in REFERENCE_SCHEMES:
        allowed = ", ".join(f"{s}://" for s in REFERENCE_SCHEMES)
        raise InvalidInputError(
            f"Reference {ref.uri!r:.200} for {path!r}: the scheme must be one of {allowed}",
            path=path,
        )
    size, etag = (ref.size, ref.etag)
    if size is None or (etag is None and scheme not in ("file",)):
        found_size, found_etag = _stat(ref.uri)
        if size is not None and found_size is not None and found_size != size:
            raise InvalidInputError(
                f"Reference {ref.uri!r} is {found_size} bytes, not {size}", path=path
            )
        size = size if size is not None else found_size
        etag = etag if etag is not None else found_etag
    if size is None:
        raise InvalidInputError(
            f"The size of reference {ref.uri!r} is unknown; pass Reference(uri, size=...)",
            path=path,
        )
    digest = validate_digest(ref.sha256) if ref.sha256 is not None else None
    checksum = ref.checksum if ref.checksum is not None else scheme == "file"
    if digest is None and checksum:
        with _open(ref.uri) as stream:
            digest = _hash_stream(stream)
    entry = FileEntry(path, digest, size, ref_uri=ref.uri, ref_etag=etag)
    return entry.checked()


@contextlib.contextmanager
def _open(uri: str) -> Any:
    scheme = _scheme(uri)
    try:
        if scheme == "file":
            with open(_local_path(uri), "rb") as f:
                yield f
        elif scheme in ("http", "https"):
            with _http() as http, http.stream("GET", uri) as r:
                r.raise_for_status()
                yield _HttpReader(r)
        else:
            fs, path = object_filesystem(uri)
            with fs.open(path, "rb") as f:
                yield f
    except (OSError, httpx.HTTPError) as exc:
        raise StoreError(f"Cannot read reference {uri!r}: {exc}", uri=uri) from exc


class _HttpReader:
    """``read(n)`` over a streamed httpx response; remembers its ETag."""

    def __init__(self, response: httpx.Response) -> None:
        self.etag = response.headers.get("etag")
        self._chunks = response.iter_bytes(CHUNK_SIZE)

    def read(self, _size: int = -1) -> bytes:
        return next(self._chunks, b"")


def _hash_stream(stream: Any, out: Any = None) -> str:
    digest = hashlib.sha256()
    while block := stream.read(CHUNK_SIZE):
        digest.update(block)
        if out is not None:
            out.write(block)
    return digest.hexdigest()


def fetch(entry: FileEntry, dest: Path) -> Path:
    """Download reference ``entry`` to ``dest`` (through a temp name), verified against
    its recorded size, SHA-256 (if any) or ETag (if the source reports one)."""
    uri = str(entry.ref_uri)
    if entry.digest is None and entry.ref_etag is not None and _scheme(uri) != "https":
        _size, etag = _stat(uri)
        if etag is not None and etag != entry.ref_etag:
            raise _changed(entry, f"its ETag is now {etag}, not {entry.ref_etag}")
    if _scheme(uri) == "file" and entry.digest is not None:
        actual, size = sha256_file(_local_path(uri))  # no copy needed to check it
        _check(entry, actual, size)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f"{dest.name}.tmp-{uuid.uuid4().hex}")
    try:
        with _open(uri) as stream, open(tmp, "xb") as out:
            actual = _hash_stream(stream, out)
            etag = getattr(stream, "etag", None)
        _check(entry, actual, tmp.stat().st_size)
        stale = etag is not None and entry.ref_etag is not None and etag != entry.ref_etag
        if entry.digest is None and stale:
            raise _changed(entry, f"its ETag is now {etag}, not {entry.ref_etag}")
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def _check(entry: FileEntry, actual: str, size: int) -> None:
    if size != entry.size:
        raise _changed(entry, f"it is {size} bytes, not the {entry.size} recorded")
    if entry.digest is not None and actual != entry.digest:
        raise _changed(entry, f"it hashes to sha256 {actual}, not the {entry.digest} recorded")


def _changed(entry: FileEntry, why: str) -> BlobCorruptError:
    return BlobCorruptError(
        f"Reference {entry.path!r} ({entry.ref_uri}) changed since it was logged: {why}",
        path=entry.path,
        uri=entry.ref_uri,
    )
