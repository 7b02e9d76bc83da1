"""Garbage collection against a real local BlobStore (SQLite and PostgreSQL metadata)."""

from __future__ import annotations

import io
import os
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from shipyard.artifacts import ArtifactService, FileEntry, GcReport
from shipyard.core.errors import InvalidInputError
from shipyard.store.blobs import BlobStore
from shipyard.store.schema import blob_leases

HOUR = 3600.0


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs", fsync=False)


def put(store: BlobStore, data: bytes, *, age_s: float = 0.0) -> FileEntry:
    """Upload ``data``; with ``age_s`` pretend it was written that long ago."""
    ref = store.put_stream(io.BytesIO(data))
    if age_s:
        old = time.time() - age_s
        os.utime(store.blob_url(ref.digest), (old, old))
    return FileEntry(f"f-{ref.digest[:8]}", ref.digest, ref.size)


def stale_temp(store: BlobStore, age_s: float) -> Path:
    """An abandoned upload in the store's temp area."""
    path = Path(store.url) / "tmp" / uuid.uuid4().hex
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"partial")
    old = time.time() - age_s
    os.utime(path, (old, old))
    return path


def test_gc_keeps_referenced_and_fresh_blobs(svc: ArtifactService, store: BlobStore) -> None:
    used = put(store, b"used by v1", age_s=5 * HOUR)
    shared = put(store, b"in v1 and in deleted v2", age_s=5 * HOUR)
    only_v2 = put(store, b"only in deleted v2", age_s=5 * HOUR)
    orphan = put(store, b"never committed", age_s=5 * HOUR)
    kept_by_caller = put(store, b"a media item", age_s=5 * HOUR)
    fresh = put(store, b"uploaded just now, manifest not committed yet")
    svc.commit_version("ds", "dataset", [used, shared])
    svc.commit_version("ds", "dataset", [shared, only_v2])
    svc.delete_version("ds", 2)
    assert svc.referenced_digests() == {used.digest, shared.digest}
    old_temp, new_temp = stale_temp(store, 48 * HOUR), stale_temp(store, 60)

    preview = svc.gc(store, grace_s=HOUR, keep=[kept_by_caller.digest], dry_run=True)
    assert set(preview.deleted) == {only_v2.digest, orphan.digest}
    assert preview.dry_run and store.exists(orphan.digest) and old_temp.exists()

    report = svc.gc(store, grace_s=HOUR, keep=[kept_by_caller.digest])
    assert sorted(report.deleted) == sorted([only_v2.digest, orphan.digest])
    assert report.bytes_freed == only_v2.size + orphan.size
    assert (report.scanned, report.kept_recent, report.kept_referenced) == (6, 1, 3)
    assert report.stale_uploads == (str(old_temp),)
    assert not old_temp.exists() and new_temp.exists()
    assert report.failed == () and report.seconds >= 0
    for entry in (used, shared, fresh, kept_by_caller):
        assert store.exists(entry.digest)
    for entry in (only_v2, orphan):
        assert not store.exists(entry.digest)
    assert GcReport.from_dict(report.to_dict()) == report

    # the writer that uploaded ``fresh`` commits after GC ran: nothing is missing
    v3 = svc.commit_version("ds", "dataset", [fresh])
    assert all(store.exists(f.digest) for f in svc.files(v3.id) if f.digest)

    again = svc.gc(store, grace_s=HOUR)
    assert again.deleted == (kept_by_caller.digest,)  # nobody asked to keep it this time


def test_gc_with_zero_grace_collects_every_unreferenced_blob(
    svc: ArtifactService, store: BlobStore
) -> None:
    used = put(store, b"used")
    put(store, b"unused")
    svc.commit_version("ds", "dataset", [used])
    report = svc.gc(store, grace_s=0)
    assert len(report.deleted) == 1 and store.exists(used.digest)
    assert svc.gc(store, grace_s=0).deleted == ()


def test_references_need_no_blob(svc: ArtifactService, store: BlobStore) -> None:
    ref = FileEntry("ext.bin", None, 5, ref_uri="s3://bucket/key", ref_etag="etag")
    svc.commit_version("ext", "dataset", [ref])
    assert svc.referenced_digests() == set()
    assert svc.gc(store).scanned == 0


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), True, "1"])
def test_bad_grace_periods_are_refused(svc: ArtifactService, store: BlobStore, bad: object) -> None:
    with pytest.raises(InvalidInputError, match="grace_s"):
        svc.gc(store, grace_s=bad)  # type: ignore[arg-type]


def test_a_leased_blob_survives_gc_whatever_its_mtime(
    svc: ArtifactService, store: BlobStore, engine: Any
) -> None:
    # On S3 re-using a blob cannot refresh its mtime; the lease is what protects it.
    in_flight = put(store, b"being committed", age_s=2 * HOUR)
    orphan = put(store, b"nobody wants me", age_s=2 * HOUR)
    svc.lease_blobs([str(in_flight.digest)])
    report = svc.gc(store, HOUR)
    assert report.deleted == (orphan.digest,)
    assert store.exists(str(in_flight.digest))
    with engine.connect() as conn:  # the lease is still young: kept
        assert conn.execute(select(func.count()).select_from(blob_leases)).scalar() == 1
    # A lease older than the grace period protects nothing and is dropped.
    report = svc.gc(store, 0.0)
    assert report.deleted == (in_flight.digest,)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(blob_leases)).scalar() == 0


def test_lease_rejects_bad_digests(svc: ArtifactService) -> None:
    with pytest.raises(InvalidInputError):
        svc.lease_blobs(["../etc/passwd"])
