"""The artifact service: versions, manifests, aliases, lineage and garbage collection.

Both the embedded backend and the server call this; it holds the business rules so no
adapter repeats them:

* a version is its manifest: committing files whose manifest digest an existing READY
  version has returns that version (identical content never makes a new version; the
  metadata of the first commit stays). Content of a DELETED version brings that version
  back under its old number;
* versions are numbered v1, v2, … per artifact, never reused;
* ``latest`` moves to each new version by itself and falls back to the highest READY
  version when the one it points at is deleted. It may also be set by hand like any
  alias (it stays there until the next new version). Custom aliases are unique per
  artifact, may only point at READY versions, and every move is recorded;
* lineage edges (``artifact_usage``) are kept when a run or a version is deleted;
  deleting a version other runs consumed needs ``force``.

Bytes live in the blob store (``shipyard.store.blobs``); this service only records
digests. Upload blobs first, then commit the manifest.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, func, select

from shipyard.artifacts import gc as gc_
from shipyard.artifacts import lineage as lineage_
from shipyard.artifacts import queries as q
from shipyard.artifacts import writes as w
from shipyard.artifacts.manifest import FileEntry, ManifestDiff, diff, normalized_manifest
from shipyard.artifacts.records import (
    AliasEvent,
    ArtifactRecord,
    ArtifactVersionRecord,
    GcReport,
    LineageGraph,
    VersionState,
)
from shipyard.artifacts.refs import (
    LATEST,
    ArtifactRef,
    check_alias,
    check_artifact_name,
    check_artifact_type,
    parse_ref,
    parse_version_selector,
)
from shipyard.core.errors import ArtifactInUseError, ArtifactNotFoundError, InvalidInputError
from shipyard.core.ids import is_run_id
from shipyard.store.db import read_connection, write_transaction
from shipyard.store.schema import (
    alias_events,
    artifact_aliases,
    artifact_usage,
    artifact_versions,
    artifacts,
)

__all__ = ["ArtifactService"]

MAX_METADATA_CHARS = 1_000_000
MAX_DESCRIPTION_CHARS = 65_536
MAX_USER_CHARS = 256
_LISTED_CONSUMERS = 20

Ref = str | int | None


class ArtifactService:
    """Business operations on artifacts over one metadata database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- writing versions -------------------------------------------------------------
    def commit_version(
        self,
        name: str,
        type: str,
        entries: Iterable[FileEntry],
        *,
        metadata: Mapping[str, Any] | None = None,
        run_id: str | None = None,
        aliases: Sequence[str] = (),
        description: str | None = None,
        user: str = "",
    ) -> ArtifactVersionRecord:
        """Record a version of ``name`` holding ``entries`` (blobs already uploaded).

        Returns the new version, or the existing READY one with the same content. Either
        way ``aliases`` are pointed at it and ``run_id`` (which must exist) is recorded as
        a producer (an output edge)."""
        name = check_artifact_name(name)
        type_ = check_artifact_type(type)
        files, digest = normalized_manifest(entries)
        values = {
            "metadata": _metadata_json(metadata),
            "producer_run_id": _check_run_id(run_id),
            "created_by": _check_user(user),
        }
        wanted = list(dict.fromkeys(check_alias(a) for a in aliases))
        description = _check_description(description)
        with write_transaction(self.engine) as conn:
            if run_id is not None:
                w.require_run(conn, run_id)
            art = w.lock_or_create_artifact(conn, name, type_, description)
            vid = w.store_version(conn, art, files, digest, values)
            for alias in wanted:
                w.move_alias(conn, art, alias, vid, user)
            if run_id is not None:
                w.record_usage(conn, run_id, vid, "output")
            return q.load_version(conn, vid)

    # -- reading ----------------------------------------------------------------------
    def get_artifact(self, name: str) -> ArtifactRecord:
        found = self._artifacts(artifacts.c.name == check_artifact_name(name))
        if not found:
            raise ArtifactNotFoundError(f"Artifact {name!r} does not exist", name=name)
        return found[0]

    def list_artifacts(self, type: str | None = None) -> list[ArtifactRecord]:
        """Every artifact (of ``type`` if given), sorted by name."""
        where: Any = artifacts.c.id.is_not(None)
        if type is not None:
            where = artifacts.c.type == check_artifact_type(type)
        return self._artifacts(where)

    def _artifacts(self, where: Any) -> list[ArtifactRecord]:
        av, aa = artifact_versions, artifact_aliases
        counts = (
            select(av.c.artifact_id, func.count().label("n"))
            .where(av.c.state == VersionState.READY.value)
            .group_by(av.c.artifact_id)
            .subquery()
        )
        latest = (
            select(aa.c.artifact_id, av.c.version)
            .join(av, av.c.id == aa.c.version_id)
            .where(aa.c.alias == LATEST)
            .subquery()
        )
        query = (
            select(artifacts, counts.c.n, latest.c.version)
            .outerjoin(counts, counts.c.artifact_id == artifacts.c.id)
            .outerjoin(latest, latest.c.artifact_id == artifacts.c.id)
            .where(where)
            .order_by(artifacts.c.name)
        )
        with read_connection(self.engine) as conn:
            rows = conn.execute(query).mappings().all()
        return [
            ArtifactRecord(
                id=int(r["id"]),
                name=r["name"],
                type=r["type"],
                description=r["description"],
                created_at=int(r["created_at"]),
                latest_version=None if r["version"] is None else int(r["version"]),
                version_count=int(r["n"] or 0),
            )
            for r in rows
        ]

    def list_versions(
        self, name: str, *, include_deleted: bool = True
    ) -> list[ArtifactVersionRecord]:
        """The versions of ``name``, newest first (DELETED ones too unless told not to)."""
        with read_connection(self.engine) as conn:
            art = q.artifact_row(conn, check_artifact_name(name))
            where = artifact_versions.c.artifact_id == art["id"]
            if not include_deleted:
                where = where & (artifact_versions.c.state == VersionState.READY.value)
            return q.load_versions(conn, where, order_desc=True)

    def get_version(
        self, name: str, ref: Ref = None, *, include_deleted: bool = False
    ) -> ArtifactVersionRecord:
        """A version by ``(name, "v3" | 3 | "latest" | alias)``, or by one reference
        string (``get_version("features:v3")``, ``artifacts:/features:candidate``).
        A DELETED version is ``ArtifactNotFoundError`` unless ``include_deleted``."""
        parsed = _parse(name, ref)
        with read_connection(self.engine) as conn:
            return self._resolve(conn, parsed, include_deleted=include_deleted)

    def resolve(self, ref: str | ArtifactRef) -> ArtifactVersionRecord:
        """The READY version a reference names."""
        with read_connection(self.engine) as conn:
            return self._resolve(conn, parse_ref(ref), include_deleted=False)

    @staticmethod
    def _resolve(
        conn: Any, ref: ArtifactRef, *, include_deleted: bool, lock: bool = False
    ) -> ArtifactVersionRecord:
        art = q.artifact_row(conn, ref.name, lock=lock)
        record = q.load_version(conn, q.find_version_id(conn, art, ref.version, ref.alias))
        if not include_deleted and not record.is_ready:
            raise ArtifactNotFoundError(
                f"Artifact version {record.ref} was deleted", name=ref.name, ref=ref.selector
            )
        return record

    def files(self, version_id: int) -> list[FileEntry]:
        """The manifest of a version, sorted by path (empty for a DELETED version)."""
        with read_connection(self.engine) as conn:
            q.load_version(conn, version_id)  # a clear error for an unknown id
            return q.load_files(conn, version_id)

    def diff(self, ref_a: str | ArtifactRef, ref_b: str | ArtifactRef) -> ManifestDiff:
        """What changed from version ``ref_a`` to version ``ref_b`` (any two versions,
        even of different artifacts)."""
        with read_connection(self.engine) as conn:
            a = self._resolve(conn, parse_ref(ref_a), include_deleted=False)
            b = self._resolve(conn, parse_ref(ref_b), include_deleted=False)
            return diff(q.load_files(conn, a.id), q.load_files(conn, b.id))

    # -- aliases ----------------------------------------------------------------------
    def set_alias(self, name: str, alias: str, ref: Ref, user: str = "") -> ArtifactVersionRecord:
        """Point ``alias`` at a READY version of ``name``, moving it from wherever it was.

        Setting ``latest`` by hand is allowed: it stays until the next new version."""
        alias = check_alias(alias)
        parsed = _parse(check_artifact_name(name), ref)
        user = _check_user(user)
        with write_transaction(self.engine) as conn:
            record = self._resolve(conn, parsed, include_deleted=True, lock=True)
            if not record.is_ready:
                raise InvalidInputError(
                    f"Artifact version {record.ref} is deleted; aliases can only point at "
                    "READY versions",
                    name=name,
                    ref=record.ref,
                )
            art = q.artifact_row(conn, parsed.name)
            w.move_alias(conn, art, alias, record.id, user)
            return q.load_version(conn, record.id)

    def remove_alias(self, name: str, alias: str, user: str = "") -> None:
        """Remove ``alias`` from ``name`` (recorded); ``ArtifactNotFoundError`` if unset."""
        alias = check_alias(alias)
        user = _check_user(user)
        with write_transaction(self.engine) as conn:
            art = q.artifact_row(conn, check_artifact_name(name), lock=True)
            if not w.drop_alias(conn, art, alias, user):
                raise ArtifactNotFoundError(
                    f"Artifact {name!r} has no alias {alias!r}", name=name, ref=alias
                )

    def alias_history(self, name: str) -> list[AliasEvent]:
        """Every alias set, move and removal of ``name``, oldest first."""
        ev = alias_events
        with read_connection(self.engine) as conn:
            art = q.artifact_row(conn, check_artifact_name(name))
            rows = conn.execute(
                select(ev).where(ev.c.artifact_id == art["id"]).order_by(ev.c.id)
            ).mappings()
            return [
                AliasEvent(
                    name=art["name"],
                    alias=r["alias"],
                    from_version=r["from_version"],
                    to_version=r["to_version"],
                    user=r["user"],
                    at=int(r["at"]),
                )
                for r in rows
            ]

    # -- lineage ----------------------------------------------------------------------
    def record_use(self, run_id: str, name: str, ref: Ref = None) -> ArtifactVersionRecord:
        """Record that run ``run_id`` consumed a READY version (an input edge); returns it.
        ``name`` may also be a whole reference (``"features:v3"``)."""
        _check_run_id(run_id)
        parsed = _parse(name, ref)
        with write_transaction(self.engine) as conn:
            w.require_run(conn, run_id)
            record = self._resolve(conn, parsed, include_deleted=False, lock=True)
            w.record_usage(conn, run_id, record.id, "input")
            return record

    def run_artifacts(self, run_id: str) -> dict[str, list[ArtifactVersionRecord]]:
        """The versions a run consumed (``input``) and produced (``output``)."""
        u = artifact_usage
        out: dict[str, list[ArtifactVersionRecord]] = {"input": [], "output": []}
        with read_connection(self.engine) as conn:
            for direction, found in out.items():
                ids = select(u.c.version_id).where(u.c.run_id == run_id, u.c.direction == direction)
                found.extend(q.load_versions(conn, artifact_versions.c.id.in_(ids)))
        return out

    def lineage(
        self, ref: str | ArtifactRef, direction: str = "both", depth: int | None = None
    ) -> LineageGraph:
        """Runs and versions around version ``ref``: ``upstream`` (what it was made
        from), ``downstream`` (what was made from it) or ``both``, ``depth`` generations
        each way (None: to the roots and leaves, up to the hard caps; the graph's
        ``truncated`` says when lineage goes on beyond it). Deleted runs and versions
        stay in the graph, marked DELETED."""
        walk_direction = lineage_.check_walk(direction, depth)
        with read_connection(self.engine) as conn:
            start = self._resolve(conn, parse_ref(ref), include_deleted=True)
            found = lineage_.walk(conn, start.id, walk_direction, depth)
            return lineage_.build_graph(conn, start.id, found)

    # -- deleting and garbage collection ------------------------------------------------
    def delete_version(
        self, name: str, ref: Ref, *, force: bool = False, user: str = ""
    ) -> ArtifactVersionRecord:
        """Mark a version DELETED: its files and aliases go, its lineage stays.

        Refused with ``ArtifactInUseError`` when runs consumed it, unless ``force``."""
        parsed = _parse(check_artifact_name(name), ref)
        user = _check_user(user)
        with write_transaction(self.engine) as conn:
            record = self._resolve(conn, parsed, include_deleted=False, lock=True)
            if not force:
                _refuse_if_consumed(conn, record)
            art = q.artifact_row(conn, parsed.name)
            w.mark_deleted(conn, art, record.id, user)
            return q.load_version(conn, record.id)

    def lease_blobs(self, digests: Iterable[str]) -> None:
        """Keep ``digests`` out of garbage collection for its grace period from now:
        taken before an upload relies on blobs being (or staying) stored."""
        gc_.lease_blobs(self.engine, digests)

    def referenced_digests(self) -> set[str]:
        """Every blob digest a file of a READY version references."""
        return gc_.referenced(self.engine)

    def gc(
        self,
        blob_store: gc_.GcBlobStore,
        grace_s: float = gc_.DEFAULT_GRACE_S,
        *,
        keep: Iterable[str] = (),
        dry_run: bool = False,
        stale_upload_s: float = gc_.STALE_UPLOAD_S,
    ) -> GcReport:
        """Delete blobs no manifest references that are older than ``grace_s`` (so a
        blob uploaded for a manifest not committed yet survives), and temp uploads
        abandoned for ``stale_upload_s``. Safe while writers are active; see
        ``shipyard.artifacts.gc``."""
        return gc_.collect_garbage(
            self.engine,
            blob_store,
            grace_s=grace_s,
            keep=keep,
            dry_run=dry_run,
            stale_upload_s=stale_upload_s,
        )


