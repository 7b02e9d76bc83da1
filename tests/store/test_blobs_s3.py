"""The blob store against S3: moto's server mode in a subprocess on a loopback port.

Each test gets its own ``s3://shipyard-test/<uuid>`` prefix in one shared bucket."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from s3_support import BUCKET
from shipyard.core.errors import (
    BlobCorruptError,
    BlobNotFoundError,
    InvalidInputError,
    StoreError,
)
from shipyard.store.blobs import BlobRef, BlobStore, LocalCache
from tests_support import free_port

MIB = 1024 * 1024

CRASH_SCRIPT = """
import os, sys
from shipyard.store.blobs import BlobStore

root, where, chunk = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = BlobStore(root, chunk_size=chunk)

class Dying:
    reads = 0
    def read(self, size=-1):
        self.reads += 1
        if self.reads <= 2:
            return b"x" * chunk
        if where == "mid-stream":
            os._exit(3)
        return b""

if where == "before-publish":
    store._publish = lambda *args: os._exit(3)
store.put_stream(Dying())
"""


@pytest.fixture
def store(s3_endpoint: str) -> BlobStore:
    return BlobStore(f"s3://{BUCKET}/{uuid.uuid4().hex}/blobs", chunk_size=5 * MIB)


def keys(store: BlobStore, folder: str) -> list[str]:
    found: dict[str, Any] = store.fs.find(f"{store.url[len('s3://') :]}/{folder}")
    return sorted(found)


def multipart_uploads(store: BlobStore) -> list[dict[str, Any]]:
    prefix = store.url[len(f"s3://{BUCKET}/") :]
    page = store.fs.call_s3("list_multipart_uploads", Bucket=BUCKET, Prefix=prefix)
    return list(page.get("Uploads", []) or [])


def crash_upload(store: BlobStore, where: str, chunk: int) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", CRASH_SCRIPT, store.url, where, str(chunk)],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 3, proc.stderr.decode()
    return hashlib.sha256(b"x" * chunk * 2).hexdigest()


def test_endpoint_comes_from_the_environment(store: BlobStore, s3_endpoint: str) -> None:
    assert store.fs.client_kwargs["endpoint_url"] == s3_endpoint
    assert not store.is_local and store.url.startswith(f"s3://{BUCKET}/")


def test_round_trip(store: BlobStore, tmp_path: Path) -> None:
    src = tmp_path / "model.bin"
    data = os.urandom(12 * MIB + 123)  # > 2 parts: exercises the multipart upload
    src.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()

    ref = store.put_file(src)

    assert ref == BlobRef(digest, len(data))
    assert store.exists(digest) and store.size(digest) == len(data)
    assert store.blob_url(digest) == f"{store.url}/sha256/{digest[:2]}/{digest[2:4]}/{digest}"
    dest = store.get_file(digest, tmp_path / "out" / "model.bin")
    assert dest.read_bytes() == data
    with store.open(digest) as f:
        assert f.read(1000) == data[:1000]
    [(listed, size, mtime)] = list(store.iter_blobs())
    assert (listed, size) == (digest, len(data)) and mtime > 0
    assert keys(store, "tmp") == [] and multipart_uploads(store) == []
    assert store.delete(digest) is True and store.delete(digest) is False
    assert not store.exists(digest)


def test_small_streams_and_empty_blobs(store: BlobStore) -> None:
    data = b"tiny"
    assert store.put_stream(io.BytesIO(data)) == BlobRef(hashlib.sha256(data).hexdigest(), 4)
    empty = store.put_bytes(b"")
    assert empty.size == 0 and store.size(empty.digest) == 0
    with store.open(empty.digest) as f:
        assert f.read() == b""


def test_identical_content_is_stored_once(store: BlobStore, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"same" * 10_000)
    b.write_bytes(b"same" * 10_000)

    assert store.put_file(a) == store.put_file(b) == store.put_bytes(b"same" * 10_000)

    assert len(keys(store, "sha256")) == 1 and keys(store, "tmp") == []


def test_expected_digest_skips_the_upload(
    store: BlobStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "f"
    src.write_bytes(b"unchanged file")
    ref = store.put_file(src)

    def no_writes(*args: object) -> None:
        raise AssertionError("nothing should be uploaded")

    monkeypatch.setattr(store._backend, "write_temp", no_writes)
    assert store.put_file(src, expected_digest=ref.digest) == ref


def test_expected_digest_mismatch_stores_nothing(store: BlobStore, tmp_path: Path) -> None:
    src = tmp_path / "f"
    src.write_bytes(b"new content")
    with pytest.raises(BlobCorruptError):
        store.put_file(src, expected_digest=hashlib.sha256(b"old").hexdigest())
    assert keys(store, "sha256") == [] and keys(store, "tmp") == []


def test_a_crash_mid_stream_leaves_only_an_unfinished_multipart_upload(
    store: BlobStore,
) -> None:
    # two 5 MiB chunks: the first part is uploaded before the process dies
    digest = crash_upload(store, "mid-stream", chunk=5 * MIB)

    assert not store.exists(digest) and keys(store, "sha256") == []
    assert keys(store, "tmp") == []  # nothing visible: the upload never completed
    [upload] = multipart_uploads(store)
    stale = store.stale_uploads(0)
    assert stale == [f"s3://{BUCKET}/{upload['Key']} (multipart upload)"]
    # (no "too recent" check here: moto reports every upload as initiated in 2010)
    assert store.remove_stale_uploads(0) == stale
    assert multipart_uploads(store) == [] and store.stale_uploads(0) == []


def test_recent_multipart_uploads_are_not_stale(
    store: BlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = store.url[len(f"s3://{BUCKET}/") :] + "/tmp/abc"
    recent = {"Key": key, "UploadId": "u1", "Initiated": datetime.now(UTC)}
    monkeypatch.setattr(store._backend, "_multipart_uploads", lambda prefix: iter([recent]))
    assert store.stale_uploads(3600) == []
    assert store.stale_uploads(0) == [f"s3://{BUCKET}/{key} (multipart upload)"]


def test_a_crash_before_publishing_leaves_a_cleanable_temp(store: BlobStore) -> None:
    digest = crash_upload(store, "before-publish", chunk=64 * 1024)

    assert not store.exists(digest) and keys(store, "sha256") == []
    [temp] = keys(store, "tmp")
    stale = store.stale_uploads(0)
    assert stale == [f"s3://{temp}"]
    assert store.remove_stale_uploads(0) == stale
    assert keys(store, "tmp") == []


def test_a_failing_stream_uploads_nothing(store: BlobStore) -> None:
    class Broken:
        reads = 0

        def read(self, size: int = -1) -> bytes:
            self.reads += 1
            if self.reads > 2:
                raise ConnectionResetError("client went away")
            return b"y" * size

    with pytest.raises(ConnectionResetError):
        store.put_stream(Broken())  # one 5 MiB part was sent: the upload is aborted
    assert keys(store, "tmp") == [] and keys(store, "sha256") == []
    assert multipart_uploads(store) == []


def test_a_corrupt_blob_is_refused_on_download(store: BlobStore, tmp_path: Path) -> None:
    data = os.urandom(200_000)
    ref = store.put_bytes(data)
    final = store.blob_url(ref.digest)
    tampered = bytearray(data)
    tampered[100] ^= 0xFF
    store.fs.pipe_file(final[len("s3://") :], bytes(tampered))
    dest = tmp_path / "dest.bin"

    with pytest.raises(BlobCorruptError) as info:
        store.get_file(ref.digest, dest)

    assert ref.digest in info.value.message and final in info.value.message
    assert not dest.exists() and list(tmp_path.iterdir()) == []


def test_missing_and_bad_digests(store: BlobStore, tmp_path: Path) -> None:
    digest = hashlib.sha256(b"absent").hexdigest()
    assert not store.exists(digest)
    with pytest.raises(BlobNotFoundError):
        store.get_file(digest, tmp_path / "x")
    with pytest.raises(BlobNotFoundError):
        store.size(digest)
    for bad in ("../x", digest.upper(), digest[:10], f"../../{digest}"):
        with pytest.raises(InvalidInputError):
            store.exists(bad)
        with pytest.raises(InvalidInputError):
            store.open(bad)


def test_local_cache_over_s3(store: BlobStore, tmp_path: Path) -> None:
    cache = LocalCache(tmp_path / "cache")
    ref = store.put_bytes(b"remote bytes")
    first = cache.fetch(store, ref.digest)
    store.delete(ref.digest)
    assert cache.fetch(store, ref.digest) == first
    assert first.read_bytes() == b"remote bytes"


def test_explicit_storage_options_and_bucket_only_root(s3_endpoint: str) -> None:
    store = BlobStore(
        f"s3://{BUCKET}", storage_options={"client_kwargs": {"endpoint_url": s3_endpoint}}
    )
    assert store.url == f"s3://{BUCKET}"
    ref = store.put_bytes(b"at the bucket root")
    assert store.blob_url(ref.digest).startswith(f"s3://{BUCKET}/sha256/")
    assert store.delete(ref.digest)
    with pytest.raises(InvalidInputError):
        BlobStore("s3://")


def test_concurrent_puts_and_gets_from_threads(store: BlobStore, tmp_path: Path) -> None:
    payloads = [os.urandom(20_000 + i) for i in range(12)] * 2  # each stored twice at once
    with ThreadPoolExecutor(max_workers=8) as pool:
        refs = list(pool.map(store.put_bytes, payloads))
        outs = list(
            pool.map(lambda i: store.get_file(refs[i].digest, tmp_path / f"o{i}"), range(24))
        )
    assert [o.read_bytes() for o in outs] == payloads
    assert len(keys(store, "sha256")) == 12 and keys(store, "tmp") == []


def test_an_unreachable_endpoint_is_a_store_error(s3_endpoint: str) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    store = BlobStore(
        f"s3://{BUCKET}/x",
        storage_options={
            "client_kwargs": {"endpoint_url": dead},
            "config_kwargs": {"retries": {"max_attempts": 1}, "connect_timeout": 1},
        },
    )
    with pytest.raises(StoreError) as info:
        store.exists(hashlib.sha256(b"x").hexdigest())
    assert f"s3://{BUCKET}/x/sha256/" in info.value.message


def test_missing_credentials_are_a_store_error(
    s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key)
    store = BlobStore(
        f"s3://{BUCKET}/{uuid.uuid4().hex}", storage_options={"skip_instance_cache": True}
    )
    with pytest.raises(StoreError) as info:
        store.put_bytes(b"x")
    assert "credentials" in info.value.message.lower()
