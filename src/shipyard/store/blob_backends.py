"""Where blob bytes go: a local folder or an S3 bucket, both behind fsspec.

The store (``blobs.BlobStore``) only sees this small interface; each backend knows how
to write a temp object, publish it atomically and list what it holds:

* local: plain files; publish is ``os.replace`` (atomic on one filesystem), the temp is
  fsynced first so a power cut cannot leave a half blob under a real name.
* S3 (``s3fs``): the temp object becomes visible only when its upload completes;
  publish is a server-side copy to the final key (S3 objects appear atomically), then
  the temp is deleted. A crashed multipart upload is aborted by ``remove_stale``.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, Protocol

import fsspec

from shipyard.core.errors import InvalidInputError, StoreError
from shipyard.store.blob_paths import BLOBS_DIR, TMP_DIR, BinaryReader, copy_hashing

ENV_S3_ENDPOINT = "SHIPYARD_S3_ENDPOINT_URL"
ENV_AWS_ENDPOINT = "AWS_ENDPOINT_URL"
_S3_MIN_PART = 5 * 1024 * 1024


@dataclass(frozen=True)
class StaleUpload:
    """A temp object (or an unfinished S3 multipart upload) nobody will publish."""

    path: str
    upload_id: str | None = None

    def __str__(self) -> str:
        return self.path if self.upload_id is None else f"{self.path} (multipart upload)"


class Backend(Protocol):
    fs: Any
    root: str
    url: str

    def join(self, key: str) -> str: ...
    def display(self, path: str) -> str: ...
    def write_temp(self, tmp: str, src: BinaryReader, chunk: int) -> tuple[str, int]: ...
    def size_of(self, path: str) -> int | None: ...
    def publish(self, tmp: str, final: str) -> None: ...
    def touch(self, path: str) -> None: ...
    def remove(self, path: str) -> bool: ...
    def open_read(self, path: str, chunk: int) -> IO[bytes]: ...
    def walk_blobs(self) -> Iterator[tuple[str, int, float]]: ...
    def stale(self, cutoff: float) -> list[StaleUpload]: ...
    def remove_stale(self, item: StaleUpload) -> None: ...


def open_backend(
    root_uri: str, *, fsync: bool = True, storage_options: dict[str, Any] | None = None
) -> Backend:
    """A backend for a folder path, ``file://…`` or ``s3://bucket/prefix``."""
    uri = root_uri.strip()
    if not uri:
        raise InvalidInputError("The blob store root is empty")
    if uri.startswith("s3://"):
        return S3Backend(uri, storage_options or {})
    if uri.startswith("file://"):
        uri = uri[len("file://") :]
    elif "://" in uri:
        scheme = uri.split("://", 1)[0]
        raise InvalidInputError(
            f"Unsupported blob store scheme {scheme!r} in {root_uri!r}: "
            "use a folder path, file://… or s3://bucket/prefix"
        )
    return LocalBackend(uri, fsync=fsync)


class LocalBackend:
    """Blobs as files in a local folder (``os`` calls: atomic rename, fsync)."""

    def __init__(self, folder: str, *, fsync: bool = True) -> None:
        self.fs = fsspec.filesystem("file")
        self.root = os.path.abspath(os.path.expanduser(folder))
        self.url = self.root
        self.fsync = fsync
        try:
            os.makedirs(os.path.join(self.root, TMP_DIR), exist_ok=True)
            os.makedirs(os.path.join(self.root, BLOBS_DIR), exist_ok=True)
        except OSError as exc:
            raise StoreError(f"Cannot create the blob store in {self.root}: {exc}") from exc

    def join(self, key: str) -> str:
        return os.path.join(self.root, *key.split("/"))

    def display(self, path: str) -> str:
        return path

    def write_temp(self, tmp: str, src: BinaryReader, chunk: int) -> tuple[str, int]:
        try:
            with open(tmp, "xb") as f:
                result = copy_hashing(src, f, chunk)
                f.flush()
                if self.fsync:
                    os.fsync(f.fileno())
            return result
        except BaseException:
            with contextlib.suppress(OSError):
                os.remove(tmp)
            raise

    def size_of(self, path: str) -> int | None:
        try:
            return os.stat(path).st_size
        except FileNotFoundError:
            return None

    def publish(self, tmp: str, final: str) -> None:
        os.makedirs(os.path.dirname(final), exist_ok=True)
        os.replace(tmp, final)

    def touch(self, path: str) -> None:
        # A fresh mtime tells a garbage collector with a grace period "just used".
        with contextlib.suppress(OSError):
            os.utime(path)

    def remove(self, path: str) -> bool:
        try:
            os.remove(path)
        except FileNotFoundError:
            return False
        return True

    def open_read(self, path: str, chunk: int) -> IO[bytes]:
        return open(path, "rb")

    def walk_blobs(self) -> Iterator[tuple[str, int, float]]:
        for path in _scandir_files(os.path.join(self.root, BLOBS_DIR), depth=2):
            with contextlib.suppress(FileNotFoundError):  # deleted while listing
                st = os.stat(path)
                yield path, st.st_size, st.st_mtime

    def stale(self, cutoff: float) -> list[StaleUpload]:
        found = []
        for path in _scandir_files(os.path.join(self.root, TMP_DIR), depth=0):
            with contextlib.suppress(FileNotFoundError):
                if os.stat(path).st_mtime < cutoff:
                    found.append(StaleUpload(path))
        return found

    def remove_stale(self, item: StaleUpload) -> None:
        self.remove(item.path)