def _refuse_if_consumed(conn: Any, record: ArtifactVersionRecord) -> None:
    u = artifact_usage
    where = (u.c.version_id == record.id) & (u.c.direction == "input")
    count = int(conn.execute(select(func.count()).select_from(u).where(where)).scalar() or 0)
    if not count:
        return
    listed = (
        conn.execute(select(u.c.run_id).where(where).order_by(u.c.run_id).limit(_LISTED_CONSUMERS))
        .scalars()
        .all()
    )
    more = f" and {count - len(listed)} more" if count > len(listed) else ""
    raise ArtifactInUseError(
        f"Artifact version {record.ref} was used by {count} run(s) ({', '.join(listed)}{more}); "
        "pass force=True to delete it anyway (its lineage is kept)",
        name=record.name,
        ref=record.ref,
        runs=list(listed),
    )


def _parse(name: str, ref: Ref) -> ArtifactRef:
    """``(name, ref)`` → a reference; with ``ref`` None, ``name`` may be a whole one."""
    if ref is None:
        return parse_ref(name)
    version, alias = parse_version_selector(ref)
    return ArtifactRef(check_artifact_name(name), version, alias)


def _check_run_id(run_id: str | None) -> str | None:
    if run_id is not None and not (isinstance(run_id, str) and is_run_id(run_id)):
        raise InvalidInputError(f"Run id {run_id!r:.80} is not 32 lowercase hex digits")
    return run_id


