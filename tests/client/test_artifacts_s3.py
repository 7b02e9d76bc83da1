"""Artifacts on S3 end to end (moto's server): the embedded backend with an ``s3://``
artifacts URI and a server started with ``artifacts_uri="s3://…"``; log, re-log,
download, delete and GC, and GC safety for a blob re-used while it looked old."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import shipyard.artifacts.gc as gc_module
from s3_support import BUCKET
from shipyard.client import Client
from shipyard.client.http import HttpBackend
from shipyard.client.local import LocalBackend
from shipyard.core.errors import BlobCorruptError
from shipyard.store.blobs import BlobStore

HOUR = 3600.0


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SHIPYARD_HOME", str(tmp_path / "home"))
    for name in ("SHIPYARD_TRACKING_URI", "SHIPYARD_MODE", "SHIPYARD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "home"


@pytest.fixture
def s3_root(s3_endpoint: str) -> str:
    return f"s3://{BUCKET}/{uuid.uuid4().hex}/blobs"


@pytest.fixture(params=["local", "http"])
def client(
    request: pytest.FixtureRequest, s3_root: str, sqlite_url: str, live_server: Any
) -> Client:
    if request.param == "http":
        server = live_server(sqlite_url, artifacts_uri=s3_root)
        return Client(backend=HttpBackend(str(server.url)))
    return Client(backend=LocalBackend(sqlite_url, artifacts_uri=s3_root))


def test_log_download_gc_on_s3(client: Client, s3_root: str, tmp_path: Path) -> None:
    store = BlobStore(s3_root)
    folder = tmp_path / "data"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.bin").write_bytes(b"a" * 3000)
    (folder / "sub" / "b.txt").write_text("first")
    v1 = client.log_artifact(folder, name="s3feat")
    assert sum(1 for _ in store.iter_blobs()) == 2
    (folder / "sub" / "b.txt").write_text("second")
    v2 = client.log_artifact(folder, name="s3feat")
    assert v2.version == 2 and sum(1 for _ in store.iter_blobs()) == 3
    out = v2.download(tmp_path / "out")
    assert (out / "sub" / "b.txt").read_text() == "second"
    assert (out / "a.bin").read_bytes() == b"a" * 3000

    client.delete_artifact_version(v1.ref)
    report = client.collect_garbage(0.0)
    assert len(report.deleted) == 1 and sum(1 for _ in store.iter_blobs()) == 2
    assert v2.download(tmp_path / "again").joinpath("a.bin").read_bytes() == b"a" * 3000
    client.close()


def test_gc_keeps_an_old_s3_blob_a_writer_just_reused(
    client: Client, s3_root: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # S3 cannot refresh an object's mtime, so a blob uploaded long ago looks collectable
    # even while a new upload relies on it. The lease taken by missing_blobs protects it.
    store = BlobStore(s3_root)
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "shared.bin").write_bytes(b"s" * 100)
    orphan = store.put_bytes(b"nobody references this")
    v1 = client.log_artifact(folder, name="reuse")
    digest = str(v1.files()[0].digest)
    client.delete_artifact_version(v1.ref)  # now shared.bin is unreferenced too

    later = time.time() + 2 * HOUR  # two hours on: both blobs are past the grace period

    clock = SimpleNamespace(time=lambda: later, monotonic=time.monotonic)
    monkeypatch.setattr(gc_module, "time", clock)
    monkeypatch.setattr(gc_module, "now_ms", lambda: int(later * 1000))
    assert client.backend.missing_blobs([digest]) == []  # a writer finds it stored ...
    report = client.collect_garbage(HOUR)  # ... GC runs before that writer commits ...
    assert report.deleted == (orphan.digest,)
    v2 = client.log_artifact(folder, name="reuse")  # ... and the commit still succeeds
    assert v2.download(tmp_path / "out").joinpath("shared.bin").read_bytes() == b"s" * 100
    client.close()


def test_s3_reference_is_recorded_with_etag_and_checked(
    client: Client, s3_root: str, tmp_path: Path
) -> None:
    fs = BlobStore(s3_root).fs
    key = f"{s3_root[len('s3://') :]}-lake/raw.csv"
    fs.pipe(key, b"id,v\n1,2\n")
    version = client.log_artifact(None, name="lake", references={"raw.csv": f"s3://{key}"})
    entry = version.files()[0]
    assert entry.is_reference and entry.size == 9 and entry.ref_etag and entry.digest is None
    out = version.download(tmp_path / "out")
    assert (out / "raw.csv").read_bytes() == b"id,v\n1,2\n"
    fs.pipe(key, b"id,v\n1,3\n")  # same size, new content: a new ETag
    with pytest.raises(BlobCorruptError, match=r"raw\.csv"):
        version.download(tmp_path / "out2")
    client.close()