def _scandir_files(folder: str, depth: int) -> Iterator[str]:
    """Files ``depth`` directory levels below ``folder`` (sorted, streaming)."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except FileNotFoundError:
        return
    for entry in entries:
        if depth == 0 and entry.is_file(follow_symlinks=False):
            yield entry.path
        elif depth > 0 and entry.is_dir(follow_symlinks=False):
            yield from _scandir_files(entry.path, depth - 1)


def s3_endpoint_url() -> str | None:
    """The S3 endpoint from the environment (MinIO, moto, …), if one is set."""
    return os.environ.get(ENV_S3_ENDPOINT) or os.environ.get(ENV_AWS_ENDPOINT) or None


class S3Backend:
    """Blobs as objects under ``s3://bucket/prefix`` through ``s3fs``."""

    def __init__(self, uri: str, storage_options: dict[str, Any]) -> None:
        self.root = uri[len("s3://") :].strip("/")
        if not self.root:
            raise InvalidInputError(f"No bucket in blob store URI {uri!r}")
        self.url = f"s3://{self.root}"
        self.bucket, _, prefix = self.root.partition("/")
        self.key_prefix = f"{prefix}/" if prefix else ""
        self.fs = _s3_filesystem(storage_options)

    def join(self, key: str) -> str:
        return f"{self.root}/{key}"

    def display(self, path: str) -> str:
        return f"s3://{path}"

    def write_temp(self, tmp: str, src: BinaryReader, chunk: int) -> tuple[str, int]:
        f = self.fs.open(tmp, "wb", block_size=max(chunk, _S3_MIN_PART))
        try:
            result = copy_hashing(src, f, chunk)
            f.close()  # completes the upload: only now does the temp object exist
        except BaseException:
            # Never let close() upload what we have so far: abort the multipart upload.
            with contextlib.suppress(Exception):
                f.discard()
            f.closed = True
            raise
        return result

    def size_of(self, path: str) -> int | None:
        # One HEAD (fs.info would also LIST to look for a "directory" when it is absent).
        bucket, _, key = path.partition("/")
        try:
            out = self.fs.call_s3("head_object", Bucket=bucket, Key=key)
        except FileNotFoundError:
            return None
        return int(out["ContentLength"])

    def publish(self, tmp: str, final: str) -> None:
        try:
            self.fs.cp_file(tmp, final)
        except BaseException:
            with contextlib.suppress(Exception):
                self.remove(tmp)
            raise
        self.remove(tmp)

    def touch(self, path: str) -> None:
        """No cheap way to refresh an S3 object's time; a GC must protect uploads."""

    def remove(self, path: str) -> bool:
        try:
            self.fs.rm_file(path)
        except FileNotFoundError:
            return False
        return True

    def open_read(self, path: str, chunk: int) -> IO[bytes]:
        f: IO[bytes] = self.fs.open(path, "rb", block_size=chunk, cache_type="readahead")
        return f

    def walk_blobs(self) -> Iterator[tuple[str, int, float]]:
        found = self.fs.find(self.join(BLOBS_DIR), detail=True)
        for path in sorted(found):
            info = found[path]
            yield path, int(info["size"]), _timestamp(info.get("LastModified"))

    def stale(self, cutoff: float) -> list[StaleUpload]:
        tmp = self.join(TMP_DIR)
        found = self.fs.find(tmp, detail=True)
        items = [
            StaleUpload(path)
            for path, info in sorted(found.items())
            if _timestamp(info.get("LastModified")) < cutoff
        ]
        for upload in self._multipart_uploads(f"{self.key_prefix}{TMP_DIR}/"):
            if _timestamp(upload.get("Initiated")) < cutoff:
                items.append(StaleUpload(f"{self.bucket}/{upload['Key']}", upload["UploadId"]))
        return items

    def remove_stale(self, item: StaleUpload) -> None:
        if item.upload_id is None:
            self.remove(item.path)
            return
        key = item.path[len(self.bucket) + 1 :]
        self.fs.abort_mpu(self.bucket, key, item.upload_id)

    def _multipart_uploads(self, prefix: str) -> Iterator[dict[str, Any]]:
        markers: dict[str, str] = {}
        while True:
            page = self.fs.call_s3(
                "list_multipart_uploads", Bucket=self.bucket, Prefix=prefix, **markers
            )
            yield from page.get("Uploads", []) or []
            if not page.get("IsTruncated"):
                return
            markers = {
                "KeyMarker": page["NextKeyMarker"],
                "UploadIdMarker": page["NextUploadIdMarker"],
            }


def _s3_filesystem(storage_options: dict[str, Any]) -> Any:
    options = dict(storage_options)
    endpoint = s3_endpoint_url()
    if endpoint:
        client_kwargs = dict(options.get("client_kwargs") or {})
        client_kwargs.setdefault("endpoint_url", endpoint)
        options["client_kwargs"] = client_kwargs
    # Listing caches would hide objects other processes wrote or deleted.
    options.setdefault("use_listings_cache", False)
    try:
        return fsspec.filesystem("s3", **options)
    except ImportError as exc:
        raise StoreError(
            "s3:// blob stores need s3fs: pip install 'shipyard[s3]'", reason=str(exc)
        ) from exc


def _timestamp(value: object) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float):
        return float(value)
    return time.time()  # unknown: treat as fresh, so nothing is collected by mistake


def object_filesystem(uri: str) -> tuple[Any, str]:
    """``(fsspec filesystem, path)`` for an external ``file://``, ``s3://`` or ``gs://``
    object (artifact references), configured like the blob store (S3 endpoint env)."""
    scheme, _, rest = uri.partition("://")
    scheme = scheme.lower()
    if scheme == "file":
        return fsspec.filesystem("file"), rest
    if scheme == "s3":
        return _s3_filesystem({}), rest
    try:
        return fsspec.filesystem(scheme), rest
    except (ImportError, ValueError) as exc:
        raise StoreError(f"No filesystem for {scheme}:// references: {exc}") from exc