def _check_user(user: str) -> str:
    if not isinstance(user, str) or len(user) > MAX_USER_CHARS or "\x00" in user:
        raise InvalidInputError(f"User {user!r:.80} must be a string of at most 256 characters")
    return user


def _check_description(description: str | None) -> str | None:
    if description is not None and (
        not isinstance(description, str) or len(description) > MAX_DESCRIPTION_CHARS
    ):
        raise InvalidInputError(
            f"Artifact description must be a string of at most {MAX_DESCRIPTION_CHARS} characters"
        )
    return description


def _metadata_json(metadata: Mapping[str, Any] | None) -> str:
    if metadata is None:
        return "{}"
    if not isinstance(metadata, Mapping):
        raise InvalidInputError(
            f"Artifact metadata must be a mapping, got {type(metadata).__name__}"
        )
    try:
        text = json.dumps(dict(metadata), allow_nan=True, default=_json_default, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"Artifact metadata is not JSON-serialisable: {exc}") from exc
    if len(text) > MAX_METADATA_CHARS:
        raise InvalidInputError(
            f"Artifact metadata is {len(text)} characters of JSON; the limit is "
            f"{MAX_METADATA_CHARS}"
        )
    return text


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return value.tolist()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"{type(value).__name__} {value!r:.60}")
