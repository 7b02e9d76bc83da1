"""The content-addressed blob store: bytes stored once under their SHA-256 digest.

``BlobStore("~/.shipyard/blobs")`` or ``BlobStore("s3://bucket/prefix")``. Writes stream
in chunks to ``<root>/tmp/<uuid>`` while hashing, are verified, then published to
``<root>/sha256/<d[:2]>/<d[2:4]>/<digest>`` (``os.replace`` locally, a server-side copy
on S3), so a crash never leaves a partial blob under a real digest. Reads verify the
digest before a file is moved into place. ``LocalCache`` keeps verified downloads keyed
by digest so a second download does no I/O on the store.

Instances hold no mutable state: concurrent puts and gets from many threads are fine.
"""

from __future__ import annotations

import contextlib
import io
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from shipyard.core.config import shipyard_home
from shipyard.core.errors import (
    BlobCorruptError,
    BlobNotFoundError,
    InvalidInputError,
    StoreError,
)
from shipyard.store.blob_backends import Backend, StaleUpload, open_backend
from shipyard.store.blob_paths import (
    CHUNK_SIZE,
    TMP_DIR,
    BinaryReader,
    blob_key,
    buffer_size,
    copy_hashing,
    sha256_file,
    validate_digest,
)

__all__ = [
    "CHUNK_SIZE",
    "BlobRef",
    "BlobStore",
    "LocalCache",
    "sha256_file",
    "validate_digest",
]

DAY_S = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class BlobRef:
    """A stored blob: its SHA-256 hex digest and size in bytes."""

    digest: str
    size: int


