"""The content-addressed blob store on a local folder (S3: test_blobs_s3.py)."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest

from shipyard.core.errors import (
    BlobCorruptError,
    BlobNotFoundError,
    InvalidInputError,
    NotFoundError,
    StoreError,
)
from shipyard.store.blobs import BlobRef, BlobStore, LocalCache, sha256_file, validate_digest

# Run in a child process: upload a stream of two chunks of b"x" and die (os._exit, no
# cleanup at all) either while reading the stream or just before publishing.
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


def crash_upload(root: str, where: str, chunk: int) -> str:
    """Run CRASH_SCRIPT; return the digest the upload would have had."""
    proc = subprocess.run(
        [sys.executable, "-c", CRASH_SCRIPT, root, where, str(chunk)],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 3, proc.stderr.decode()
    return hashlib.sha256(b"x" * chunk * 2).hexdigest()


def write_random(path: Path, size: int, block: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        left = size
        while left:
            data = os.urandom(min(block, left))
            digest.update(data)
            f.write(data)
            left -= len(data)
    return digest.hexdigest()


def tmp_entries(store: BlobStore) -> list[str]:
    return sorted(os.listdir(os.path.join(store.url, "tmp")))


def blob_files(store: BlobStore) -> list[Path]:
    return sorted(p for p in Path(store.url, "sha256").rglob("*") if p.is_file())


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(str(tmp_path / "blobs"))


def test_round_trip(store: BlobStore, tmp_path: Path) -> None:
    src = tmp_path / "model.bin"
    digest = write_random(src, 3 * 1024 * 1024 + 17)

    ref = store.put_file(src)

    assert ref == BlobRef(digest, src.stat().st_size)
    assert store.exists(digest) and store.size(digest) == ref.size
    final = Path(store.url, "sha256", digest[:2], digest[2:4], digest)
    assert final.is_file() and store.blob_url(digest) == str(final)
    dest = store.get_file(digest, tmp_path / "out" / "deep" / "model.bin")
    assert dest.read_bytes() == src.read_bytes()
    with store.open(digest) as f:
        assert f.read() == src.read_bytes()
    [(listed, size, mtime)] = list(store.iter_blobs())
    assert (listed, size) == (digest, ref.size) and abs(mtime - time.time()) < 60
    assert tmp_entries(store) == []
    assert store.delete(digest) is True and store.delete(digest) is False
    assert not store.exists(digest) and list(store.iter_blobs()) == []


def test_streams_bytes_and_empty_blob(store: BlobStore) -> None:
    class ReadOnly:  # no readinto: the plain read() path
        def __init__(self, data: bytes) -> None:
            self.buf = io.BytesIO(data)

        def read(self, size: int = -1) -> bytes:
            return self.buf.read(min(size, 1000))

    data = os.urandom(10_000)
    ref = store.put_stream(ReadOnly(data))
    assert ref == BlobRef(hashlib.sha256(data).hexdigest(), 10_000)
    assert store.put_stream(io.BytesIO(data)) == ref
    assert store.put_bytes(data) == ref
    empty = store.put_bytes(b"")
    assert empty == BlobRef(hashlib.sha256(b"").hexdigest(), 0)
    with store.open(empty.digest) as f:
        assert f.read() == b""


def test_identical_content_is_stored_once(store: BlobStore, tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(b"same bytes\n" * 1000)
    b.write_bytes(b"same bytes\n" * 1000)

    refs = {store.put_file(a), store.put_file(b), store.put_bytes(b"same bytes\n" * 1000)}

    assert len(refs) == 1
    assert len(blob_files(store)) == 1
    assert tmp_entries(store) == []


def test_expected_digest_skips_the_upload(
    store: BlobStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "big.bin"
    digest = write_random(src, 1024 * 1024)
    ref = store.put_file(src)
    blob = blob_files(store)[0]
    before = blob.stat().st_mtime_ns

    def no_writes(*args: object) -> None:
        raise AssertionError("nothing should be written")

    monkeypatch.setattr(store._backend, "write_temp", no_writes)
    monkeypatch.setattr("builtins.open", no_writes)  # the source is not even read
    time.sleep(0.01)
    assert store.put_file(src, expected_digest=digest) == ref
    monkeypatch.undo()
    # the blob's mtime is refreshed, so a GC with a grace period will not take it now
    assert blob.stat().st_mtime_ns > before
    assert tmp_entries(store) == []


def test_expected_digest_of_a_missing_blob_uploads(store: BlobStore, tmp_path: Path) -> None:
    src = tmp_path / "f.txt"
    src.write_bytes(b"payload")
    digest = hashlib.sha256(b"payload").hexdigest()
    assert store.put_file(src, expected_digest=digest) == BlobRef(digest, 7)
    assert store.exists(digest)


def test_expected_digest_mismatch_stores_nothing(store: BlobStore, tmp_path: Path) -> None:
    src = tmp_path / "f.txt"
    src.write_bytes(b"changed since it was hashed")
    wrong = hashlib.sha256(b"what it was").hexdigest()

    with pytest.raises(BlobCorruptError) as info:
        store.put_file(src, expected_digest=wrong)

    assert wrong in str(info.value) and str(src) in str(info.value)
    assert blob_files(store) == [] and tmp_entries(store) == []


def test_an_existing_blob_of_the_wrong_size_is_replaced(store: BlobStore, tmp_path: Path) -> None:
    ref = store.put_bytes(b"0123456789")
    final = Path(store.blob_url(ref.digest))
    final.write_bytes(b"01234")  # truncated on disk

    assert store.put_bytes(b"0123456789") == ref
    assert final.read_bytes() == b"0123456789"


@pytest.mark.parametrize("where", ["mid-stream", "before-publish"])
def test_a_crash_leaves_no_blob_and_a_cleanable_temp(store: BlobStore, where: str) -> None:
    digest = crash_upload(store.url, where, chunk=64 * 1024)

    assert not store.exists(digest) and blob_files(store) == []
    [temp] = tmp_entries(store)
    stale = store.stale_uploads(0)
    assert stale == [os.path.join(store.url, "tmp", temp)]
    assert store.stale_uploads(older_than_s=3600) == []  # too recent to call stale
    assert store.remove_stale_uploads(3600) == []
    assert store.remove_stale_uploads(0) == stale
    assert tmp_entries(store) == [] and store.stale_uploads(0) == []


def test_a_failing_stream_cleans_up_after_itself(store: BlobStore) -> None:
    class Broken:
        reads = 0

        def read(self, size: int = -1) -> bytes:
            self.reads += 1
            if self.reads > 3:
                raise ConnectionResetError("client went away")
            return b"y" * 1000

    with pytest.raises(ConnectionResetError):
        store.put_stream(Broken())
    assert blob_files(store) == [] and tmp_entries(store) == []


def test_a_corrupt_blob_is_refused_on_download(store: BlobStore, tmp_path: Path) -> None:
    ref = store.put_bytes(os.urandom(100_000))
    final = Path(store.blob_url(ref.digest))
    data = bytearray(final.read_bytes())
    data[5000] ^= 0x01
    final.write_bytes(bytes(data))
    dest = tmp_path / "out" / "weights.bin"

    with pytest.raises(BlobCorruptError) as info:
        store.get_file(ref.digest, dest)

    err = info.value
    assert isinstance(err, StoreError) and err.error_code == "BLOB_CORRUPT"
    assert ref.digest in err.message and str(final) in err.message
    assert err.details["digest"] == ref.digest and err.details["dest"] == str(dest)
    assert not dest.exists() and list(dest.parent.iterdir()) == []


def test_missing_blobs(store: BlobStore, tmp_path: Path) -> None:
    digest = hashlib.sha256(b"never stored").hexdigest()
    assert not store.exists(digest)
    assert store.delete(digest) is False
    for call in (
        lambda: store.size(digest),
        lambda: store.open(digest),
        lambda: store.get_file(digest, tmp_path / "out" / "x"),
    ):
        with pytest.raises(BlobNotFoundError) as info:
            call()
        assert isinstance(info.value, NotFoundError) and info.value.http_status == 404
        assert digest in info.value.message
    assert list((tmp_path / "out").iterdir()) == []


BAD_DIGESTS = [
    "../x",
    "../" * 20 + "etc/passwd",
    "A" * 64,
    hashlib.sha256(b"x").hexdigest().upper(),
    "ab" * 31,
    "ab" * 33,
    hashlib.sha256(b"x").hexdigest() + "\n",
    "/" + hashlib.sha256(b"x").hexdigest()[1:],
    "g" * 64,
    "",
    "..%2F" * 13,
    hashlib.sha256(b"x").hexdigest()[:63] + "\x00",
]


@pytest.mark.parametrize("bad", BAD_DIGESTS)
def test_bad_digests_are_rejected(store: BlobStore, tmp_path: Path, bad: str) -> None:
    src = tmp_path / "f"
    src.write_bytes(b"f")
    cache = LocalCache(tmp_path / "cache")
    calls = [
        lambda: validate_digest(bad),
        lambda: store.exists(bad),
        lambda: store.size(bad),
        lambda: store.open(bad),
        lambda: store.get_file(bad, tmp_path / "dest"),
        lambda: store.delete(bad),
        lambda: store.blob_url(bad),
        lambda: store.put_file(src, expected_digest=bad),
        lambda: cache.fetch(store, bad),
    ]
    for call in calls:
        with pytest.raises(InvalidInputError):
            call()
    assert not (tmp_path / "dest").exists()


def test_validate_digest_rejects_non_strings() -> None:
    for bad in (None, 123, b"ab" * 32):
        with pytest.raises(InvalidInputError):
            validate_digest(bad)
    good = hashlib.sha256(b"ok").hexdigest()
    assert validate_digest(good) == good


def test_memory_stays_bounded_for_a_200_mb_file(tmp_path: Path) -> None:
    store = BlobStore(str(tmp_path / "blobs"), fsync=False)
    src = tmp_path / "big.bin"
    digest = write_random(src, 200 * 1024 * 1024, block=4 * 1024 * 1024)

    tracemalloc.start()
    try:
        ref = store.put_file(src)
        _, put_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        store.get_file(digest, tmp_path / "copy.bin")
        _, get_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        assert sha256_file(src) == (digest, ref.size)
        _, hash_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert ref.digest == digest and ref.size == 200 * 1024 * 1024
    limit = 64 * 1024 * 1024
    assert put_peak < limit and get_peak < limit and hash_peak < limit, (
        put_peak,
        get_peak,
        hash_peak,
    )


def test_local_cache_second_fetch_does_not_touch_the_store(
    store: BlobStore, tmp_path: Path
) -> None:
    cache = LocalCache(tmp_path / "cache")
    ref = store.put_bytes(b"cached bytes")
    assert ref.digest not in cache

    first = cache.fetch(store, ref.digest)
    assert first.read_bytes() == b"cached bytes" and ref.digest in cache
    assert first == cache.path_for(ref.digest)
    store.delete(ref.digest)  # from now on the store cannot serve it
    second = cache.fetch(store, ref.digest)

    assert second == first and second.read_bytes() == b"cached bytes"
    assert [p.name for p in first.parent.iterdir()] == [ref.digest]  # no temp left


def test_local_cache_verifies_what_it_stores(store: BlobStore, tmp_path: Path) -> None:
    cache = LocalCache(tmp_path / "cache")
    ref = store.put_bytes(b"good bytes")
    Path(store.blob_url(ref.digest)).write_bytes(b"evil bytes")

    with pytest.raises(BlobCorruptError):
        cache.fetch(store, ref.digest)
    assert ref.digest not in cache
    assert list(cache.path_for(ref.digest).parent.iterdir()) == []


def test_local_cache_default_folder_and_stale_downloads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHIPYARD_HOME", str(tmp_path / "home"))
    cache = LocalCache()
    assert cache.folder == tmp_path / "home" / "cache" / "blobs"
    digest = hashlib.sha256(b"z").hexdigest()
    leftover = cache.path_for(digest).with_name(f"{digest}.tmp-deadbeef")
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"half")
    assert cache.remove_stale(3600) == []
    assert cache.remove_stale(0) == [leftover] and not leftover.exists()


def test_concurrent_puts_and_gets_from_threads(store: BlobStore, tmp_path: Path) -> None:
    payloads = [os.urandom(50_000 + i) for i in range(24)]
    payloads += payloads[:8]  # some threads store the same content at the same time
    errors: list[BaseException] = []
    refs: dict[int, BlobRef] = {}

    def work(i: int) -> None:
        try:
            src = tmp_path / f"in-{i}"
            src.write_bytes(payloads[i])
            refs[i] = store.put_file(src)
            out = store.get_file(refs[i].digest, tmp_path / f"out-{i}")
            assert out.read_bytes() == payloads[i]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(payloads))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert len(blob_files(store)) == 24 and tmp_entries(store) == []
    assert {d for d, _, _ in store.iter_blobs()} == {r.digest for r in refs.values()}


def test_root_uris(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a = BlobStore(f"file://{tmp_path}/viaurl")
    assert a.url == str(tmp_path / "viaurl") and a.is_local
    assert (tmp_path / "viaurl" / "tmp").is_dir() and (tmp_path / "viaurl" / "sha256").is_dir()
    monkeypatch.chdir(tmp_path)
    assert BlobStore("relative").url == str(tmp_path / "relative")
    for bad in ("", "ftp://host/x", "gs://bucket/x"):
        with pytest.raises(InvalidInputError):
            BlobStore(bad)


def test_iter_blobs_ignores_foreign_files(store: BlobStore) -> None:
    ref = store.put_bytes(b"real")
    Path(store.url, "sha256", "zz").mkdir()
    Path(store.url, "sha256", "zz", "notes.txt").write_text("hi")
    Path(store.url, "sha256", "README").write_text("hi")
    misplaced = Path(store.url, "sha256", "00", "00")
    misplaced.mkdir(parents=True)
    (misplaced / ref.digest).write_bytes(b"real")
    assert [d for d, _, _ in store.iter_blobs()] == [ref.digest]


def test_sha256_file(tmp_path: Path) -> None:
    src = tmp_path / "f"
    digest = write_random(src, 300_001)
    assert sha256_file(src, chunk=4096) == (digest, 300_001)
    assert sha256_file(str(src)) == (digest, 300_001)


def test_storage_failures_are_store_errors(store: BlobStore, tmp_path: Path) -> None:
    src = tmp_path / "f"
    src.write_bytes(b"data")
    tmp_dir = Path(store.url, "tmp")
    tmp_dir.rmdir()
    tmp_dir.write_text("not a folder")  # every temp write now fails with an OSError

    with pytest.raises(StoreError) as info:
        store.put_file(src)

    assert str(tmp_dir) in info.value.message and blob_files(store) == []
