"""Writes inside one transaction: artifacts, versions, files, aliases and their events.

Every function takes a connection inside ``write_transaction`` whose artifact row is
locked (``lock_or_create_artifact``), so version numbers and alias moves of one artifact
never race: SQLite serialises writers with ``BEGIN IMMEDIATE``, PostgreSQL waits on the
row lock (``SELECT … FOR UPDATE``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, select, update

from shipyard.artifacts.manifest import FileEntry
from shipyard.artifacts.queries import insert_ignore
from shipyard.artifacts.records import VersionState
from shipyard.artifacts.refs import LATEST
from shipyard.core.errors import InvalidInputError, RunNotFoundError
from shipyard.core.timeutil import now_ms
from shipyard.store.schema import (
    alias_events,
    artifact_aliases,
    artifact_files,
    artifact_usage,
    artifact_versions,
    artifacts,
    runs,
)

READY = VersionState.READY.value
DELETED = VersionState.DELETED.value


def lock_or_create_artifact(
    conn: Connection, name: str, type_: str, description: str | None
) -> RowMapping:
    """The artifact's row, created if missing, locked for the rest of the transaction."""
    row = {"name": name, "type": type_, "description": description or "", "created_at": now_ms()}
    insert_ignore(conn, artifacts, [row], ["name"])
    art = conn.execute(select(artifacts).where(artifacts.c.name == name).with_for_update())
    found = art.mappings().one()
    if found["type"] != type_:
        raise InvalidInputError(
            f"Artifact {name!r} is of type {found['type']!r}, not {type_!r}",
            name=name,
            type=found["type"],
        )
    if description is not None and description != found["description"]:
        conn.execute(
            update(artifacts).where(artifacts.c.id == found["id"]).values(description=description)
        )
    return found


def require_run(conn: Connection, run_id: str) -> None:
    if conn.execute(select(runs.c.id).where(runs.c.id == run_id)).first() is None:
        raise RunNotFoundError(f"Run {run_id!r} does not exist", run_id=run_id)


def store_version(
    conn: Connection,
    art: RowMapping,
    files: Sequence[FileEntry],
    digest: str,
    values: dict[str, Any],
) -> int:
    """The id of the version holding exactly ``files``: an existing READY one, a DELETED
    one brought back (same number), or a new one numbered max + 1 that ``latest`` moves to.
    ``values`` holds metadata, producer_run_id and created_by."""
    av = artifact_versions
    existing = conn.execute(
        select(av.c.id, av.c.state).where(av.c.artifact_id == art["id"], av.c.digest == digest)
    ).first()
    if existing is not None and existing.state == READY:
        return int(existing.id)
    row = {
        **values,
        "created_at": now_ms(),
        "file_count": len(files),
        "total_bytes": sum(f.size for f in files),
        "state": READY,
    }
    user = str(values.get("created_by", ""))
    if existing is not None:  # identical content was deleted before: it comes back
        vid = int(existing.id)
        conn.execute(update(av).where(av.c.id == vid).values(row))
        insert_files(conn, vid, files)
        ensure_latest(conn, art, user)
        return vid
    top = conn.execute(select(func.max(av.c.version)).where(av.c.artifact_id == art["id"]))
    number = int(top.scalar() or 0) + 1
    inserted = conn.execute(
        av.insert().values(artifact_id=art["id"], version=number, digest=digest, **row)
    ).inserted_primary_key
    assert inserted is not None
    vid = int(inserted[0])
    insert_files(conn, vid, files)
    move_alias(conn, art, LATEST, vid, user)
    return vid


def insert_files(conn: Connection, version_id: int, files: Sequence[FileEntry]) -> None:
    if files:
        conn.execute(
            artifact_files.insert(),
            [
                {
                    "version_id": version_id,
                    "path": f.path,
                    "digest": f.digest,
                    "size": f.size,
                    "ref_uri": f.ref_uri,
                    "ref_etag": f.ref_etag,
                }
                for f in files
            ],
        )


