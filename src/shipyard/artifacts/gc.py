"""Garbage collection of the blob store: delete blobs no manifest references.

Safe while writers are active. A writer uploads blobs first (each blob is fresh: its
mtime is the upload time, and re-using an existing blob touches it) and commits the
manifest last, in one transaction. GC therefore

1. lists the store first, so blobs published after the listing are never candidates;
2. keeps every blob younger than the grace period (uploads whose manifest is not
   committed yet, however slow the rest of the upload is, up to ``grace_s``);
3. checks each batch of old candidates against the committed manifests in a fresh
   transaction immediately before deleting that batch.

Mtimes alone are not enough on S3, where re-using a blob cannot refresh it: a client
that finds a blob already stored would rely on it while GC deletes it. So every writer
first takes a *lease* on the digests it is about to upload or reference (``lease_blobs``,
called by ``missing_blobs`` in both backends; a freshly uploaded blob has a fresh mtime
anyway), and GC keeps every digest leased within the grace period, as it keeps every
blob whose mtime is. Taking a lease and GC's check-then-delete of a batch are serialised
(SQLite write transactions; on PostgreSQL GC locks ``blob_leases`` against inserts), so
a digest is either leased before GC looks at it, or GC has already deleted it and the
writer sees it missing and uploads it again. GC drops leases older than its grace
period.

Uploads still in ``tmp/`` are not blobs yet; abandoned ones older than
``stale_upload_s`` are removed too.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, delete, select, text
from sqlalchemy.dialects import postgresql, sqlite

from shipyard.artifacts.queries import chunked
from shipyard.artifacts.records import GcReport, VersionState
from shipyard.core.errors import InvalidInputError, ShipyardError
from shipyard.core.timeutil import now_ms
from shipyard.store.blobs import validate_digest
from shipyard.store.db import read_connection, write_transaction
from shipyard.store.schema import artifact_files, artifact_versions, blob_leases

__all__ = [
    "DEFAULT_GRACE_S",
    "STALE_UPLOAD_S",
    "GcBlobStore",
    "collect_garbage",
    "lease_blobs",
    "leased",
    "referenced",
]

DEFAULT_GRACE_S = 3600.0
STALE_UPLOAD_S = 24 * 3600.0
# Blobs checked and deleted per write transaction: small, because on SQLite the write
# lock (which also holds back run logging) is kept while the batch's blobs are deleted.
DELETE_BATCH = 100


class GcBlobStore(Protocol):
    """What GC needs of a blob store (``shipyard.store.blobs.BlobStore`` fits)."""

    def iter_blobs(self) -> Iterator[tuple[str, int, float]]: ...

    def delete(self, digest: str) -> bool: ...


def lease_blobs(engine: Engine, digests: Iterable[str]) -> None:
    """Keep ``digests`` out of garbage collection for the grace period from now: call
    before relying on a blob being (or staying) stored."""
    unique = sorted({validate_digest(d) for d in digests})
    if not unique:
        return
    now = now_ms()
    with write_transaction(engine) as conn:
        for batch in chunked(unique):
            rows = [{"digest": d, "leased_at": now} for d in batch]
            if conn.dialect.name == "postgresql":
                stmt: Any = postgresql.insert(blob_leases)
            else:
                stmt = sqlite.insert(blob_leases)
            stmt = stmt.on_conflict_do_update(
                index_elements=["digest"], set_={"leased_at": stmt.excluded.leased_at}
            )
            conn.execute(stmt, rows)


def leased(conn: Connection, among: Iterable[str], since_ms: int) -> set[str]:
    """Digests among ``among`` leased at or after ``since_ms``."""
    bl = blob_leases
    found: set[str] = set()
    for digests in chunked(among):
        query = select(bl.c.digest).where(bl.c.digest.in_(digests), bl.c.leased_at >= since_ms)
        found.update(str(d) for d in conn.execute(query).scalars())
    return found


def _referenced_query() -> Any:
    af, av = artifact_files, artifact_versions
    return (
        select(af.c.digest)
        .distinct()
        .join(av, av.c.id == af.c.version_id)
        .where(af.c.digest.is_not(None), av.c.state == VersionState.READY.value)
    )


def _referenced_among(conn: Connection, among: Iterable[str]) -> set[str]:
    base = _referenced_query()
    found: set[str] = set()
    for digests in chunked(among):
        found.update(
            str(d) for d in conn.execute(base.where(artifact_files.c.digest.in_(digests))).scalars()
        )
    return found


def referenced(engine: Engine, among: Iterable[str] | None = None) -> set[str]:
    """Digests that files of READY versions reference (only those in ``among`` if given)."""
    with read_connection(engine) as conn:
        if among is None:
            return {str(d) for d in conn.execute(_referenced_query()).scalars()}
        return _referenced_among(conn, among)


def collect_garbage(
    engine: Engine,
    blobs: GcBlobStore,
    *,
    grace_s: float = DEFAULT_GRACE_S,
    keep: Iterable[str] = (),
    dry_run: bool = False,
    stale_upload_s: float = STALE_UPLOAD_S,
) -> GcReport:
    """Delete blobs older than ``grace_s`` that no manifest references and that are not
    in ``keep`` (digests other subsystems hold on to)."""
    for label, value in (("grace_s", grace_s), ("stale_upload_s", stale_upload_s)):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not (math.isfinite(value) and value >= 0)
        ):
            raise InvalidInputError(f"{label} must be a non-negative number of seconds")
    started = time.monotonic()
    cutoff = time.time() - grace_s
    listing = list(blobs.iter_blobs())
    old = {digest: size for digest, size, mtime in listing if mtime < cutoff}
    keep_set = set(keep)
    kept = 0
    deleted: list[str] = []
    failed: list[str] = []
    freed = 0
    for batch in chunked(sorted(old), DELETE_BATCH):
        with write_transaction(engine) as conn:  # no lease can be taken meanwhile
            if conn.dialect.name == "postgresql":
                conn.execute(text("LOCK TABLE blob_leases IN SHARE ROW EXCLUSIVE MODE"))
            still_used = (
                _referenced_among(conn, batch)
                | leased(conn, batch, int(cutoff * 1000))
                | keep_set.intersection(batch)
            )
            kept += len(still_used)
            for digest in batch:
                if digest in still_used:
                    continue
                try:
                    if dry_run or blobs.delete(digest):
                        deleted.append(digest)
                        freed += old[digest]
                except ShipyardError as exc:
                    failed.append(f"{digest}: {exc.message}")
    if not dry_run:
        with write_transaction(engine) as conn:
            conn.execute(delete(blob_leases).where(blob_leases.c.leased_at < int(cutoff * 1000)))
    stale = _stale_uploads(blobs, stale_upload_s, dry_run)
    return GcReport(
        scanned=len(listing),
        kept_referenced=kept,
        kept_recent=len(listing) - len(old),
        deleted=tuple(deleted),
        bytes_freed=freed,
        stale_uploads=stale,
        dry_run=dry_run,
        seconds=round(time.monotonic() - started, 3),
        failed=tuple(failed),
    )


def _stale_uploads(blobs: Any, older_than_s: float, dry_run: bool) -> tuple[str, ...]:
    """Abandoned temp uploads, removed unless ``dry_run`` (skipped for stores that do not
    keep a temp area)."""
    method = getattr(blobs, "stale_uploads" if dry_run else "remove_stale_uploads", None)
    if not callable(method):
        return ()
    return tuple(str(item) for item in method(older_than_s))
