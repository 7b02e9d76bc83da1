"""Incremental versions, references and code snapshots through both backends."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

import shipyard as sy
from shipyard.client import Client
from shipyard.client.code_snapshot import git_snapshot
from shipyard.core.errors import BlobCorruptError, InvalidInputError


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("SHIPYARD_HOME", str(home))
    for name in ("SHIPYARD_TRACKING_URI", "SHIPYARD_MODE", "SHIPYARD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture(params=["local", "http"])
def tracking_uri(request: pytest.FixtureRequest, sqlite_url: str, live_server: Any) -> str:
    if request.param == "http":
        return str(live_server(sqlite_url).url)
    return sqlite_url


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_incremental_version_adds_replaces_and_removes(tracking_uri: str, tmp_path: Path) -> None:
    client = Client(tracking_uri)
    base = write(tmp_path / "v1", {"a.txt": "a", "b.txt": "b", "old/x.txt": "x", "old/y": "y"})
    v1 = client.log_artifact(base, name="feat")
    extra = write(tmp_path / "delta", {"b.txt": "B2", "new/c.txt": "c"})
    v2 = client.log_artifact(extra, name="feat", base="feat:v1", remove=["old/", "a.txt"])
    assert v2.version == 2
    assert [(f.path, f.size) for f in v2.files()] == [
        ("b.txt", 2), ("new/c.txt", 1),
    ]  # fmt: skip
    out = v2.download(tmp_path / "out")
    assert (out / "b.txt").read_text() == "B2" and not (out / "a.txt").exists()
    only_removed = client.log_artifact(None, name="feat", base="feat:v1", remove=["old/y"])
    assert [f.path for f in only_removed.files()] == ["a.txt", "b.txt", "old/x.txt"]
    assert client.log_artifact(None, name="feat", base="feat:v1") == v1  # same content
    with pytest.raises(InvalidInputError, match="no such file or folder"):
        client.log_artifact(None, name="feat", base="feat:v1", remove=["missing.txt"])
    with pytest.raises(InvalidInputError, match="needs a base"):
        client.log_artifact(extra, name="feat", remove=["b.txt"])
    with pytest.raises(InvalidInputError, match="Nothing to log"):
        client.log_artifact(None, name="feat")
    client.close()


def test_file_reference_round_trip_and_change_detected(tracking_uri: str, tmp_path: Path) -> None:
    outside = tmp_path / "lake" / "raw.csv"
    outside.parent.mkdir()
    outside.write_bytes(b"id,value\n1,2\n")
    with sy.start_run(project="refs", tracking_uri=tracking_uri) as run:
        local = write(tmp_path / "art", {"README": "see raw.csv"})
        version = run.log_artifact(
            local, name="lake", references={"data/raw.csv": outside.as_uri()}
        )
    entries = {f.path: f for f in version.files()}
    ref = entries["data/raw.csv"]
    assert ref.is_reference and ref.ref_uri == outside.as_uri() and ref.size == 13
    assert ref.digest == hashlib.sha256(outside.read_bytes()).hexdigest()
    out = version.download(tmp_path / "out")
    assert (out / "data/raw.csv").read_bytes() == outside.read_bytes()
    assert not (version.download(tmp_path / "skip", references=False) / "data").exists()
    outside.write_bytes(b"id,value\n1,3\n")  # same size, other bytes
    with pytest.raises(BlobCorruptError, match=r"data/raw\.csv"):
        version.download(tmp_path / "out2")
    assert not (tmp_path / "out2" / "data" / "raw.csv").exists()
    with pytest.raises(InvalidInputError, match="not a file"):
        run.log_artifact(None, name="lake", references={"x": (tmp_path / "nope").as_uri()})
    with pytest.raises(InvalidInputError, match="scheme"):
        run.log_artifact(None, name="lake", references={"x": sy.Reference("ftp://h/x", size=1)})


def test_server_never_opens_file_references(sqlite_url: str, live_server: Any) -> None:
    # A client may record file:///etc/passwd; the server must not read it for anyone.
    server = live_server(sqlite_url)
    secret = Path("/etc/passwd")
    digest = hashlib.sha256(secret.read_bytes()).hexdigest()
    entry = sy.Reference(secret.as_uri(), size=secret.stat().st_size, sha256=digest)
    client = Client(server.url)
    client.log_artifact(None, name="sneaky", references={"passwd": entry})
    with httpx.Client(base_url=str(server.url)) as http:
        listed = http.get("/api/v1/artifacts/files", params={"ref": "sneaky:v1"}).json()
        assert listed["files"][0]["ref_uri"] == secret.as_uri()
        blob = http.get(f"/api/v1/blobs/{digest}")
        assert blob.status_code == 404 and b"root:" not in blob.content
        for path in (
            "/api/v1/artifacts/sneaky/versions",
            "/api/v1/artifacts/resolve?ref=sneaky:v1",
        ):
            assert b"root:" not in http.get(path).content
    client.close()


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=repo, check=True, capture_output=True,
    )  # fmt: skip


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = write(tmp_path / "repo", {"train.py": "print(1)\n", "pkg/model.py": "X = 1\n"})
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    (root / "untracked.txt").write_text("not in git")
    (root / "train.py").write_text("print(2)\n")  # a tracked file edited in place
    return root


def test_save_code_logs_tracked_files_with_lineage(
    tracking_uri: str, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo / "pkg")
    with sy.start_run(project="my proj", tracking_uri=tracking_uri, save_code=True) as run:
        pass
    client = Client(tracking_uri)
    code = client.get_artifact("code-my-proj:latest")
    assert code.type == "code" and code.producer_run_id == run.id
    assert [f.path for f in code.files()] == ["pkg/model.py", "train.py"]
    assert code.metadata["git_dirty"] is True and len(code.metadata["git_commit"]) == 40
    out = code.download(tmp_path / "code")
    assert (out / "train.py").read_text() == "print(2)\n"
    graph = client.lineage(code.ref, direction="upstream", depth=1)
    assert run.id in {n.id for n in graph.runs}
    client.close()


def test_log_code_outside_a_repo(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.chdir(plain)
    with pytest.raises(InvalidInputError, match="not inside a git repository"):
        git_snapshot(plain)
    with pytest.warns(UserWarning, match="save_code"):
        run = sy.start_run(project="p", tracking_uri=sqlite_url, save_code=True)
    with pytest.raises(InvalidInputError, match="git"):
        run.log_code(plain)
    run.finish()


def test_https_reference_uses_size_and_etag(
    tracking_uri: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = {"body": b"col\n1\n2\n", "etag": '"v1"'}

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.host == "data.example.com"
        headers = {"etag": served["etag"], "content-length": str(len(served["body"]))}
        body = b"" if request.method == "HEAD" else served["body"]
        return httpx.Response(200, headers=headers, content=body)

    monkeypatch.setattr(
        "shipyard.client.artifact_refs._http",
        lambda: httpx.Client(transport=httpx.MockTransport(handler)),
    )
    client = Client(tracking_uri)
    url = "https://data.example.com/table.csv"
    version = client.log_artifact(None, name="web", references={"table.csv": url})
    entry = version.files()[0]
    assert (entry.size, entry.ref_etag, entry.digest) == (8, '"v1"', None)
    assert (version.download(tmp_path / "out") / "table.csv").read_bytes() == served["body"]
    served.update(body=b"col\n1\n3\n", etag='"v2"')
    with pytest.raises(BlobCorruptError, match="ETag"):
        version.download(tmp_path / "out2")
    served.update(body=b"col\n1\n", etag='"v1"')  # truncated, same ETag: size catches it
    with pytest.raises(BlobCorruptError, match="bytes"):
        version.download(tmp_path / "out3")
    client.close()


def test_base_with_a_lost_blob_is_refused(sqlite_url: str, tmp_path: Path) -> None:
    client = Client(sqlite_url)
    v1 = client.log_artifact(write(tmp_path / "v1", {"a.txt": "a"}), name="lost")
    store = client.backend.blobs  # type: ignore[attr-defined]
    assert store.delete(str(v1.files()[0].digest))  # lost outside Shipyard's control
    with pytest.raises(InvalidInputError, match="no longer holds"):
        client.log_artifact(write(tmp_path / "d", {"b.txt": "b"}), name="lost", base="lost:v1")
    client.close()
