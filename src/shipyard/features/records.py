"""Plain records the feature service returns (and the REST API sends as JSON)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["ApplyReport", "DefinitionRecord", "IngestionRecord", "MaterializationRecord"]


@dataclass(frozen=True)
class DefinitionRecord:
    """One stored version of an entity, feature view or feature service."""

    kind: str
    name: str
    version: int
    spec: dict[str, Any]
    digest: str
    created_at: int
    deleted_at: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DefinitionRecord:
        return cls(**data)


@dataclass(frozen=True)
class ApplyReport:
    """What ``apply`` did: ``kind:name`` lists; ``removed`` are stored definitions the
    applied set lacks (deleted only when ``delete=True``, then also in ``deleted``)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ApplyReport:
        return cls(**data)


@dataclass(frozen=True)
class IngestionRecord:
    """One ingested batch: rows, event time range (ms), files and column statistics."""

    id: int
    view_name: str
    view_version: int
    rows: int
    min_ts: int | None
    max_ts: int | None
    files: list[str]
    stats: dict[str, Any]
    created_at: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IngestionRecord:
        return cls(**data)


@dataclass(frozen=True)
class MaterializationRecord:
    """Where materialization of one view into one online store stopped."""

    view_name: str
    store: str
    end_ts: int
    last_ingestion_id: int
    rows: int
    updated_at: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MaterializationRecord:
        return cls(**data)
