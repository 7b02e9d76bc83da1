"""Committing a version from blobs other processes stored (``store_files`` in each,
``commit_stored`` once), embedded and through a server, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import pickle
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

import shipyard as sy
from shipyard.artifacts import FileEntry
from shipyard.client import Client
from shipyard.client.artifact_commit import BlobWriter, commit_stored
from shipyard.client.artifacts import store_files
from shipyard.client.local import LocalBackend
from shipyard.core.errors import ArtifactNotFoundError, InvalidInputError
from shipyard.store.schema import blob_leases


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("SHIPYARD_HOME", str(home))
    for name in ("SHIPYARD_TRACKING_URI", "SHIPYARD_MODE", "SHIPYARD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return home


def _files(root: Path, contents: dict[str, bytes]) -> list[tuple[str, Path]]:
    out = []
    for rel, data in contents.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        out.append((rel, path))
    return out


def test_parts_stored_by_worker_processes_commit_as_one_version(
    tracking_uri: str, tmp_path: Path, project: str
) -> None:
    tag = uuid.uuid4().hex[:8]
    contents = {f"date=2026-11-02/part-{tag}.bin": b"first", f"b/{tag}.bin": b"second" * 100}
    files = _files(tmp_path / "parts", contents)
    client = Client(tracking_uri)
    writer = BlobWriter.for_backend(client.backend)
    with multiprocessing.get_context("spawn").Pool(2) as pool:  # each opens the backend
        stored = pool.map(writer, [[f] for f in files])
    entries = [e for part in stored for e in part]
    assert [e.digest for e in entries] == [hashlib.sha256(d).hexdigest() for d in contents.values()]
    name = f"parts-{tag}"
    with sy.start_run(project=project, tracking_uri=tracking_uri) as run:
        version = run.commit_artifact(entries, name, type="predictions", metadata={"n": 2})
    assert version.producer_run_id == run.id and version.metadata == {"n": 2}
    assert sorted(e.path for e in version.files()) == sorted(contents)
    out = version.download(tmp_path / "out")
    assert {rel: (out / rel).read_bytes() for rel in contents} == contents
    again = commit_stored(client.backend, reversed(entries), name=name, type="predictions")
    assert again.version == version.version  # identical content: the same version
    client.close()


def test_a_blob_missing_from_the_store_is_refused_and_nothing_is_committed(
    tracking_uri: str,
) -> None:
    name = f"ghost-{uuid.uuid4().hex[:8]}"
    ghost = FileEntry("date=2026-11-02/part-0.parquet", hashlib.sha256(b"never").hexdigest(), 5)
    client = Client(tracking_uri)
    with pytest.raises(InvalidInputError, match=r"part-0\.parquet.*not in the blob store"):
        commit_stored(client.backend, [ghost], name=name, type="predictions")
    with pytest.raises(InvalidInputError, match="Nothing to commit"):
        commit_stored(client.backend, [], name=name, type="predictions")
    with pytest.raises(ArtifactNotFoundError):
        client.backend.get_artifact_version(name)
    client.close()


def test_a_writer_pickles_to_the_same_target(tracking_uri: str) -> None:
    client = Client(tracking_uri)
    writer = BlobWriter.for_backend(client.backend)
    assert pickle.loads(pickle.dumps(writer)) == writer
    assert writer.kind == ("http" if tracking_uri.startswith("http") else "local")
    client.close()


def test_stored_blobs_are_leased_until_the_commit(sqlite_url: str, tmp_path: Path) -> None:
    backend = LocalBackend(sqlite_url)
    entries = store_files(backend, _files(tmp_path, {"a.bin": b"kept", "b.bin": b"collected"}))
    old = time.time() - 7200
    for entry in entries:  # both blobs look abandoned to the store...
        os.utime(backend.blobs.blob_url(str(entry.digest)), (old, old))
    with backend.artifacts.engine.begin() as conn:  # ...and b's lease has run out
        conn.execute(
            sa.update(blob_leases)
            .where(blob_leases.c.digest == entries[1].digest)
            .values(leased_at=int(old * 1000))
        )
    report = backend.collect_garbage(grace_s=3600)
    assert report.deleted == (entries[1].digest,)
    assert commit_stored(backend, entries[:1], name="kept", type="dataset").version == 1
    with pytest.raises(InvalidInputError, match=r"b\.bin"):
        commit_stored(backend, entries, name="both", type="dataset")
    backend.close()
