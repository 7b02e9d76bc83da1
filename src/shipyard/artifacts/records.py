"""Plain records the artifact service returns and the REST layer serialises."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from shipyard.artifacts.refs import URI_PREFIX

__all__ = [
    "AliasEvent",
    "ArtifactRecord",
    "ArtifactVersionRecord",
    "GcReport",
    "LineageEdge",
    "LineageGraph",
    "LineageNode",
    "VersionState",
]


class VersionState(StrEnum):
    READY = "READY"
    DELETED = "DELETED"


@dataclass(frozen=True)
class ArtifactRecord:
    """An artifact: a name, a type and its versions (counted here, listed separately)."""

    id: int
    name: str
    type: str
    description: str
    created_at: int
    latest_version: int | None = None
    version_count: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "description": self.description,
            "created_at": self.created_at,
            "latest_version": self.latest_version,
            "version_count": self.version_count,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ArtifactRecord:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass(frozen=True)
class ArtifactVersionRecord:
    """One version: ``digest`` is the manifest digest; ``aliases`` are sorted."""

    id: int
    artifact_id: int
    name: str
    type: str
    version: int
    digest: str
    metadata: dict[str, Any]
    producer_run_id: str | None
    created_at: int
    created_by: str
    file_count: int
    total_bytes: int
    state: VersionState
    aliases: tuple[str, ...] = ()
    description: str = ""

    @property
    def ref(self) -> str:
        """``name:vN``."""
        return f"{self.name}:v{self.version}"

    @property
    def uri(self) -> str:
        """``artifacts:/name:vN``."""
        return f"{URI_PREFIX}{self.ref}"

    @property
    def is_ready(self) -> bool:
        return self.state is VersionState.READY

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "artifact_id": self.artifact_id,
            "name": self.name,
            "type": self.type,
            "version": self.version,
            "ref": self.ref,
            "digest": self.digest,
            "metadata": self.metadata,
            "producer_run_id": self.producer_run_id,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "file_count": self.file_count,
            "total_bytes": self.total_bytes,
            "state": self.state.value,
            "aliases": list(self.aliases),
            "description": self.description,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ArtifactVersionRecord:
        values = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        values["state"] = VersionState(values["state"])
        values["aliases"] = tuple(values.get("aliases", ()))
        values["metadata"] = dict(values.get("metadata") or {})
        return cls(**values)


@dataclass(frozen=True)
class AliasEvent:
    """An alias was set, moved or removed (``None`` = it pointed nowhere)."""

    name: str
    alias: str
    from_version: int | None
    to_version: int | None
    user: str
    at: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "alias": self.alias,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "user": self.user,
            "at": self.at,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AliasEvent:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


NodeKind = Literal["run", "artifact"]
EdgeKind = Literal["output", "input"]


@dataclass(frozen=True)
class LineageNode:
    """A run (``id`` = run id) or an artifact version (``id`` = ``name:vN``).

    For a run, ``name`` is the run name, ``state`` its status (``DELETED`` when the run
    is gone but its lineage stays) and ``project`` its project; for a version, ``name``
    is the artifact name with ``version``, ``type`` and ``state`` READY/DELETED.
    ``hops`` counts edges from the node the query started at."""

    kind: NodeKind
    id: str
    name: str
    state: str
    hops: int
    version: int | None = None
    type: str | None = None
    project: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "name": self.name,
            "state": self.state,
            "hops": self.hops,
            "version": self.version,
            "type": self.type,
            "project": self.project,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LineageNode:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass(frozen=True)
class LineageEdge:
    """``run → version`` (``output``: the run logged it) or ``version → run``
    (``input``: the run used it)."""

    source: str
    target: str
    kind: EdgeKind

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "kind": self.kind}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LineageEdge:
        return cls(data["source"], data["target"], data["kind"])


@dataclass(frozen=True)
class LineageGraph:
    """Nodes sorted by (hops, kind, id), edges sorted; ``root`` is the start node's id.

    ``truncated`` is True when lineage goes on beyond the graph: the walk stopped at the
    depth asked (``stopped_by="depth"``) or at a hard cap (``"max_generations"``,
    ``"max_nodes"``)."""

    root: str
    nodes: tuple[LineageNode, ...]
    edges: tuple[LineageEdge, ...]
    truncated: bool = False
    stopped_by: str | None = None

    def node(self, node_id: str) -> LineageNode:
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    @property
    def runs(self) -> list[LineageNode]:
        return [n for n in self.nodes if n.kind == "run"]

    @property
    def versions(self) -> list[LineageNode]:
        return [n for n in self.nodes if n.kind == "artifact"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "nodes": [n.to_dict() for n in self.nodes],
            "edges": [e.to_dict() for e in self.edges],
            "truncated": self.truncated,
            "stopped_by": self.stopped_by,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LineageGraph:
        return cls(
            root=data["root"],
            nodes=tuple(LineageNode.from_dict(n) for n in data["nodes"]),
            edges=tuple(LineageEdge.from_dict(e) for e in data["edges"]),
            truncated=bool(data.get("truncated", False)),
            stopped_by=data.get("stopped_by"),
        )


@dataclass(frozen=True)
class GcReport:
    """What ``ArtifactService.gc`` found and did (``dry_run``: nothing was deleted).

    ``scanned`` blobs were listed; ``kept_recent`` were younger than the grace period,
    ``kept_referenced`` older but still in a manifest; ``deleted`` lists the digests
    removed (``failed``: ``"<digest>: <error>"`` for those the store refused to delete);
    ``stale_uploads`` the abandoned temp uploads removed."""

    scanned: int
    kept_referenced: int
    kept_recent: int
    deleted: tuple[str, ...]
    bytes_freed: int
    stale_uploads: tuple[str, ...] = ()
    dry_run: bool = False
    seconds: float = 0.0
    failed: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "scanned": self.scanned,
            "kept_referenced": self.kept_referenced,
            "kept_recent": self.kept_recent,
            "deleted": list(self.deleted),
            "bytes_freed": self.bytes_freed,
            "stale_uploads": list(self.stale_uploads),
            "dry_run": self.dry_run,
            "seconds": self.seconds,
            "failed": list(self.failed),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GcReport:
        values = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        for key in ("deleted", "stale_uploads", "failed"):
            values[key] = tuple(values.get(key, ()))
        return cls(**values)
