"""Artifacts and blobs through a real server: proxy-mode bytes, versions, traversal."""

from __future__ import annotations

import hashlib
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest

from shipyard.artifacts import TRAVERSAL_CORPUS, FileEntry
from shipyard.auth import Role
from shipyard.client.http import HttpBackend
from shipyard.core.errors import (
    ArtifactInUseError,
    ArtifactNotFoundError,
    BlobCorruptError,
    BlobNotFoundError,
    InvalidInputError,
    PermissionDeniedError,
)
from shipyard.store.blobs import BlobStore

ALT = "f" * 64  # a well-formed digest no test stores


@dataclass
class Setup:
    url: str
    api: httpx.Client
    backend: HttpBackend
    store: BlobStore
    root: Path


@pytest.fixture
def setup(live_server: Callable[..., Any], sqlite_url: str, tmp_path: Path) -> Any:
    root = tmp_path / "blobs"
    live = live_server(sqlite_url, artifacts_uri=str(root))
    with (
        httpx.Client(base_url=live.url + "/api/v1", timeout=30) as api,
        HttpBackend(live.url) as backend,
    ):
        yield Setup(live.url, api, backend, BlobStore(root), root)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def error_of(response: httpx.Response, code: str | None = None) -> dict[str, Any]:
    assert 400 <= response.status_code < 500, (response.request.url, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["message"] and body["error_code"]
    if code is not None:
        assert body["error_code"] == code, body
    return dict(body)


def put_file(s: Setup, tmp_path: Path, name: str, data: bytes) -> FileEntry:
    path = tmp_path / name
    path.write_bytes(data)
    s.backend.upload_blob(path, sha(data))
    return FileEntry(name, sha(data), len(data))


def temp_uploads(root: Path) -> list[Path]:
    return [p for p in (root / "tmp").glob("*")] if (root / "tmp").exists() else []


# -- blobs ---------------------------------------------------------------------------
def test_blob_round_trip(setup: Setup, tmp_path: Path) -> None:
    data = b"hello blob " * 100_000
    digest = sha(data)
    assert setup.backend.missing_blobs([digest, digest, ALT]) == [digest, ALT]
    response = setup.api.put(f"/blobs/{digest}", content=data)
    assert response.status_code == 201 and response.json() == {"digest": digest, "size": len(data)}
    assert setup.backend.missing_blobs([digest, ALT]) == [ALT]
    got = setup.api.get(f"/blobs/{digest}")
    assert got.status_code == 200 and got.content == data
    assert got.headers["content-length"] == str(len(data))
    dest = setup.backend.download_blob(digest, tmp_path / "out" / "file.bin")
    assert dest.read_bytes() == data and list(dest.parent.iterdir()) == [dest]
    error_of(setup.api.get(f"/blobs/{ALT}"), "BLOB_NOT_FOUND")
    with pytest.raises(BlobNotFoundError, match=ALT):
        setup.backend.download_blob(ALT, tmp_path / "out" / "missing.bin")
    assert not (tmp_path / "out" / "missing.bin").exists()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["file.bin"]


def test_download_verifies_the_digest(setup: Setup, tmp_path: Path) -> None:
    entry = put_file(setup, tmp_path, "c.bin", b"clean bytes")
    digest = entry.digest or ""
    stored = setup.root / "sha256" / digest[:2] / digest[2:4] / digest
    stored.write_bytes(b"dirty bytes")  # same size, different content
    dest = tmp_path / "dl" / "c.bin"
    with pytest.raises(BlobCorruptError, match=digest):
        setup.backend.download_blob(digest, dest)
    assert list(dest.parent.iterdir()) == []


def test_upload_blob_streams_a_file(setup: Setup, tmp_path: Path) -> None:
    entry = put_file(setup, tmp_path, "big.bin", bytes(range(256)) * 40_000)
    assert entry.digest is not None and setup.store.exists(entry.digest)
    assert setup.store.size(entry.digest) == entry.size


def test_digest_mismatch_is_rejected_and_nothing_stored(setup: Setup, tmp_path: Path) -> None:
    data, claimed = b"actual bytes", sha(b"other bytes")
    body = error_of(setup.api.put(f"/blobs/{claimed}", content=data), "INVALID_INPUT")
    assert claimed in body["message"] and sha(data) in body["message"]
    assert not setup.store.exists(claimed) and not setup.store.exists(sha(data))
    assert temp_uploads(setup.root) == []
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    with pytest.raises(InvalidInputError, match=claimed):
        setup.backend.upload_blob(path, claimed)
    assert list(setup.store.iter_blobs()) == []


@pytest.mark.parametrize(
    "bad", ["../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "..", "ABC", "0" * 63, "g" * 64]
)
def test_malicious_digest_in_blob_url(setup: Setup, bad: str) -> None:
    segment = quote(bad, safe="")
    error_of(setup.api.put(f"/blobs/{segment}", content=b"x"))
    error_of(setup.api.get(f"/blobs/{segment}"))
    assert list(setup.store.iter_blobs()) == []
    assert not (setup.root.parent / "etc").exists()


def test_missing_rejects_bad_digests(setup: Setup) -> None:
    for bad in (*TRAVERSAL_CORPUS[:20], "ABC"):
        error_of(setup.api.post("/blobs/missing", json={"digests": [bad]}), "INVALID_INPUT")


def test_interrupted_upload_leaves_no_blob_and_no_version(setup: Setup) -> None:
    data = b"z" * 4_000_000
    digest = sha(data)
    host = urlsplit(setup.url)
    with socket.create_connection((host.hostname, host.port)) as sock:
        head = (
            f"PUT /api/v1/blobs/{digest} HTTP/1.1\r\nHost: x\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {len(data)}\r\n\r\n"
        )
        sock.sendall(head.encode() + data[: len(data) // 2])
        time.sleep(0.2)
    deadline = time.monotonic() + 5
    while temp_uploads(setup.root) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert temp_uploads(setup.root) == []
    assert not setup.store.exists(digest)
    assert setup.backend.missing_blobs([digest]) == [digest]
    entry = FileEntry("a.bin", digest, len(data))
    with pytest.raises(InvalidInputError, match=digest):
        setup.backend.commit_artifact("half", "dataset", [entry])
    assert setup.backend.list_artifacts() == []


def test_blob_upload_is_exempt_from_the_json_limit(
    live_server: Callable[..., Any], sqlite_url: str, tmp_path: Path
) -> None:
    live = live_server(sqlite_url, artifacts_uri=str(tmp_path / "b"), max_request_bytes=1024)
    data = b"q" * 100_000
    with httpx.Client(base_url=live.url + "/api/v1") as api:
        assert api.put(f"/blobs/{sha(data)}", content=data).status_code == 201
        big = {"digests": [ALT] * 100}
        assert api.post("/blobs/missing", json=big).status_code == 413
    small = live_server(sqlite_url, artifacts_uri=str(tmp_path / "c"), max_blob_bytes=1000)
    with httpx.Client(base_url=small.url + "/api/v1") as api:
        error_of(api.put(f"/blobs/{sha(data)}", content=data), "REQUEST_TOO_LARGE")
    assert not BlobStore(tmp_path / "c").exists(sha(data))


# -- versions ------------------------------------------------------------------------
def test_commit_resolve_alias_lineage_diff_delete(setup: Setup, tmp_path: Path) -> None:
    b = setup.backend
    a1, a2 = put_file(setup, tmp_path, "a.txt", b"one"), put_file(setup, tmp_path, "b.txt", b"2")
    run = b.create_run("p")
    v1 = b.commit_artifact("feat", "dataset", [a1, a2], metadata={"rows": 3}, run_id=run.id)
    assert (v1.ref, v1.file_count, v1.total_bytes, v1.metadata) == ("feat:v1", 2, 4, {"rows": 3})
    assert v1.created_by == "" and v1.producer_run_id == run.id
    same = b.commit_artifact("feat", "dataset", [a2, a1], metadata={"rows": 3})
    assert same.id == v1.id
    a3 = put_file(setup, tmp_path, "a.txt", b"changed")
    v2 = b.commit_artifact("feat", "dataset", [a3, a2], aliases=["candidate"], description="d")
    assert v2.ref == "feat:v2" and set(v2.aliases) == {"candidate", "latest"}
    assert b.get_artifact_version("feat").id == v2.id
    assert b.get_artifact_version("artifacts:/feat:v1").id == v1.id
    assert [f.path for f in b.artifact_files("feat:v1")] == ["a.txt", "b.txt"]
    assert [a.name for a in b.list_artifacts("dataset")] == ["feat"]
    assert b.list_artifacts("model") == []
    assert [v.version for v in b.list_artifact_versions("feat")] == [2, 1]
    moved = b.set_artifact_alias("feat", "candidate", "v1")
    assert moved.id == v1.id and "candidate" in moved.aliases
    events = [(e.alias, e.from_version, e.to_version) for e in b.artifact_alias_history("feat")]
    assert ("candidate", 2, 1) in events
    consumer = b.create_run("p")
    assert b.use_artifact(consumer.id, "feat:candidate").id == v1.id
    graph = b.artifact_lineage("feat:v1", "both", 2)
    assert graph.root == "feat:v1" and {run.id, consumer.id} <= {n.id for n in graph.runs}
    edges = {(e.source, e.target, e.kind) for e in graph.edges}
    assert {(run.id, "feat:v1", "output"), ("feat:v1", consumer.id, "input")} <= edges
    assert [n.id for n in b.artifact_lineage("feat:v1", "upstream", 1).runs] == [run.id]
    change = b.diff_artifacts("feat:v1", "feat:v2")
    assert [c.path for c in change.changed] == ["a.txt"] and change.unchanged_count == 1
    with pytest.raises(ArtifactInUseError, match=consumer.id):
        b.delete_artifact_version("feat:v1")
    deleted = b.delete_artifact_version("feat:v1", force=True)
    assert deleted.state.value == "DELETED"
    with pytest.raises(ArtifactNotFoundError):
        b.get_artifact_version("feat:v1")
    kept = b.artifact_lineage("feat:v1", "downstream", 1)  # lineage survives deletion
    assert kept.node("feat:v1").state == "DELETED" and consumer.id in {n.id for n in kept.runs}


def test_commit_refuses_missing_blob_and_gc(setup: Setup, tmp_path: Path) -> None:
    kept = put_file(setup, tmp_path, "k.txt", b"kept")
    orphan = put_file(setup, tmp_path, "o.txt", b"orphan")
    missing = FileEntry("m.txt", ALT, 5)
    with pytest.raises(InvalidInputError, match=ALT) as info:
        setup.backend.commit_artifact("x", "dataset", [kept, missing])
    assert "m.txt" in str(info.value)
    ref = FileEntry("r.csv", None, 10, ref_uri="s3://bucket/r.csv", ref_etag="abc")
    version = setup.backend.commit_artifact("x", "dataset", [kept, ref])
    assert version.file_count == 2
    dry = setup.backend.collect_garbage(0.0, dry_run=True)
    assert dry.dry_run and orphan.digest in dry.deleted and setup.store.exists(orphan.digest or "")
    report = setup.backend.collect_garbage(0.0)
    assert orphan.digest in report.deleted and kept.digest not in report.deleted
    assert not setup.store.exists(orphan.digest or "") and setup.store.exists(kept.digest or "")


def test_gc_needs_the_admin_role(
    live_server: Callable[..., Any], sqlite_url: str, tmp_path: Path
) -> None:
    live = live_server(sqlite_url, auth=True, artifacts_uri=str(tmp_path / "b"))
    tokens = live.app.state.tokens
    _, writer = tokens.create("writer", Role.WRITE)
    _, admin = tokens.create("boss", Role.ADMIN)
    with HttpBackend(live.url, token=writer) as b:
        (tmp_path / "w.txt").write_bytes(b"w")
        b.upload_blob(tmp_path / "w.txt", sha(b"w"))
        entry = FileEntry("w.txt", sha(b"w"), 1)
        assert b.commit_artifact("w", "dataset", [entry]).created_by == "writer"
        with pytest.raises(PermissionDeniedError):
            b.collect_garbage(0.0, dry_run=True)
    with HttpBackend(live.url, token=admin) as b:
        assert b.collect_garbage(0.0, dry_run=True).dry_run


# -- traversal -----------------------------------------------------------------------
def test_commit_refuses_every_traversal_path(setup: Setup, tmp_path: Path) -> None:
    good = put_file(setup, tmp_path, "ok.txt", b"ok")
    for payload in TRAVERSAL_CORPUS:
        entry = {"path": payload, "digest": good.digest, "size": good.size}
        body = {"name": "trav", "type": "dataset", "entries": [good.to_dict(), entry]}
        error_of(setup.api.post("/artifacts/versions", json=body))
    assert setup.backend.list_artifacts() == []
    assert error_of(setup.api.get("/artifacts/trav/versions"))


def test_refs_refuse_every_traversal_payload(setup: Setup, tmp_path: Path) -> None:
    good = put_file(setup, tmp_path, "ok.txt", b"ok")
    version = setup.backend.commit_artifact("safe", "dataset", [good])
    run = setup.backend.create_run("p")
    api = setup.api
    for payload in TRAVERSAL_CORPUS:
        for path in ("/artifacts/resolve", "/artifacts/files", "/artifacts/lineage"):
            error_of(api.get(path, params={"ref": payload}))
        error_of(api.get("/artifacts/diff", params={"a": payload, "b": "safe:v1"}))
        error_of(api.get("/artifacts/diff", params={"a": "safe:v1", "b": payload}))
        error_of(api.delete("/artifacts/versions", params={"ref": payload, "force": "true"}))
        error_of(api.put("/artifacts/safe/aliases/prod", json={"ref": payload}))
        error_of(api.post(f"/runs/{run.id}/artifact-inputs", json={"ref": payload}))
        segment = quote(payload, safe="")
        error_of(api.get(f"/artifacts/{segment}/versions"))
        error_of(api.get(f"/artifacts/{segment}/alias-history"))
        error_of(api.put(f"/artifacts/safe/aliases/{segment}", json={"ref": "v1"}))
        error_of(api.get("/artifacts", params={"type": payload}))
    after = setup.backend.get_artifact_version("safe")
    assert (after.id, after.aliases, after.state) == (version.id, ("latest",), version.state)
    assert [a.name for a in setup.backend.list_artifacts()] == ["safe"]
    assert setup.backend.artifact_lineage("safe:v1").edges == ()  # no input edge recorded
    assert [e.alias for e in setup.backend.artifact_alias_history("safe")] == ["latest"]