def record_usage(conn: Connection, run_id: str, version_id: int, direction: str) -> None:
    row = {
        "run_id": run_id,
        "version_id": version_id,
        "direction": direction,
        "created_at": now_ms(),
    }
    insert_ignore(conn, artifact_usage, [row], ["run_id", "version_id", "direction"])


def _numbers(conn: Connection, *version_ids: int | None) -> dict[int, int]:
    ids = [v for v in version_ids if v is not None]
    if not ids:
        return {}
    av = artifact_versions
    rows = conn.execute(select(av.c.id, av.c.version).where(av.c.id.in_(ids)))
    return {int(i): int(n) for i, n in rows}


def _event(
    conn: Connection, art_id: int, alias: str, move: tuple[int | None, int | None], user: str
) -> None:
    from_v, to_v = move
    conn.execute(
        alias_events.insert().values(
            artifact_id=art_id,
            alias=alias,
            from_version=from_v,
            to_version=to_v,
            user=user,
            at=now_ms(),
        )
    )


def current_alias(conn: Connection, art_id: int, alias: str) -> int | None:
    aa = artifact_aliases
    found = conn.execute(
        select(aa.c.version_id).where(aa.c.artifact_id == art_id, aa.c.alias == alias)
    ).scalar()
    return None if found is None else int(found)


def move_alias(conn: Connection, art: RowMapping, alias: str, version_id: int, user: str) -> None:
    """Point ``alias`` at ``version_id`` and record the move (nothing if it already does)."""
    aa = artifact_aliases
    art_id = int(art["id"])
    current = current_alias(conn, art_id, alias)
    if current == version_id:
        return
    numbers = _numbers(conn, current, version_id)
    if current is None:
        conn.execute(aa.insert().values(artifact_id=art_id, alias=alias, version_id=version_id))
    else:
        conn.execute(
            update(aa)
            .where(aa.c.artifact_id == art_id, aa.c.alias == alias)
            .values(version_id=version_id)
        )
    from_v = None if current is None else numbers.get(current)
    _event(conn, art_id, alias, (from_v, numbers[version_id]), user)


def drop_alias(conn: Connection, art: RowMapping, alias: str, user: str) -> bool:
    """Remove ``alias`` and record it; False if the artifact had no such alias."""
    aa = artifact_aliases
    art_id = int(art["id"])
    current = current_alias(conn, art_id, alias)
    if current is None:
        return False
    conn.execute(delete(aa).where(aa.c.artifact_id == art_id, aa.c.alias == alias))
    _event(conn, art_id, alias, (_numbers(conn, current).get(current), None), user)
    return True


def ensure_latest(conn: Connection, art: RowMapping, user: str) -> None:
    """Make ``latest`` point at a READY version: kept where it is if it already does,
    otherwise moved to the highest READY version (or removed when none is left)."""
    av = artifact_versions
    art_id = int(art["id"])
    current = current_alias(conn, art_id, LATEST)
    if current is not None:
        state = conn.execute(select(av.c.state).where(av.c.id == current)).scalar()
        if state == READY:
            return
    top = conn.execute(
        select(av.c.id)
        .where(av.c.artifact_id == art_id, av.c.state == READY)
        .order_by(av.c.version.desc())
        .limit(1)
    ).scalar()
    if top is not None:
        move_alias(conn, art, LATEST, int(top), user)
    elif current is not None:
        drop_alias(conn, art, LATEST, user)


def mark_deleted(conn: Connection, art: RowMapping, version_id: int, user: str) -> None:
    """DELETED state, files and aliases gone, ``latest`` moved back; usage rows stay."""
    aa = artifact_aliases
    aliases = conn.execute(select(aa.c.alias).where(aa.c.version_id == version_id)).scalars()
    for alias in sorted(aliases):
        if alias != LATEST:  # latest is moved, not dropped, below
            drop_alias(conn, art, alias, user)
    conn.execute(delete(artifact_files).where(artifact_files.c.version_id == version_id))
    conn.execute(
        update(artifact_versions).where(artifact_versions.c.id == version_id).values(state=DELETED)
    )
    ensure_latest(conn, art, user)
