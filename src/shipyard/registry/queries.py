"""SQL helpers of the registry: row lookups and loading rows into entities."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, RowMapping, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite

from shipyard.core.errors import (
    AliasNotFoundError,
    ModelVersionNotFoundError,
    RegisteredModelNotFoundError,
    StoreError,
)
from shipyard.registry.entities import AuditEvent, ModelVersion, RegisteredModel
from shipyard.registry.names import ModelStage, VersionStatus
from shipyard.store.schema_registry import (
    model_aliases,
    model_audit_events,
    model_version_tags,
    model_versions,
    registered_model_tags,
    registered_models,
)

READY = VersionStatus.READY.value
CHUNK = 500


def insert_ignore(conn: Connection, table: Table, row: Mapping[str, Any], key: str) -> bool:
    """INSERT … ON CONFLICT (key) DO NOTHING on SQLite and PostgreSQL; True if inserted."""
    name = conn.dialect.name
    if name == "postgresql":
        stmt: Any = postgresql.insert(table).on_conflict_do_nothing(index_elements=[key])
    elif name == "sqlite":
        stmt = sqlite.insert(table).on_conflict_do_nothing(index_elements=[key])
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise StoreError(f"The model registry does not support the {name!r} database")
    return conn.execute(stmt.values(dict(row)).returning(table.c[key])).first() is not None


def model_row(conn: Connection, name: str, *, lock: bool = False) -> RowMapping:
    """The registered model's row; with ``lock`` it stays locked until the transaction
    ends (PostgreSQL ``FOR UPDATE``; SQLite write transactions are serialised anyway)."""
    query = select(registered_models).where(registered_models.c.name == name)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise RegisteredModelNotFoundError(f"Registered model {name!r} does not exist", name=name)
    return row


def version_row(
    conn: Connection, model: RowMapping, version: int, *, include_deleted: bool = False
) -> RowMapping:
    mv = model_versions
    row = (
        conn.execute(select(mv).where(mv.c.model_id == model["id"], mv.c.version == version))
        .mappings()
        .first()
    )
    name = model["name"]
    if row is None:
        raise ModelVersionNotFoundError(
            f"Registered model {name!r} has no version {version}", name=name, version=version
        )
    if row["status"] != READY and not include_deleted:
        raise ModelVersionNotFoundError(
            f"Version {version} of registered model {name!r} was deleted",
            name=name,
            version=version,
        )
    return row


def alias_version_row(conn: Connection, model: RowMapping, alias: str) -> RowMapping:
    ma, mv = model_aliases, model_versions
    row = (
        conn.execute(
            select(mv)
            .join(ma, ma.c.version_id == mv.c.id)
            .where(ma.c.model_id == model["id"], ma.c.alias == alias)
        )
        .mappings()
        .first()
    )
    if row is None:
        name = model["name"]
        raise AliasNotFoundError(
            f"Registered model {name!r} has no alias {alias!r}", name=name, alias=alias
        )
    return row


def latest_row(conn: Connection, model: RowMapping, stage: ModelStage | None = None) -> RowMapping:
    """The newest READY version (in ``stage`` if given)."""
    mv = model_versions
    where = (mv.c.model_id == model["id"]) & (mv.c.status == READY)
    if stage is not None:
        where = where & (mv.c.stage == stage.value)
    row = conn.execute(select(mv).where(where).order_by(mv.c.version.desc()).limit(1))
    found = row.mappings().first()
    if found is None:
        name = model["name"]
        what = f"in stage {stage.value}" if stage is not None else "that is not deleted"
        raise ModelVersionNotFoundError(
            f"Registered model {name!r} has no version {what}", name=name
        )
    return found


def load_versions(
    conn: Connection, name: str, where: ColumnElement[bool], *, newest_first: bool = True
) -> list[ModelVersion]:
    """Versions matching ``where`` (rows of ``model_versions``) as entities of model ``name``."""
    mv = model_versions
    order = mv.c.version.desc() if newest_first else mv.c.version
    rows = conn.execute(select(mv).where(where).order_by(order)).mappings().all()
    ids = [int(r["id"]) for r in rows]
    aliases: dict[int, list[str]] = {i: [] for i in ids}
    tags: dict[int, dict[str, str]] = {i: {} for i in ids}
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        for a in conn.execute(
            select(model_aliases.c.version_id, model_aliases.c.alias)
            .where(model_aliases.c.version_id.in_(part))
            .order_by(model_aliases.c.alias)
        ):
            aliases[int(a.version_id)].append(a.alias)
        t = model_version_tags
        for tag in conn.execute(select(t).where(t.c.version_id.in_(part))):
            tags[int(tag.version_id)][tag.key] = tag.value
    return [_version(name, r, aliases[int(r["id"])], tags[int(r["id"])]) for r in rows]


def load_version(conn: Connection, name: str, version_id: int) -> ModelVersion:
    return load_versions(conn, name, model_versions.c.id == version_id)[0]


def _version(name: str, row: RowMapping, aliases: list[str], tags: dict[str, str]) -> ModelVersion:
    return ModelVersion(
        name=name,
        version=int(row["version"]),
        artifact_ref=row["artifact_ref"],
        artifact_version_id=int(row["artifact_version_id"]),
        run_id=row["run_id"],
        aliases=aliases,
        stage=ModelStage(row["stage"]),
        status=VersionStatus(row["status"]),
        description=row["description"],
        tags=tags,
        created_at=int(row["created_at"]),
        updated_at=int(row["updated_at"]),
        created_by=row["created_by"],
    )


def load_models(conn: Connection, rows: Sequence[RowMapping]) -> list[RegisteredModel]:
    """Entities for ``registered_models`` rows, in the order given."""
    ids = [int(r["id"]) for r in rows]
    tags: dict[int, dict[str, str]] = {i: {} for i in ids}
    aliases: dict[int, dict[str, int]] = {i: {} for i in ids}
    stats: dict[int, tuple[int, int | None]] = {}
    mv, ma, t = model_versions, model_aliases, registered_model_tags
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        for tag in conn.execute(select(t).where(t.c.model_id.in_(part))):
            tags[int(tag.model_id)][tag.key] = tag.value
        alias_rows = conn.execute(
            select(ma.c.model_id, ma.c.alias, mv.c.version)
            .join(mv, mv.c.id == ma.c.version_id)
            .where(ma.c.model_id.in_(part))
            .order_by(ma.c.alias)
        )
        for a in alias_rows:
            aliases[int(a.model_id)][a.alias] = int(a.version)
        counts = conn.execute(
            select(mv.c.model_id, func.count(), func.max(mv.c.version))
            .where(mv.c.model_id.in_(part), mv.c.status == READY)
            .group_by(mv.c.model_id)
        )
        for model_id, count, top in counts:
            stats[int(model_id)] = (int(count), None if top is None else int(top))
    out = []
    for r in rows:
        count, top = stats.get(int(r["id"]), (0, None))
        out.append(
            RegisteredModel(
                name=r["name"],
                description=r["description"],
                model_card=r["model_card"],
                tags=tags[int(r["id"])],
                aliases=aliases[int(r["id"])],
                latest_version=top,
                version_count=count,
                created_at=int(r["created_at"]),
                updated_at=int(r["updated_at"]),
                created_by=r["created_by"],
            )
        )
    return out


def load_events(conn: Connection, name: str) -> list[AuditEvent]:
    ev = model_audit_events
    rows = conn.execute(select(ev).where(ev.c.model_name == name).order_by(ev.c.id)).mappings()
    return [event_from_row(dict(r)) for r in rows]


def event_from_row(r: Mapping[str, Any]) -> AuditEvent:
    return AuditEvent(
        id=int(r["id"]),
        name=r["model_name"],
        kind=r["kind"],
        at=int(r["at"]),
        user=r["user"],
        version=r["version"],
        alias=r["alias"],
        from_value=r["from_value"],
        to_value=r["to_value"],
        comment=r["comment"],
        details=json.loads(r["details"] or "{}"),
    )
