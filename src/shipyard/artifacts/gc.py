"""Garbage collection of the blob store: delete blobs no manifest references.

Safe while writers are active. A writer uploads blobs first (each blob is fresh: its
mtime is the upload time, and re-using an existing blob touches it) and commits the
manifest last, in one transaction. GC therefore

1. lists the store first, so blobs published after the listing are never candidates;
2. keeps every blob younger than the grace period (uploads whose manifest is not
   committed yet, however slow the rest of the upload is, up to ``grace_s``);
3. checks each batch of old candidates against the committed manifests in a fresh
   transaction immediately before deleting that batch.

Uploads still in ``tmp/`` are not blobs yet; abandoned ones older than
``stale_upload_s`` are removed too.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from sqlalchemy import Engine, select

from shipyard.artifacts.queries import chunked
from shipyard.artifacts.records import GcReport, VersionState
from shipyard.core.errors import InvalidInputError, ShipyardError
from shipyard.store.db import read_connection
from shipyard.store.schema import artifact_files, artifact_versions

__all__ = ["DEFAULT_GRACE_S", "STALE_UPLOAD_S", "GcBlobStore", "collect_garbage", "referenced"]

DEFAULT_GRACE_S = 3600.0
STALE_UPLOAD_S = 24 * 3600.0


class GcBlobStore(Protocol):
    """What GC needs of a blob store (``shipyard.store.blobs.BlobStore`` fits)."""

    def iter_blobs(self) -> Iterator[tuple[str, int, float]]: ...

    def delete(self, digest: str) -> bool: ...


def referenced(engine: Engine, among: Iterable[str] | None = None) -> set[str]:
    """Digests that files of READY versions reference (only those in ``among`` if given)."""
    af, av = artifact_files, artifact_versions
    base = (
        select(af.c.digest)
        .distinct()
        .join(av, av.c.id == af.c.version_id)
        .where(af.c.digest.is_not(None), av.c.state == VersionState.READY.value)
    )
    with read_connection(engine) as conn:
        if among is None:
            return {str(d) for d in conn.execute(base).scalars()}
        found: set[str] = set()
        for digests in chunked(among):
            found.update(
                str(d) for d in conn.execute(base.where(af.c.digest.in_(digests))).scalars()
            )
        return found


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
    for batch in chunked(sorted(old)):
        still_used = referenced(engine, batch) | keep_set.intersection(batch)
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
