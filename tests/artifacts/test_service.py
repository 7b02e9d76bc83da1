"""ArtifactService on SQLite and PostgreSQL: versions, dedupe, aliases, deletes, diffs."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from shipyard.artifacts import (
    AliasEvent,
    ArtifactRecord,
    ArtifactService,
    ArtifactVersionRecord,
    FileEntry,
    VersionState,
)
from shipyard.core.errors import (
    ArtifactInUseError,
    ArtifactNotFoundError,
    InvalidInputError,
    RunNotFoundError,
)

NewRun = Callable[..., str]


def stored(path: str, content: bytes) -> FileEntry:
    return FileEntry(path, hashlib.sha256(content).hexdigest(), len(content))


def files(**contents: bytes) -> list[FileEntry]:
    return [stored(path.replace("__", "/"), data) for path, data in contents.items()]


def test_versions_are_numbered_and_identical_content_is_deduplicated(svc: ArtifactService) -> None:
    v1 = svc.commit_version(
        "ds", "dataset", files(a=b"1", b__c=b"22"), metadata={"rows": 3}, user="ann"
    )
    assert (v1.name, v1.type, v1.version, v1.state) == ("ds", "dataset", 1, VersionState.READY)
    assert (v1.file_count, v1.total_bytes, v1.aliases) == (2, 3, ("latest",))
    assert (v1.metadata, v1.created_by, v1.ref, v1.uri) == (
        {"rows": 3},
        "ann",
        "ds:v1",
        "artifacts:/ds:v1",
    )
    assert len(v1.digest) == 64

    # same files, other order, other spelling of the paths, other metadata: same version
    again = svc.commit_version(
        "ds", "dataset", [stored("./b//c", b"22"), stored("a", b"1")], metadata={"rows": 99}
    )
    assert again.id == v1.id and again.version == 1 and again.metadata == {"rows": 3}
    assert len(svc.list_versions("ds")) == 1

    v2 = svc.commit_version("ds", "dataset", files(a=b"1", b__c=b"23"))
    assert v2.version == 2 and v2.aliases == ("latest",)
    assert svc.get_version("ds", 1).aliases == ()
    assert [v.version for v in svc.list_versions("ds")] == [2, 1]
    assert svc.get_version("ds").version == 2
    assert svc.get_version("ds", "v1").id == v1.id
    assert svc.get_version("ds", "1").id == v1.id
    assert svc.get_version("ds:v1").id == v1.id
    assert svc.resolve("artifacts:/ds:latest").id == v2.id
    assert [f.path for f in svc.files(v1.id)] == ["a", "b/c"]
    assert svc.files(v1.id) == sorted(files(a=b"1", b__c=b"22"), key=lambda f: f.path)

    svc.commit_version("model", "model", files(m=b"w"), description="a model")
    listed = svc.list_artifacts()
    assert [(a.name, a.latest_version, a.version_count) for a in listed] == [
        ("ds", 2, 2),
        ("model", 1, 1),
    ]
    assert [a.name for a in svc.list_artifacts(type="model")] == ["model"]
    assert svc.get_artifact("model").description == "a model"


def test_dedupe_still_applies_aliases_and_records_the_run(
    svc: ArtifactService, new_run: NewRun
) -> None:
    run_a, run_b = new_run("a"), new_run("b")
    v1 = svc.commit_version("ds", "dataset", files(x=b"1"), run_id=run_a)
    same = svc.commit_version("ds", "dataset", files(x=b"1"), run_id=run_b, aliases=["candidate"])
    assert same.id == v1.id
    assert same.aliases == ("candidate", "latest")
    assert same.producer_run_id == run_a  # the first producer; both have output edges
    assert [v.id for v in svc.run_artifacts(run_b)["output"]] == [v1.id]
    assert svc.run_artifacts(run_b)["input"] == []


def test_bad_commits_store_nothing(svc: ArtifactService, new_run: NewRun) -> None:
    with pytest.raises(InvalidInputError, match=r"'\.\./x'"):
        svc.commit_version("ds", "dataset", [stored("../x", b"1")])
    with pytest.raises(InvalidInputError, match="32 lowercase hex"):
        svc.commit_version("ds", "dataset", files(x=b"1"), run_id="nope")
    with pytest.raises(RunNotFoundError):
        svc.commit_version("ds", "dataset", files(x=b"1"), run_id="0" * 32)
    with pytest.raises(InvalidInputError, match="not JSON-serialisable"):
        svc.commit_version("ds", "dataset", files(x=b"1"), metadata={"x": object()})
    with pytest.raises(InvalidInputError, match="Invalid artifact name"):
        svc.commit_version("a/b", "dataset", files(x=b"1"))
    with pytest.raises(InvalidInputError, match="looks like a version"):
        svc.commit_version("ds", "dataset", files(x=b"1"), aliases=["v2"])
    assert svc.list_artifacts() == []
    svc.commit_version("ds", "dataset", files(x=b"1"))
    with pytest.raises(InvalidInputError, match="of type 'dataset', not 'model'"):
        svc.commit_version("ds", "model", files(x=b"2"))
    with pytest.raises(ArtifactNotFoundError):
        svc.get_version("nope")
    with pytest.raises(ArtifactNotFoundError, match="no version v7"):
        svc.get_version("ds", 7)
    with pytest.raises(ArtifactNotFoundError, match="no alias 'prod'"):
        svc.get_version("ds", "prod")


def test_metadata_keeps_numpy_and_nan(svc: ArtifactService) -> None:
    import numpy as np

    meta = {"rows": np.int64(5), "mean": float("nan"), "cols": np.array([1, 2]), "tags": {"b", "a"}}
    v = svc.commit_version("ds", "dataset", files(x=b"1"), metadata=meta)
    assert (
        v.metadata["rows"] == 5
        and v.metadata["cols"] == [1, 2]
        and v.metadata["tags"] == ["a", "b"]
    )
    assert v.metadata["mean"] != v.metadata["mean"]  # NaN survives


def test_aliases_are_unique_and_every_move_is_recorded(svc: ArtifactService) -> None:
    svc.commit_version("ds", "dataset", files(x=b"1"), user="ann")
    svc.commit_version("ds", "dataset", files(x=b"2"), user="ann")
    assert svc.set_alias("ds", "prod", 1, user="alice").aliases == ("prod",)
    moved = svc.set_alias("ds", "prod", "v2", user="bob")
    assert moved.version == 2 and moved.aliases == ("latest", "prod")
    assert svc.get_version("ds", 1).aliases == ()
    assert svc.get_version("ds", "prod").version == 2
    svc.set_alias("ds", "prod", 2, user="carol")  # already there: nothing recorded
    svc.remove_alias("ds", "prod", user="dave")
    with pytest.raises(ArtifactNotFoundError):
        svc.remove_alias("ds", "prod")
    with pytest.raises(ArtifactNotFoundError):
        svc.get_version("ds", "prod")

    history = [(e.alias, e.from_version, e.to_version, e.user) for e in svc.alias_history("ds")]
    assert history == [
        ("latest", None, 1, "ann"),
        ("latest", 1, 2, "ann"),
        ("prod", None, 1, "alice"),
        ("prod", 1, 2, "bob"),
        ("prod", 2, None, "dave"),
    ]
    events = svc.alias_history("ds")
    assert all(e.at > 0 and e.name == "ds" for e in events)
    assert AliasEvent.from_dict(events[0].to_dict()) == events[0]


def test_latest_can_be_pinned_until_the_next_version(svc: ArtifactService) -> None:
    for content in (b"1", b"2"):
        svc.commit_version("ds", "dataset", files(x=content))
    assert svc.set_alias("ds", "latest", 1).version == 1
    assert svc.get_version("ds").version == 1
    svc.commit_version("ds", "dataset", files(x=b"1"))  # known content: latest stays
    assert svc.get_version("ds").version == 1
    assert svc.commit_version("ds", "dataset", files(x=b"3")).version == 3
    assert svc.get_version("ds").version == 3


def test_delete_without_consumers(svc: ArtifactService) -> None:
    for content in (b"1", b"2", b"3"):
        svc.commit_version("ds", "dataset", files(x=content), aliases=["best"])
    svc.set_alias("ds", "prod", 3)
    gone = svc.delete_version("ds", "latest", user="ann")
    assert (gone.version, gone.state, gone.aliases) == (3, VersionState.DELETED, ())
    assert svc.files(gone.id) == []
    assert svc.get_version("ds").version == 2  # latest falls back
    with pytest.raises(ArtifactNotFoundError, match="was deleted"):
        svc.get_version("ds", 3)
    assert svc.get_version("ds", 3, include_deleted=True).state == VersionState.DELETED
    with pytest.raises(ArtifactNotFoundError, match="no alias 'prod'"):
        svc.get_version("ds", "prod")
    with pytest.raises(InvalidInputError, match="deleted; aliases can only point"):
        svc.set_alias("ds", "prod", 3)
    with pytest.raises(ArtifactNotFoundError, match="was deleted"):
        svc.delete_version("ds", 3)
    assert [(v.version, v.state.value) for v in svc.list_versions("ds")] == [
        (3, "DELETED"),
        (2, "READY"),
        (1, "READY"),
    ]
    assert [v.version for v in svc.list_versions("ds", include_deleted=False)] == [2, 1]
    assert svc.get_artifact("ds").version_count == 2
    history = [(e.alias, e.from_version, e.to_version) for e in svc.alias_history("ds")][-3:]
    assert sorted(history) == [("best", 3, None), ("latest", 3, 2), ("prod", 3, None)]

    # numbers are never reused; the same content again brings v3 back
    assert svc.commit_version("ds", "dataset", files(x=b"4")).version == 4
    back = svc.commit_version("ds", "dataset", files(x=b"3"), metadata={"again": True})
    assert (back.id, back.version, back.state) == (gone.id, 3, VersionState.READY)
    assert back.metadata == {"again": True} and svc.files(back.id) == files(x=b"3")
    assert svc.get_version("ds").version == 4

    for v in (1, 2, 3, 4):
        svc.delete_version("ds", v)
    assert svc.get_artifact("ds").latest_version is None
    with pytest.raises(ArtifactNotFoundError, match="has no versions"):
        svc.get_version("ds")


def test_delete_of_a_consumed_version_needs_force_and_keeps_lineage(
    svc: ArtifactService, new_run: NewRun
) -> None:
    producer, consumer = new_run("producer"), new_run("consumer")
    v1 = svc.commit_version("ds", "dataset", files(x=b"1"), run_id=producer)
    assert svc.record_use(consumer, "ds:latest").id == v1.id
    assert svc.record_use(consumer, "ds", 1).id == v1.id  # recording twice is harmless
    with pytest.raises(ArtifactInUseError) as info:
        svc.delete_version("ds", 1)
    assert consumer in info.value.message and info.value.details["runs"] == [consumer]
    assert info.value.http_status == 409
    assert svc.get_version("ds", 1).is_ready

    gone = svc.delete_version("ds", 1, force=True)
    assert gone.state == VersionState.DELETED
    assert [v.state for v in svc.run_artifacts(consumer)["input"]] == [VersionState.DELETED]
    graph = svc.lineage("ds:v1")
    assert graph.node("ds:v1").state == "DELETED"
    assert {(e.source, e.target, e.kind) for e in graph.edges} == {
        (producer, "ds:v1", "output"),
        ("ds:v1", consumer, "input"),
    }
    with pytest.raises(ArtifactNotFoundError):
        svc.record_use(consumer, "ds", 1)
    with pytest.raises(RunNotFoundError):
        svc.record_use("f" * 32, "ds:v1")


def test_diff_between_versions(svc: ArtifactService) -> None:
    svc.commit_version("ds", "dataset", files(keep=b"k", gone=b"g", edit=b"1"))
    svc.commit_version("ds", "dataset", files(keep=b"k", edit=b"22", new=b"n"))
    change = svc.diff("ds:v1", "ds:v2")
    assert [e.path for e in change.added] == ["new"]
    assert [e.path for e in change.removed] == ["gone"]
    assert [(c.path, c.before.size, c.after.size) for c in change.changed] == [("edit", 1, 2)]
    assert change.unchanged_count == 1
    assert svc.diff("ds:v2", "ds:latest").is_empty


def test_records_round_trip(svc: ArtifactService) -> None:
    v = svc.commit_version("ds", "dataset", files(x=b"1"), metadata={"a": [1]}, aliases=["c"])
    assert ArtifactVersionRecord.from_dict(v.to_dict()) == v
    art = svc.get_artifact("ds")
    assert ArtifactRecord.from_dict(art.to_dict()) == art
    assert v.to_dict()["state"] == "READY" and v.to_dict()["ref"] == "ds:v1"


def test_concurrent_commits_get_distinct_numbers(svc: ArtifactService) -> None:
    def commit(i: int) -> int:
        return svc.commit_version("race", "dataset", files(x=str(i).encode())).version

    with ThreadPoolExecutor(8) as pool:
        numbers = list(pool.map(commit, range(16)))
    assert sorted(numbers) == list(range(1, 17))
    assert svc.get_version("race").version == 16

    def same(_: int) -> int:
        return svc.commit_version("same", "dataset", files(x=b"same")).id

    with ThreadPoolExecutor(8) as pool:
        ids = set(pool.map(same, range(16)))
    assert len(ids) == 1 and len(svc.list_versions("same")) == 1
