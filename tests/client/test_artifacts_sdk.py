"""The artifacts SDK: log, re-log, use, download, aliases, lineage and datasets.

``test_round_trip`` runs embedded and against a live HTTP server (``[http]``): the HTTP
case exercises ``HttpBackend``'s artifact methods end to end.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import shipyard as sy
from shipyard.client import Client
from shipyard.client.artifacts import ArtifactVersion, BlobCache, log_artifact, walk_files
from shipyard.client.backend import Backend
from shipyard.core.errors import InvalidInputError


class Counting:
    """A backend wrapper that counts calls to each method."""

    def __init__(self, inner: Backend) -> None:
        self._inner = inner
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return attr(*args, **kwargs)

        return counted


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("SHIPYARD_HOME", str(home))
    for name in ("SHIPYARD_TRACKING_URI", "SHIPYARD_MODE", "SHIPYARD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture(params=["local", "http"])
def tracking_uri(request: pytest.FixtureRequest, sqlite_url: str, live_server: Any) -> str:
    """Embedded SQLite, or the same behind a live server (``HttpBackend``)."""
    if request.param == "http":
        return str(live_server(sqlite_url).url)
    return sqlite_url


@pytest.fixture
def local_uri(sqlite_url: str) -> str:
    return sqlite_url


def make_folder(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


FILES = {"a.csv": "x,y\n1,2\n", "sub/b.txt": "hello", "sub/deep/c.bin": "c" * 1000}


def test_round_trip(tracking_uri: str, tmp_path: Path) -> None:
    client = Client(tracking_uri)
    backend = Counting(client.backend)
    folder = make_folder(tmp_path / "feat", FILES)
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))

    v1 = log_artifact(backend, folder, name="feat", metadata={"rows": 1}, progress=progress)
    assert (v1.ref, v1.version, v1.type, v1.metadata) == ("feat:v1", 1, "dataset", {"rows": 1})
    assert backend.calls["upload_blob"] == 3
    assert seen[-1] == (1013, 1013)
    assert [f.path for f in v1.files()] == ["a.csv", "sub/b.txt", "sub/deep/c.bin"]

    again = log_artifact(backend, folder, name="feat")
    assert again == v1 and again.digest == v1.digest
    assert backend.calls["upload_blob"] == 3  # nothing uploaded again

    (folder / "sub/b.txt").write_text("changed")
    v2 = log_artifact(backend, folder, name="feat")
    assert v2.version == 2 and "latest" in v2.aliases
    assert backend.calls["upload_blob"] == 4  # only the changed file
    diff = client.diff_artifacts("feat:v1", "feat:v2")
    assert [c.path for c in diff.changed] == ["sub/b.txt"] and diff.unchanged_count == 2

    reader = ArtifactVersion(client.backend.get_artifact_version("feat:v2"), backend)  # type: ignore[arg-type]
    out = reader.download(tmp_path / "out")
    assert (out / "sub/b.txt").read_text() == "changed"
    assert (out / "sub/deep/c.bin").read_text() == "c" * 1000
    assert backend.calls["download_blob"] == 3
    out2 = reader.download(tmp_path / "out2")
    assert backend.calls["download_blob"] == 3  # served from the cache
    assert (out2 / "a.csv").read_text() == FILES["a.csv"]
    assert BlobCache().path_for(v1.files()[0].digest or "").is_file()
    client.close()


def test_use_artifact_records_lineage(tracking_uri: str, tmp_path: Path, home: Path) -> None:
    folder = make_folder(tmp_path / "raw", {"data.txt": "raw"})
    with sy.start_run(project="p", tracking_uri=tracking_uri) as producer:
        raw = producer.log_artifact(folder, name="raw", type="dataset", aliases=["candidate"])
    with sy.start_run(project="p", tracking_uri=tracking_uri) as consumer:
        used = consumer.use_artifact("raw:candidate")
        assert used == raw
        path = used.download()
        assert (path / "data.txt").read_text() == "raw"
        assert path == home / "artifacts" / "raw" / "v1"
    graph = Client(tracking_uri).lineage("raw:v1", direction="both", depth=3)
    edges = {(e.source, e.target, e.kind) for e in graph.edges}
    assert (producer.id, "raw:v1", "output") in edges
    assert ("raw:v1", consumer.id, "input") in edges
    assert {n.id for n in graph.runs} == {producer.id, consumer.id}
    assert raw.producer_run_id == producer.id


def test_aliases_move(local_uri: str, tmp_path: Path) -> None:
    client = Client(local_uri)
    folder = make_folder(tmp_path / "m", {"w": "1"})
    v1 = client.log_artifact(folder, "model", type="model", aliases=["production"])
    (folder / "w").write_text("2")
    v2 = client.log_artifact(folder, "model", type="model")
    assert client.get_artifact("model:production") == v1
    moved = client.set_artifact_alias("model", "production", "model:v2")
    assert moved == v2 and "production" in moved.aliases
    assert client.get_artifact("model:production").version == 2
    assert "production" not in client.get_artifact("model:v1").aliases
    history = [
        (e.alias, e.from_version, e.to_version) for e in client.artifact_alias_history("model")
    ]
    assert ("production", 1, 2) in history
    with pytest.raises(InvalidInputError):
        client.set_artifact_alias("model", "production", "other:v1")
    assert sorted(v.version for v in client.list_artifact_versions("model")) == [1, 2]
    assert [a.name for a in client.list_artifacts(type="model")] == ["model"]


def test_delete_consumed_needs_force_and_gc(local_uri: str, tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "d", {"only.txt": "x"})
    with sy.start_run(project="p", tracking_uri=local_uri) as run:
        run.log_artifact(folder, name="d")
    with sy.start_run(project="p", tracking_uri=local_uri) as run2:
        run2.use_artifact("d:v1")
    client = Client(local_uri)
    with pytest.raises(sy.ShipyardError):
        client.delete_artifact_version("d:v1")
    deleted = client.delete_artifact_version("d:v1", force=True)
    assert deleted.record.state.value == "DELETED"
    report = client.collect_garbage(grace_s=0, dry_run=False)
    assert len(report.deleted) == 1


def test_walk_rejects_symlinks_outside(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "f", {"in.txt": "i"})
    (tmp_path / "secret").write_text("s")
    (folder / "inner").symlink_to(folder / "in.txt")
    assert [rel for rel, _ in walk_files(folder)] == ["in.txt", "inner"]
    (folder / "leak").symlink_to(tmp_path / "secret")
    with pytest.raises(InvalidInputError, match="outside"):
        walk_files(folder)


def test_single_file(local_uri: str, tmp_path: Path) -> None:
    file = tmp_path / "config.yaml"
    file.write_text("lr: 0.1\n")
    version = Client(local_uri).log_artifact(file, "cfg", type="config")
    assert [f.path for f in version.files()] == ["config.yaml"]


def test_log_dataset_stores_parquet_and_stats(
    local_uri: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    df = pd.DataFrame({"x": [1.0, 2.0, None, 5.0], "s": ["a", "b", "a", None]})
    with sy.start_run(project="p", tracking_uri=local_uri) as run:
        version = sy.log_dataset(df, "demand", metadata={"source": "meter"}, aliases=["raw"])
    assert version.type == "dataset" and version.producer_run_id == run.id
    meta = version.metadata
    assert meta["rows"] == 4 and meta["source"] == "meter"
    assert meta["schema"][0] == {"name": "x", "type": "float64"}
    x = meta["columns"]["x"]
    assert (x["count"], x["nulls"], x["min"], x["max"]) == (3, 1, 1.0, 5.0)
    assert x["mean"] == pytest.approx(8 / 3)
    assert meta["columns"]["s"] == {"count": 3, "nulls": 1, "unique": 2, "top": "a"}
    path = version.download(tmp_path / "ds")
    pd.testing.assert_frame_equal(pd.read_parquet(path / "data.parquet"), df)

    csv = tmp_path / "d.csv"
    df.to_csv(csv, index=False)
    monkeypatch.setenv("SHIPYARD_TRACKING_URI", local_uri)
    from_csv = sy.log_dataset(csv, "demand-csv")
    assert from_csv.metadata["rows"] == 4 and from_csv.producer_run_id is None
    with pytest.raises(InvalidInputError):
        sy.log_dataset(tmp_path / "nope.txt", "bad")


def test_lineage_of_a_long_chain_reaches_the_root(tracking_uri: str, tmp_path: Path) -> None:
    """Ten runs each turning one dataset into the next (20 hops): the default walk (and
    the REST default behind the HTTP backend) reaches the first one."""
    client = Client(tracking_uri)
    project = "chain"
    first = client.log_artifact(make_folder(tmp_path / "d0", {"x": "0"}), f"{project}-0")
    for i in range(1, 11):
        with sy.start_run(project=project, tracking_uri=tracking_uri) as run:
            run.use_artifact(f"{project}-{i - 1}:latest")
            run.log_artifact(make_folder(tmp_path / f"d{i}", {"x": str(i)}), name=f"{project}-{i}")
    graph = client.lineage(f"{project}-10:v1", direction="upstream")
    assert graph.node(first.ref).hops == 20 and not graph.truncated
    short = client.lineage(f"{project}-10:v1", direction="upstream", depth=2)
    assert short.truncated and short.stopped_by == "depth"
    assert first.ref not in {n.id for n in short.nodes}
    client.close()