class BlobStore:
    """Content-addressed blobs in a local folder, ``file://…`` or ``s3://bucket/prefix``.

    ``fsync`` (local only) flushes each blob to disk before it is renamed into place;
    ``storage_options`` go to the fsspec filesystem (s3fs), whose endpoint defaults to
    ``SHIPYARD_S3_ENDPOINT_URL`` or ``AWS_ENDPOINT_URL``."""

    def __init__(
        self,
        root_uri: str | os.PathLike[str],
        *,
        chunk_size: int = CHUNK_SIZE,
        fsync: bool = True,
        storage_options: dict[str, Any] | None = None,
    ) -> None:
        if chunk_size < 1:
            raise ValueError("chunk_size must be positive")
        self.chunk_size = chunk_size
        self._backend: Backend = open_backend(
            os.fspath(root_uri), fsync=fsync, storage_options=storage_options
        )

    def __repr__(self) -> str:
        return f"BlobStore({self.url!r})"

    @property
    def url(self) -> str:
        """The root: an absolute folder path or ``s3://bucket/prefix``."""
        return self._backend.url

    @property
    def fs(self) -> Any:
        """The fsspec filesystem underneath."""
        return self._backend.fs

    @property
    def is_local(self) -> bool:
        return not self.url.startswith("s3://")

    def blob_url(self, digest: str) -> str:
        """Where the blob with this digest lives (a path, or an ``s3://`` URL)."""
        return self._backend.display(self._path(digest))

    # -- writing ---------------------------------------------------------------------

    def put_file(self, path: str | os.PathLike[str], expected_digest: str | None = None) -> BlobRef:
        """Store a local file. With ``expected_digest`` of a blob already stored (same
        size), nothing is read or written. If the file does not hash to
        ``expected_digest`` (it changed), ``BlobCorruptError`` and nothing is stored."""
        source = Path(path)
        if expected_digest is not None:
            expected_digest = validate_digest(expected_digest)
            ref = self._reuse(expected_digest, source.stat().st_size)
            if ref is not None:
                return ref
        with open(source, "rb") as f:
            return self._upload(f, expected_digest, str(source), os.fstat(f.fileno()).st_size)

    def put_stream(
        self,
        fileobj: BinaryReader,
        expected_digest: str | None = None,
        size_hint: int | None = None,
    ) -> BlobRef:
        """Store everything ``fileobj.read`` returns, streamed in chunks. ``size_hint``
        (the expected length, if known) only sizes the copy buffer."""
        if expected_digest is not None:
            expected_digest = validate_digest(expected_digest)
        return self._upload(fileobj, expected_digest, "stream", size_hint)

    def put_bytes(self, data: bytes) -> BlobRef:
        """Store a small in-memory value (manifests and the like)."""
        return self._upload(io.BytesIO(data), None, "bytes")

    def _reuse(self, digest: str, size: int) -> BlobRef | None:
        path = self._path(digest)
        with self._errors("check", path):
            stored = self._backend.size_of(path)
            if stored != size:
                return None
            self._backend.touch(path)
        return BlobRef(digest, size)

    def _upload(
        self, src: BinaryReader, expected: str | None, what: str, size_hint: int | None = None
    ) -> BlobRef:
        tmp = self._backend.join(f"{TMP_DIR}/{uuid.uuid4().hex}")
        source = _Source(src)
        with self._errors("upload", tmp, source):
            chunk = buffer_size(self.chunk_size, size_hint)
            digest, size = self._backend.write_temp(tmp, source, chunk)
            try:
                self._verify_temp(tmp, digest, size, expected, what)
                self._publish(tmp, digest, size)
            except BaseException:
                with contextlib.suppress(Exception):
                    self._backend.remove(tmp)
                raise
        return BlobRef(digest, size)

    def _verify_temp(
        self, tmp: str, digest: str, size: int, expected: str | None, what: str
    ) -> None:
        stored = self._backend.size_of(tmp)
        if stored != size:
            raise StoreError(
                f"Upload of {what} to {self._backend.display(tmp)} wrote {size} bytes "
                f"but {stored} are stored",
                path=self._backend.display(tmp),
            )
        if expected is not None and digest != expected:
            raise BlobCorruptError(
                f"{what} hashes to sha256 {digest}, not the expected {expected} "
                "(did it change while being read?); nothing was stored",
                digest=expected,
                actual=digest,
                path=what,
            )

    def _publish(self, tmp: str, digest: str, size: int) -> None:
        final = self._path(digest)
        if self._backend.size_of(final) == size:
            self._backend.remove(tmp)  # identical content is stored once
            self._backend.touch(final)
        else:
            self._backend.publish(tmp, final)

    # -- reading ---------------------------------------------------------------------

    def open(self, digest: str) -> IO[bytes]:
        """A binary read stream of the blob (not verified: use ``get_file`` for that)."""
        path = self._path(digest)
        with self._errors("open", path):
            try:
                return self._backend.open_read(path, self.chunk_size)
            except FileNotFoundError:
                raise self._not_found(digest) from None

    def get_file(self, digest: str, dest_path: str | os.PathLike[str]) -> Path:
        """Download to ``dest_path``: written to ``<dest>.tmp-<uuid>``, verified, then
        renamed into place. A digest mismatch raises ``BlobCorruptError``."""
        path = self._path(digest)  # validates before anything touches the disk
        dest = Path(dest_path)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f"{dest.name}.tmp-{uuid.uuid4().hex}")
        try:
            with self.open(digest) as src, self._errors("download", path):
                with open(tmp, "xb") as out:
                    actual, size = copy_hashing(src, out, self.chunk_size)
                if actual != digest:
                    raise self._corrupt(digest, actual, size, dest)
                os.replace(tmp, dest)
        except BaseException:
            with contextlib.suppress(OSError):
                os.remove(tmp)
            raise
        return dest

    def _corrupt(self, digest: str, actual: str, size: int, dest: Path) -> BlobCorruptError:
        url = self.blob_url(digest)
        return BlobCorruptError(
            f"Blob {digest} is corrupt: {url} hashes to {actual} ({size} bytes); "
            f"{dest} was not written",
            digest=digest,
            actual=actual,
            path=url,
            dest=str(dest),
        )

    # -- inspecting and removing -----------------------------------------------------

    def exists(self, digest: str) -> bool:
        path = self._path(digest)
        with self._errors("check", path):
            return self._backend.size_of(path) is not None

    def size(self, digest: str) -> int:
        """The blob's size in bytes; ``BlobNotFoundError`` if it is not stored."""
        path = self._path(digest)
        with self._errors("check", path):
            size = self._backend.size_of(path)
        if size is None:
            raise self._not_found(digest)
        return size

    def delete(self, digest: str) -> bool:
        """Remove a blob; False if it was not there."""
        path = self._path(digest)
        with self._errors("delete", path):
            existed = self._backend.size_of(path) is not None  # S3 deletes always "succeed"
            return self._backend.remove(path) and existed

    def iter_blobs(self) -> Iterator[tuple[str, int, float]]:
        """Every stored blob as (digest, size, mtime in epoch seconds)."""
        with self._errors("list", self.url):
            for path, size, mtime in self._backend.walk_blobs():
                name = path.replace(os.sep, "/").rsplit("/", 1)[-1]
                if self._is_blob_path(path, name):  # skip anything not laid out by us
                    yield name, size, mtime

    def stale_uploads(self, older_than_s: float = DAY_S) -> list[str]:
        """Temp uploads (and unfinished S3 multipart uploads) older than this."""
        cutoff = time.time() - older_than_s
        with self._errors("list", self.url):
            return [self._describe(item) for item in self._backend.stale(cutoff)]

    def remove_stale_uploads(self, older_than_s: float = DAY_S) -> list[str]:
        """Delete what ``stale_uploads`` lists; return it. Pick ``older_than_s`` above
        the longest upload you expect: an active upload that loses its temp fails."""
        cutoff = time.time() - older_than_s
        removed = []
        with self._errors("clean", self.url):
            for item in self._backend.stale(cutoff):
                with contextlib.suppress(FileNotFoundError):
                    self._backend.remove_stale(item)
                removed.append(self._describe(item))
        return removed

    # -- helpers ---------------------------------------------------------------------

    def _path(self, digest: str) -> str:
        return self._backend.join(blob_key(digest))

    def _is_blob_path(self, path: str, name: str) -> bool:
        try:
            return path == self._path(name)
        except InvalidInputError:
            return False

    def _describe(self, item: StaleUpload) -> str:
        text = self._backend.display(item.path)
        return text if item.upload_id is None else f"{text} (multipart upload)"

    def _not_found(self, digest: str) -> BlobNotFoundError:
        return BlobNotFoundError(
            f"Blob {digest} is not in the blob store {self.url}", digest=digest
        )

    @contextlib.contextmanager
    def _errors(self, action: str, path: str, source: _Source | None = None) -> Iterator[None]:
        """Turn storage failures (OSError) into StoreError naming what failed; errors
        of the caller's own stream pass through unchanged."""
        try:
            yield
        except Exception as exc:
            if source is not None and exc is source.error:
                raise
            if not isinstance(exc, OSError) and not _from_storage_library(exc):
                raise
            where = self._backend.display(path) if path != self.url else path
            raise StoreError(f"Blob store could not {action} {where}: {exc}", path=where) from exc


