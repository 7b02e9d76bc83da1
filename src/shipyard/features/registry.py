"""Versioned feature definitions in the metadata store.

``apply`` takes the complete set of definitions: a new or changed spec gets the next
version, an identical one is left alone, and stored definitions missing from the set
are reported as removed (and only marked deleted when ``delete=True``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import Engine, and_, func, select, update

from shipyard.core.errors import FeatureNotFoundError, InvalidInputError
from shipyard.core.timeutil import now_ms
from shipyard.features.definitions import spec_digest
from shipyard.features.records import ApplyReport, DefinitionRecord
from shipyard.store.db import read_connection, write_transaction
from shipyard.store.schema_features import feature_definitions as t

__all__ = ["DefinitionSpec", "Registry"]

KINDS = ("entity", "view", "service")
DefinitionSpec = Mapping[str, Any]  # {"kind", "name", "spec"}


def _record(row: Any) -> DefinitionRecord:
    return DefinitionRecord(
        row.kind, row.name, row.version, orjson.loads(row.spec), row.digest,
        row.created_at, row.deleted_at,
    )  # fmt: skip


class Registry:
    """Stores and finds definition versions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def latest(self, kind: str | None = None, *, deleted: bool = False) -> list[DefinitionRecord]:
        """The newest version of every definition (of ``kind``), live ones unless asked."""
        newest = (
            select(t.c.kind, t.c.name, func.max(t.c.version).label("v"))
            .group_by(t.c.kind, t.c.name)
            .subquery()
        )
        query = select(t).join(
            newest,
            and_(t.c.kind == newest.c.kind, t.c.name == newest.c.name, t.c.version == newest.c.v),
        )
        if kind is not None:
            query = query.where(t.c.kind == kind)
        if not deleted:
            query = query.where(t.c.deleted_at.is_(None))
        with read_connection(self.engine) as conn:
            rows = conn.execute(query.order_by(t.c.kind, t.c.name)).all()
        return [_record(r) for r in rows]

    def get(self, kind: str, name: str, version: int | None = None) -> DefinitionRecord:
        """One version (the newest live one by default)."""
        query = select(t).where(t.c.kind == kind, t.c.name == name)
        if version is None:
            query = query.where(t.c.deleted_at.is_(None)).order_by(t.c.version.desc()).limit(1)
        else:
            query = query.where(t.c.version == version)
        with read_connection(self.engine) as conn:
            row = conn.execute(query).first()
        if row is None:
            what = f"{kind} {name!r}" + (f" version {version}" if version else "")
            raise FeatureNotFoundError(f"No {what} is applied", kind=kind, name=name)
        return _record(row)

    def versions(self, kind: str, name: str) -> list[DefinitionRecord]:
        with read_connection(self.engine) as conn:
            rows = conn.execute(
                select(t).where(t.c.kind == kind, t.c.name == name).order_by(t.c.version)
            ).all()
        if not rows:
            raise FeatureNotFoundError(f"No {kind} {name!r} is applied", kind=kind, name=name)
        return [_record(r) for r in rows]

    def apply(self, items: Sequence[DefinitionSpec], *, delete: bool = False) -> ApplyReport:
        """Store new versions of changed definitions; report (and maybe delete) the rest."""
        wanted = _check_items(items)
        current = {(r.kind, r.name): r for r in self.latest(deleted=True)}
        _check_references(wanted, current)
        report = ApplyReport()
        now = now_ms()
        with write_transaction(self.engine) as conn:
            for (kind, name), spec in wanted.items():
                label = f"{kind}:{name}"
                digest = spec_digest(spec)
                old = current.get((kind, name))
                if old is not None and old.deleted_at is None and old.digest == digest:
                    report.unchanged.append(label)
                    report.versions[label] = old.version
                    continue
                version = old.version + 1 if old is not None else 1
                conn.execute(
                    t.insert().values(
                        kind=kind,
                        name=name,
                        version=version,
                        digest=digest,
                        created_at=now,
                        spec=orjson.dumps(spec).decode(),
                    )
                )
                (report.updated if old is not None else report.created).append(label)
                report.versions[label] = version
            for (kind, name), old in current.items():
                if old.deleted_at is not None or (kind, name) in wanted:
                    continue
                report.removed.append(f"{kind}:{name}")
                if delete:
                    conn.execute(
                        update(t)
                        .where(t.c.kind == kind, t.c.name == name, t.c.deleted_at.is_(None))
                        .values(deleted_at=now)
                    )
                    report.deleted.append(f"{kind}:{name}")
        return report


def _check_items(items: Sequence[DefinitionSpec]) -> dict[tuple[str, str], dict[str, Any]]:
    wanted: dict[tuple[str, str], dict[str, Any]] = {}
    for item in items:
        kind, name, spec = item.get("kind"), item.get("name"), item.get("spec")
        if kind not in KINDS or not isinstance(name, str) or not isinstance(spec, dict):
            raise InvalidInputError(f"A definition needs kind in {KINDS}, a name and a spec")
        if (kind, name) in wanted:
            raise InvalidInputError(f"{kind} {name!r} is defined twice")
        wanted[(kind, name)] = spec
    return wanted


def _check_references(
    wanted: Mapping[tuple[str, str], dict[str, Any]],
    current: Mapping[tuple[str, str], DefinitionRecord],
) -> None:
    """Views name known entities; services name known views and features."""

    def spec_of(kind: str, name: str) -> dict[str, Any] | None:
        if (kind, name) in wanted:
            return wanted[(kind, name)]
        old = current.get((kind, name))
        return old.spec if old is not None and old.deleted_at is None else None

    for (kind, name), spec in wanted.items():
        if kind == "view":
            for entity in spec.get("entities", []):
                if spec_of("entity", entity) is None:
                    raise FeatureNotFoundError(
                        f"Feature view {name!r} uses entity {entity!r}, which is not applied",
                        kind="entity", name=entity,
                    )  # fmt: skip
        if kind == "service":
            for ref in spec.get("features", []):
                view_name, _, feature = str(ref).partition(":")
                view = spec_of("view", view_name)
                if view is None or feature not in {f["name"] for f in view["schema"]}:
                    raise FeatureNotFoundError(
                        f"Feature service {name!r} uses {ref!r}, which no applied view has",
                        kind="feature", name=str(ref),
                    )  # fmt: skip
