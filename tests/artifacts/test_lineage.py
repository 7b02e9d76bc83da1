"""Lineage on a small graph: raw → run A → features → run B → model (SQLite, PostgreSQL)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from shipyard.artifacts import ArtifactService, FileEntry, LineageGraph
from shipyard.core.errors import InvalidInputError
from shipyard.tracking.service import TrackingService


def stored(path: str, content: bytes) -> FileEntry:
    return FileEntry(path, hashlib.sha256(content).hexdigest(), len(content))


@dataclass
class Chain:
    run_a: str
    run_b: str


@pytest.fixture
def chain(svc: ArtifactService, new_run: Callable[..., str]) -> Chain:
    """raw:v1 --input--> A --output--> features:v1 --input--> B --output--> model:v1."""
    svc.commit_version("raw", "dataset", [stored("raw.csv", b"r")])
    run_a, run_b = new_run("prepare"), new_run("train")
    svc.record_use(run_a, "raw:latest")
    svc.commit_version("features", "dataset", [stored("f.parquet", b"f")], run_id=run_a)
    svc.record_use(run_b, "features")
    svc.commit_version("model", "model", [stored("model.pkl", b"m")], run_id=run_b)
    return Chain(run_a, run_b)


def ids(graph: LineageGraph) -> set[str]:
    return {n.id for n in graph.nodes}


def test_upstream_by_depth(svc: ArtifactService, chain: Chain) -> None:
    assert ids(svc.lineage("model:v1", "upstream", depth=0)) == {"model:v1"}
    one = svc.lineage("model:v1", "upstream", depth=1)
    assert ids(one) == {"model:v1", chain.run_b, "features:v1"}
    assert {(e.source, e.target, e.kind) for e in one.edges} == {
        (chain.run_b, "model:v1", "output"),
        ("features:v1", chain.run_b, "input"),
    }
    two = svc.lineage("model:v1", "upstream", depth=2)
    assert ids(two) == {"model:v1", chain.run_b, "features:v1", chain.run_a, "raw:v1"}
    assert [(n.id, n.hops) for n in two.nodes] == [
        ("model:v1", 0),
        (chain.run_b, 1),
        ("features:v1", 2),
        (chain.run_a, 3),
        ("raw:v1", 4),
    ]
    assert len(two.edges) == 4
    assert ids(svc.lineage("model:v1", "upstream", depth=5)) == ids(two)
    assert ids(svc.lineage("model:v1", "downstream", depth=5)) == {"model:v1"}


def test_downstream_by_depth(svc: ArtifactService, chain: Chain) -> None:
    one = svc.lineage("raw:v1", "downstream", depth=1)
    assert ids(one) == {"raw:v1", chain.run_a, "features:v1"}
    two = svc.lineage("raw", direction="downstream", depth=2)
    assert ids(two) == {"raw:v1", chain.run_a, "features:v1", chain.run_b, "model:v1"}
    assert ids(svc.lineage("raw:v1", "upstream")) == {"raw:v1"}


def test_both_directions_and_node_details(svc: ArtifactService, chain: Chain) -> None:
    graph = svc.lineage("artifacts:/features:v1", "both", depth=1)
    assert graph.root == "features:v1"
    assert ids(graph) == {"raw:v1", chain.run_a, "features:v1", chain.run_b, "model:v1"}
    run_a = graph.node(chain.run_a)
    assert (run_a.kind, run_a.name, run_a.state, run_a.project) == (
        "run",
        "prepare",
        "RUNNING",
        "lineage",
    )
    model = graph.node("model:v1")
    assert (model.kind, model.name, model.version, model.type, model.state) == (
        "artifact",
        "model",
        1,
        "model",
        "READY",
    )
    assert {n.id for n in graph.runs} == {chain.run_a, chain.run_b}
    assert LineageGraph.from_dict(graph.to_dict()) == graph


def test_a_deleted_run_stays_in_the_lineage(
    svc: ArtifactService, tracking: TrackingService, chain: Chain
) -> None:
    tracking.delete_run(chain.run_b)
    graph = svc.lineage("features:v1", "downstream", depth=3)
    node = graph.node(chain.run_b)
    assert (node.state, node.name) == ("DELETED", "")
    assert "model:v1" in ids(graph)
    assert svc.get_version("model").producer_run_id == chain.run_b


def test_a_run_with_many_inputs_and_a_diamond(
    svc: ArtifactService, new_run: Callable[..., str], chain: Chain
) -> None:
    # run C consumes both raw and features and produces report: two paths to raw
    run_c = new_run("report")
    svc.record_use(run_c, "raw:v1")
    svc.record_use(run_c, "features:v1")
    svc.commit_version("report", "report", [stored("r.html", b"h")], run_id=run_c)
    graph = svc.lineage("report:v1", "upstream", depth=2)
    assert ids(graph) == {"report:v1", run_c, "raw:v1", "features:v1", chain.run_a}
    assert graph.node("raw:v1").hops == 2  # the shortest path counts
    down = svc.lineage("raw:v1", "downstream", depth=1)
    assert ids(down) == {"raw:v1", chain.run_a, run_c, "features:v1", "report:v1"}


@pytest.mark.parametrize(("direction", "depth"), [("sideways", 1), ("both", -1), ("both", 1001)])
def test_bad_walks_are_refused(
    svc: ArtifactService, chain: Chain, direction: str, depth: int
) -> None:
    with pytest.raises(InvalidInputError):
        svc.lineage("model:v1", direction, depth)


def long_chain(svc: ArtifactService, new_run: Callable[..., str], links: int) -> list[str]:
    """step0:v1 → run → step1:v1 → … → step{links}:v1; the run ids, oldest first."""
    svc.commit_version("step0", "dataset", [stored("d", b"0")])
    made = []
    for i in range(1, links + 1):
        run_id = new_run(f"make-{i}")
        svc.record_use(run_id, f"step{i - 1}")
        svc.commit_version(f"step{i}", "dataset", [stored("d", str(i).encode())], run_id=run_id)
        made.append(run_id)
    return made


def test_a_long_chain_is_walked_to_its_root_by_default(
    svc: ArtifactService, new_run: Callable[..., str]
) -> None:
    made = long_chain(svc, new_run, 12)  # 24 hops: three times the old default's reach
    graph = svc.lineage("step12:v1", "upstream")
    assert graph.node("step0:v1").hops == 24 and not graph.truncated
    assert graph.stopped_by is None and len(graph.runs) == 12
    assert [n.id for n in graph.runs] == list(reversed(made))
    assert svc.lineage("step0:v1", "downstream").node("step12:v1").hops == 24
    whole = svc.lineage("step6:v1")  # both ways, from the middle
    assert {"step0:v1", "step12:v1"} <= ids(whole) and not whole.truncated
    exact = svc.lineage("step12:v1", "upstream", depth=12)
    assert not exact.truncated and ids(exact) == ids(graph)  # nothing left beyond
    short = svc.lineage("step12:v1", "upstream", depth=3)
    assert short.truncated and short.stopped_by == "depth" and "step8:v1" not in ids(short)
    assert LineageGraph.from_dict(short.to_dict()) == short


def test_the_hard_caps_are_reported_not_silent(
    svc: ArtifactService, new_run: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from shipyard.artifacts import lineage

    long_chain(svc, new_run, 10)
    monkeypatch.setattr(lineage, "MAX_GENERATIONS", 4)
    capped = svc.lineage("step10:v1", "upstream")
    assert capped.truncated and capped.stopped_by == "max_generations"
    assert "step6:v1" in ids(capped) and "step5:v1" not in ids(capped)
    monkeypatch.setattr(lineage, "MAX_GENERATIONS", 1_000)
    monkeypatch.setattr(lineage, "MAX_NODES", 5)
    crowded = svc.lineage("step0:v1", "downstream")
    assert crowded.truncated and crowded.stopped_by == "max_nodes"
    assert len(crowded.nodes) < 11 * 2


def test_a_cycle_in_the_usage_edges_ends(svc: ArtifactService, new_run: Callable[..., str]) -> None:
    # run A consumes a:v1 and makes b:v1, which it also reads back; run B consumes b:v1
    svc.commit_version("a", "dataset", [stored("a", b"a")])
    run_a, run_b = new_run("a"), new_run("b")
    svc.record_use(run_a, "a:v1")
    svc.commit_version("b", "dataset", [stored("b", b"b")], run_id=run_a)
    svc.record_use(run_b, "b:v1")
    svc.record_use(run_a, "b:v1")  # a loop: A → b:v1 → A
    graph = svc.lineage("b:v1")
    assert ids(graph) == {"a:v1", "b:v1", run_a, run_b} and not graph.truncated
