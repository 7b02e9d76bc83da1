"""Feature definitions: entities, fields, sources, feature views and feature services.

Definitions are plain objects a user writes in Python (or a ``defs.py`` for
``shipyard features apply``). Each turns into a JSON spec; the registry stores specs
versioned by their digest, so a changed definition becomes a new version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

import orjson

from shipyard.core.errors import InvalidInputError

__all__ = [
    "DTYPES",
    "Definition",
    "Entity",
    "FeatureSelection",
    "FeatureService",
    "FeatureView",
    "Field",
    "FileSource",
    "Kind",
    "SqlSource",
    "definition_from_spec",
    "spec_digest",
]

Kind = Literal["entity", "view", "service"]
DTYPES = ("int64", "int32", "float64", "float32", "string", "bool", "timestamp")
NAME_MAX = 200
_RESERVED_PREFIX = "__"


def _check_name(name: str, what: str) -> str:
    if not isinstance(name, str) or not name or len(name) > NAME_MAX:
        raise InvalidInputError(f"{what} name must be 1..{NAME_MAX} characters, got {name!r}")
    if not all(c.isalnum() or c in "_-." for c in name) or name.startswith(_RESERVED_PREFIX):
        raise InvalidInputError(
            f"{what} name {name!r} may hold letters, digits, '_', '-' and '.' "
            "and must not start with '__'"
        )
    return name


def spec_digest(spec: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a spec: equal definitions, equal digests."""
    return hashlib.sha256(orjson.dumps(spec, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass(frozen=True)
class Entity:
    """A thing features describe, identified by one or more join key columns."""

    name: str
    join_keys: Sequence[str] = ()
    description: str = ""

    def __post_init__(self) -> None:
        _check_name(self.name, "Entity")
        keys = list(self.join_keys) or [self.name]
        for key in keys:
            _check_name(key, "Join key")
        object.__setattr__(self, "join_keys", tuple(keys))

    kind: Kind = field(default="entity", init=False)

    def to_spec(self) -> dict[str, Any]:
        return {"join_keys": list(self.join_keys), "description": self.description}


@dataclass(frozen=True)
class Field:
    """A feature column: type, nullability and optional declared range or allowed values."""

    name: str
    dtype: str = "float64"
    nullable: bool = True
    min: float | None = None
    max: float | None = None
    allowed: Sequence[Any] | None = None
    description: str = ""

    def __post_init__(self) -> None:
        _check_name(self.name, "Field")
        if self.dtype not in DTYPES:
            raise InvalidInputError(
                f"Field {self.name!r} has unknown dtype {self.dtype!r}; use one of {DTYPES}"
            )
        if self.min is not None and self.max is not None and self.min > self.max:
            raise InvalidInputError(f"Field {self.name!r}: min {self.min} > max {self.max}")
        if self.allowed is not None:
            object.__setattr__(self, "allowed", tuple(self.allowed))

    def to_spec(self) -> dict[str, Any]:
        return {
            "name": self.name, "dtype": self.dtype, "nullable": self.nullable,
            "min": self.min, "max": self.max,
            "allowed": list(self.allowed) if self.allowed is not None else None,
            "description": self.description,
        }  # fmt: skip

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Field:
        return cls(
            spec["name"], spec["dtype"], bool(spec.get("nullable", True)), spec.get("min"),
            spec.get("max"), spec.get("allowed"), spec.get("description", ""),
        )  # fmt: skip


@dataclass(frozen=True)
class FileSource:
    """CSV or Parquet data: a file, a folder, or a glob; local or ``s3://``."""

    path: str
    timestamp_field: str = "event_timestamp"
    created_timestamp_field: str | None = None
    format: Literal["parquet", "csv"] | None = None

    def __post_init__(self) -> None:
        if not self.path:
            raise InvalidInputError("FileSource needs a path")
        fmt = self.format or ("csv" if self.path.lower().endswith((".csv", ".csv.gz")) else None)
        object.__setattr__(self, "format", fmt or "parquet")
        if self.format not in ("parquet", "csv"):
            raise InvalidInputError(f"FileSource format must be parquet or csv: {self.format!r}")

    def to_spec(self) -> dict[str, Any]:
        return {
            "type": "file", "path": self.path, "format": self.format,
            "timestamp_field": self.timestamp_field,
            "created_timestamp_field": self.created_timestamp_field,
        }  # fmt: skip


@dataclass(frozen=True)
class SqlSource:
    """A table or a query of any database SQLAlchemy reaches (``url`` is a SQLAlchemy URL)."""

    url: str
    table: str | None = None
    query: str | None = None
    timestamp_field: str = "event_timestamp"
    created_timestamp_field: str | None = None

    def __post_init__(self) -> None:
        if (self.table is None) == (self.query is None):
            raise InvalidInputError("SqlSource needs exactly one of table= or query=")

    def to_spec(self) -> dict[str, Any]:
        return {
            "type": "sql", "url": self.url, "table": self.table, "query": self.query,
            "timestamp_field": self.timestamp_field,
            "created_timestamp_field": self.created_timestamp_field,
        }  # fmt: skip


Source = FileSource | SqlSource


def source_from_spec(spec: Mapping[str, Any] | None) -> Source | None:
    if spec is None:
        return None
    common = {
        "timestamp_field": spec["timestamp_field"],
        "created_timestamp_field": spec.get("created_timestamp_field"),
    }
    if spec["type"] == "file":
        return FileSource(spec["path"], format=spec.get("format"), **common)
    return SqlSource(spec["url"], table=spec.get("table"), query=spec.get("query"), **common)


@dataclass(frozen=True)
class FeatureSelection:
    """Some features of one view, as in ``weather[["temp", "wind_speed"]]``."""

    view: str
    features: tuple[str, ...]

    def refs(self) -> list[str]:
        return [f"{self.view}:{f}" for f in self.features]


@dataclass(frozen=True)
class FeatureView:
    """Features of some entities over time, from a source or from pushed DataFrames.

    ``ttl`` bounds how old a value may be and still count (historical and online);
    ``None`` means forever. The event time column is the source's ``timestamp_field``
    (or ``timestamp_field`` here for views fed only by ``ingest``).
    """

    name: str
    entities: Sequence[Entity]
    schema: Sequence[Field]
    source: Source | None = None
    ttl: timedelta | None = None
    timestamp_field: str | None = None
    created_timestamp_field: str | None = None
    description: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)

    kind: Kind = field(default="view", init=False)

    def __post_init__(self) -> None:
        _check_name(self.name, "FeatureView")
        if not self.entities:
            raise InvalidInputError(f"FeatureView {self.name!r} needs at least one entity")
        names = [f.name for f in self.schema]
        if not names or len(set(names)) != len(names):
            raise InvalidInputError(f"FeatureView {self.name!r} needs unique, non-empty fields")
        clash = set(names) & set(self.join_keys)
        if clash:
            raise InvalidInputError(f"FeatureView {self.name!r}: fields {clash} are join keys")
        if self.ttl is not None and self.ttl <= timedelta(0):
            raise InvalidInputError(f"FeatureView {self.name!r}: ttl must be positive")
        object.__setattr__(self, "entities", tuple(self.entities))
        object.__setattr__(self, "schema", tuple(self.schema))

    @property
    def join_keys(self) -> list[str]:
        return list(dict.fromkeys(k for e in self.entities for k in e.join_keys))

    @property
    def event_timestamp_field(self) -> str:
        if self.timestamp_field:
            return self.timestamp_field
        return self.source.timestamp_field if self.source else "event_timestamp"

    @property
    def created_field(self) -> str | None:
        if self.created_timestamp_field:
            return self.created_timestamp_field
        return self.source.created_timestamp_field if self.source else None

    def __getitem__(self, features: str | Sequence[str]) -> FeatureSelection:
        wanted = [features] if isinstance(features, str) else list(features)
        known = {f.name for f in self.schema}
        for name in wanted:
            if name not in known:
                raise InvalidInputError(f"FeatureView {self.name!r} has no feature {name!r}")
        return FeatureSelection(self.name, tuple(wanted))

    def to_spec(self) -> dict[str, Any]:
        return {
            "entities": [e.name for e in self.entities],
            "join_keys": self.join_keys,
            "schema": [f.to_spec() for f in self.schema],
            "source": self.source.to_spec() if self.source else None,
            "ttl_s": self.ttl.total_seconds() if self.ttl is not None else None,
            "timestamp_field": self.event_timestamp_field,
            "created_timestamp_field": self.created_field,
            "description": self.description,
            "tags": dict(self.tags),
        }


@dataclass(frozen=True)
class FeatureService:
    """A named set of features a model consumes (whole views or selections of them)."""

    name: str
    features: Sequence[FeatureView | FeatureSelection]
    description: str = ""

    kind: Kind = field(default="service", init=False)

    def __post_init__(self) -> None:
        _check_name(self.name, "FeatureService")
        if not self.features:
            raise InvalidInputError(f"FeatureService {self.name!r} needs features")
        object.__setattr__(self, "features", tuple(self.features))

    def refs(self) -> list[str]:
        out: list[str] = []
        for item in self.features:
            sel = (
                item if isinstance(item, FeatureSelection) else item[[f.name for f in item.schema]]
            )
            out.extend(sel.refs())
        return list(dict.fromkeys(out))

    def to_spec(self) -> dict[str, Any]:
        return {"features": self.refs(), "description": self.description}


Definition = Entity | FeatureView | FeatureService


def view_from_spec(name: str, spec: Mapping[str, Any], entities: Iterable[Entity]) -> FeatureView:
    ttl = spec.get("ttl_s")
    return FeatureView(
        name, tuple(entities), [Field.from_spec(f) for f in spec["schema"]],
        source=source_from_spec(spec.get("source")),
        ttl=timedelta(seconds=ttl) if ttl is not None else None,
        timestamp_field=spec.get("timestamp_field"),
        created_timestamp_field=spec.get("created_timestamp_field"),
        description=spec.get("description", ""), tags=spec.get("tags") or {},
    )  # fmt: skip


def definition_from_spec(kind: str, name: str, spec: Mapping[str, Any]) -> Definition:
    """Rebuild a definition object from a stored spec (views get stub entities)."""
    if kind == "entity":
        return Entity(name, spec["join_keys"], spec.get("description", ""))
    if kind == "view":
        ents = [Entity(e, [e]) for e in spec["entities"]]
        if len(ents) == 1:
            ents = [Entity(spec["entities"][0], spec["join_keys"])]
        return view_from_spec(name, spec, ents)
    if kind == "service":
        sels: dict[str, list[str]] = {}
        for ref in spec["features"]:
            view, feat = ref.split(":", 1)
            sels.setdefault(view, []).append(feat)
        items = [FeatureSelection(v, tuple(fs)) for v, fs in sels.items()]
        return FeatureService(name, items, spec.get("description", ""))
    raise InvalidInputError(f"Unknown definition kind {kind!r}")
