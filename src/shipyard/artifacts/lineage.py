"""Lineage walks over ``artifact_usage``: run --output--> version --input--> run.

``depth`` counts generations: upstream of a version, one generation is the run that
produced it plus the versions that run consumed; downstream, the runs that consumed it
plus the versions those runs produced. Each generation costs two batched queries.
Without a depth the walk goes to the roots (and leaves): every node is visited once,
and the hard caps ``MAX_GENERATIONS`` and ``MAX_NODES`` stop a runaway walk. A walk
that stopped with lineage left beyond it (at the depth asked or at a cap) says so in
``truncated`` and ``stopped_by`` instead of looking complete.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import Connection, select

from shipyard.artifacts.queries import chunked
from shipyard.artifacts.records import EdgeKind, LineageEdge, LineageGraph, LineageNode
from shipyard.core.errors import InvalidInputError
from shipyard.store.schema import artifact_usage, artifact_versions, artifacts, projects, runs

Direction = Literal["both", "upstream", "downstream"]
StopReason = Literal["depth", "max_generations", "max_nodes"]
DIRECTIONS: tuple[Direction, ...] = ("both", "upstream", "downstream")
MAX_GENERATIONS = 1_000
MAX_NODES = 50_000
OUTPUT: EdgeKind = "output"
INPUT: EdgeKind = "input"


@dataclass
class _Walk:
    """What a walk found: hops per version id and run id, edges as (run, version, kind)."""

    versions: dict[int, int] = field(default_factory=dict)
    runs: dict[str, int] = field(default_factory=dict)
    edges: set[tuple[str, int, EdgeKind]] = field(default_factory=set)
    stopped_by: StopReason | None = None  # set when lineage is left beyond the walk

    def add_version(self, vid: int, hops: int) -> bool:
        if vid in self.versions and self.versions[vid] <= hops:
            return False
        self.versions[vid] = hops
        return True

    def add_run(self, run_id: str, hops: int) -> bool:
        if run_id in self.runs and self.runs[run_id] <= hops:
            return False
        self.runs[run_id] = hops
        return True


def check_walk(direction: str, depth: int | None) -> Direction:
    if direction not in DIRECTIONS:
        raise InvalidInputError(
            f"Unknown lineage direction {direction!r:.40}; use {', '.join(DIRECTIONS)}"
        )
    if depth is None:
        return direction
    if isinstance(depth, bool) or not isinstance(depth, int) or not 0 <= depth <= MAX_GENERATIONS:
        raise InvalidInputError(
            f"Lineage depth must be an integer from 0 to {MAX_GENERATIONS} (or none: to the roots)"
        )
    return direction


def walk(conn: Connection, start: int, direction: Direction, depth: int | None) -> _Walk:
    """Breadth-first walk from version ``start``, ``depth`` generations each way (None:
    until nothing is left or a hard cap is hit)."""
    sides: list[tuple[EdgeKind, EdgeKind]] = []
    if direction in ("both", "upstream"):
        sides.append((OUTPUT, INPUT))  # who made it, then what they consumed
    if direction in ("both", "downstream"):
        sides.append((INPUT, OUTPUT))  # who consumed it, then what they made
    merged = _Walk()
    merged.add_version(start, 0)
    for to_runs, to_versions in sides:
        side = _walk_side(conn, start, to_runs, to_versions, depth)
        for vid, h in side.versions.items():
            merged.add_version(vid, h)
        for run_id, h in side.runs.items():
            merged.add_run(run_id, h)
        merged.edges |= side.edges
        merged.stopped_by = merged.stopped_by or side.stopped_by
    return merged


def _walk_side(
    conn: Connection, start: int, to_runs: EdgeKind, to_versions: EdgeKind, depth: int | None
) -> _Walk:
    """One direction on its own: a node seen upstream is still expanded downstream."""
    side = _Walk()
    side.add_version(start, 0)
    limit = depth if depth is not None else MAX_GENERATIONS
    frontier, generation = {start}, 0
    while frontier:
        reason = _stop(generation, limit, depth is not None, len(side.versions) + len(side.runs))
        if reason is not None:
            if _has_more(conn, frontier, to_runs):
                side.stopped_by = reason
            break
        hops = 2 * generation
        new_runs = _step_to_runs(conn, side, frontier, to_runs, hops + 1)
        frontier = _step_to_versions(conn, side, new_runs, to_versions, hops + 2)
        generation += 1
    return side


def _stop(generation: int, limit: int, asked: bool, nodes: int) -> StopReason | None:
    if generation >= limit:
        return "depth" if asked else "max_generations"
    return "max_nodes" if nodes >= MAX_NODES else None


def _has_more(conn: Connection, versions: Iterable[int], kind: EdgeKind) -> bool:
    """Whether any of ``versions`` has an edge of ``kind`` (lineage beyond the walk)."""
    u = artifact_usage
    for ids in chunked(sorted(versions)):
        query = select(u.c.run_id).where(u.c.version_id.in_(ids), u.c.direction == kind)
        if conn.execute(query.limit(1)).first() is not None:
            return True
    return False


def _step_to_runs(
    conn: Connection, found: _Walk, versions: Iterable[int], kind: EdgeKind, hops: int
) -> set[str]:
    u = artifact_usage
    new: set[str] = set()
    for ids in chunked(sorted(versions)):
        query = select(u.c.run_id, u.c.version_id).where(
            u.c.version_id.in_(ids), u.c.direction == kind
        )
        for run_id, vid in conn.execute(query):
            found.edges.add((run_id, int(vid), kind))
            if found.add_run(run_id, hops):
                new.add(run_id)
    return new


def _step_to_versions(
    conn: Connection, found: _Walk, run_ids: Iterable[str], kind: EdgeKind, hops: int
) -> set[int]:
    u = artifact_usage
    new: set[int] = set()
    for ids in chunked(sorted(run_ids)):
        query = select(u.c.run_id, u.c.version_id).where(u.c.run_id.in_(ids), u.c.direction == kind)
        for run_id, vid in conn.execute(query):
            found.edges.add((run_id, int(vid), kind))
            if found.add_version(int(vid), hops):
                new.add(int(vid))
    return new


def build_graph(conn: Connection, start: int, found: _Walk) -> LineageGraph:
    """Turn a walk into nodes (with names and states) and edges."""
    version_nodes = _version_nodes(conn, found.versions)
    run_nodes = _run_nodes(conn, found.runs)
    labels = {vid: node.id for vid, node in version_nodes.items()}
    edges = set()
    for run_id, vid, kind in found.edges:
        version = labels[vid]
        if kind == OUTPUT:
            edges.add(LineageEdge(run_id, version, OUTPUT))
        else:
            edges.add(LineageEdge(version, run_id, INPUT))
    nodes = [*version_nodes.values(), *run_nodes]
    nodes.sort(key=lambda n: (n.hops, n.kind, n.id))
    ordered = sorted(edges, key=lambda e: (e.source, e.target, e.kind))
    return LineageGraph(
        root=labels[start],
        nodes=tuple(nodes),
        edges=tuple(ordered),
        truncated=found.stopped_by is not None,
        stopped_by=found.stopped_by,
    )


def _version_nodes(conn: Connection, hops: dict[int, int]) -> dict[int, LineageNode]:
    av, art = artifact_versions, artifacts
    out: dict[int, LineageNode] = {}
    for ids in chunked(sorted(hops)):
        query = (
            select(av.c.id, av.c.version, av.c.state, art.c.name, art.c.type)
            .join(art, art.c.id == av.c.artifact_id)
            .where(av.c.id.in_(ids))
        )
        for vid, version, state, name, type_ in conn.execute(query):
            out[int(vid)] = LineageNode(
                kind="artifact",
                id=f"{name}:v{version}",
                name=name,
                state=state,
                hops=hops[int(vid)],
                version=int(version),
                type=type_,
            )
    return out


def _run_nodes(conn: Connection, hops: dict[str, int]) -> list[LineageNode]:
    known: dict[str, LineageNode] = {}
    for ids in chunked(sorted(hops)):
        query = (
            select(runs.c.id, runs.c.name, runs.c.status, projects.c.name)
            .join(projects, projects.c.id == runs.c.project_id)
            .where(runs.c.id.in_(ids))
        )
        for run_id, name, status, project in conn.execute(query):
            known[run_id] = LineageNode(
                kind="run", id=run_id, name=name, state=status, hops=hops[run_id], project=project
            )
    # a deleted run keeps its place in the lineage, marked DELETED
    return [
        known.get(run_id) or LineageNode(kind="run", id=run_id, name="", state="DELETED", hops=h)
        for run_id, h in hops.items()
    ]