def _from_storage_library(exc: BaseException) -> bool:
    """botocore/aiohttp errors that s3fs does not turn into OSError (no credentials,
    endpoint unreachable, …), recognised without importing those packages."""
    package = type(exc).__module__.partition(".")[0]
    return package in {"botocore", "aiobotocore", "aiohttp", "s3fs", "fsspec"}


class _Source:
    """The caller's stream, remembering its own failure (not a store failure)."""

    def __init__(self, src: BinaryReader) -> None:
        self._src = src
        self.error: BaseException | None = None
        self.readinto = self._readinto if hasattr(src, "readinto") else None

    def read(self, size: int = -1, /) -> bytes:
        try:
            return self._src.read(size)
        except BaseException as exc:
            self.error = exc
            raise

    def _readinto(self, buffer: memoryview) -> int:
        try:
            return int(self._src.readinto(buffer) or 0)  # type: ignore[attr-defined]
        except BaseException as exc:
            self.error = exc
            raise


class LocalCache:
    """Verified downloads keyed by digest (default ``$SHIPYARD_HOME/cache/blobs``)."""

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        base = Path(folder) if folder is not None else shipyard_home() / "cache" / "blobs"
        self.folder = base.expanduser().absolute()
        self.folder.mkdir(parents=True, exist_ok=True)

    def path_for(self, digest: str) -> Path:
        """Where the blob is (or would be) cached: ``<folder>/ab/cd/<digest>``."""
        digest = validate_digest(digest)
        return self.folder / digest[:2] / digest[2:4] / digest

    def __contains__(self, digest: object) -> bool:
        return isinstance(digest, str) and self.path_for(digest).is_file()

    def fetch(self, store: BlobStore, digest: str) -> Path:
        """The cached file, downloaded and verified first if it is not cached yet."""
        path = self.path_for(digest)
        if path.is_file():
            return path
        return store.get_file(digest, path)

    def remove_stale(self, older_than_s: float = DAY_S) -> list[Path]:
        """Delete downloads that were interrupted (``*.tmp-*``) longer ago than this."""
        cutoff = time.time() - older_than_s
        removed = []
        for path in self.folder.glob("*/*/*.tmp-*"):
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed.append(path)
        return removed
