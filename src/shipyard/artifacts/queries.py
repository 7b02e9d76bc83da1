"""SQL helpers of the artifact service: lookups, record loading, portable upserts."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, RowMapping, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from shipyard.artifacts.manifest import FileEntry
from shipyard.artifacts.records import ArtifactVersionRecord, VersionState
from shipyard.artifacts.refs import LATEST
from shipyard.core.errors import ArtifactNotFoundError, StoreError
from shipyard.store.schema import artifact_aliases, artifact_files, artifact_versions, artifacts

T = TypeVar("T")
CHUNK = 500  # ids per IN (...) list: well under every database's bound-parameter limit


def chunked(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert_ignore(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], keys: Sequence[str]
) -> None:
    """INSERT … ON CONFLICT (keys) DO NOTHING, on SQLite and PostgreSQL."""
    if not rows:
        return
    name = conn.dialect.name
    if name == "postgresql":
        stmt: Any = postgresql.insert(table).on_conflict_do_nothing(index_elements=list(keys))
    elif name == "sqlite":
        stmt = sqlite.insert(table).on_conflict_do_nothing(index_elements=list(keys))
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise StoreError(f"Artifacts do not support the {name!r} database")
    conn.execute(stmt, list(rows))


def artifact_row(conn: Connection, name: str, *, lock: bool = False) -> RowMapping:
    """The artifact's row; with ``lock``, locked until the transaction ends (PostgreSQL
    ``FOR UPDATE``; SQLite write transactions are already serialised)."""
    query = select(artifacts).where(artifacts.c.name == name)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise ArtifactNotFoundError(f"Artifact {name!r} does not exist", name=name)
    return row


def find_version_id(
    conn: Connection, artifact: RowMapping, version: int | None, alias: str | None
) -> int:
    """The id of the version a selector names (any state), or ``ArtifactNotFoundError``."""
    av = artifact_versions
    if version is not None:
        query = select(av.c.id).where(av.c.artifact_id == artifact["id"], av.c.version == version)
        missing = f"Artifact {artifact['name']!r} has no version v{version}"
    else:
        aa = artifact_aliases
        query = select(aa.c.version_id).where(
            aa.c.artifact_id == artifact["id"], aa.c.alias == alias
        )
        missing = (
            f"Artifact {artifact['name']!r} has no versions"
            if alias == LATEST
            else f"Artifact {artifact['name']!r} has no alias {alias!r}"
        )
    found = conn.execute(query).scalar()
    if found is None:
        ref = f"v{version}" if version is not None else str(alias)
        raise ArtifactNotFoundError(missing, name=artifact["name"], ref=ref)
    return int(found)


def load_versions(
    conn: Connection, where: ColumnElement[bool], *, order_desc: bool = False
) -> list[ArtifactVersionRecord]:
    av, art = artifact_versions, artifacts
    order = av.c.version.desc() if order_desc else av.c.version
    query = (
        select(
            av,
            art.c.name.label("artifact_name"),
            art.c.type.label("artifact_type"),
            art.c.description.label("artifact_description"),
        )
        .join(art, art.c.id == av.c.artifact_id)
        .where(where)
        .order_by(art.c.name, order)
    )
    rows = conn.execute(query).mappings().all()
    aliases = _aliases_of(conn, [int(r["id"]) for r in rows])
    return [_version_record(r, aliases.get(int(r["id"]), [])) for r in rows]


def load_version(conn: Connection, version_id: int) -> ArtifactVersionRecord:
    found = load_versions(conn, artifact_versions.c.id == version_id)
    if not found:
        raise ArtifactNotFoundError(f"No artifact version has id {version_id}")
    return found[0]


def _aliases_of(conn: Connection, version_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    aa = artifact_aliases
    for ids in chunked(version_ids):
        query = select(aa.c.version_id, aa.c.alias).where(aa.c.version_id.in_(ids))
        for vid, alias in conn.execute(query):
            out.setdefault(int(vid), []).append(alias)
    return out


def _version_record(row: RowMapping, aliases: list[str]) -> ArtifactVersionRecord:
    return ArtifactVersionRecord(
        id=int(row["id"]),
        artifact_id=int(row["artifact_id"]),
        name=row["artifact_name"],
        type=row["artifact_type"],
        version=int(row["version"]),
        digest=row["digest"],
        metadata=json.loads(row["metadata"]),
        producer_run_id=row["producer_run_id"],
        created_at=int(row["created_at"]),
        created_by=row["created_by"],
        file_count=int(row["file_count"]),
        total_bytes=int(row["total_bytes"]),
        state=VersionState(row["state"]),
        aliases=tuple(sorted(aliases)),
        description=row["artifact_description"],
    )


def load_files(conn: Connection, version_id: int) -> list[FileEntry]:
    af = artifact_files
    query = (
        select(af.c.path, af.c.digest, af.c.size, af.c.ref_uri, af.c.ref_etag)
        .where(af.c.version_id == version_id)
        .order_by(af.c.path)
    )
    rows = conn.execute(query).all()
    entries = [FileEntry(p, d, int(s), u, e) for p, d, s, u, e in rows]
    # PostgreSQL may collate paths differently from Python; manifests sort by code point.
    entries.sort(key=lambda e: e.path)
    return entries
