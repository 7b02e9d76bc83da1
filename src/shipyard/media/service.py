"""The media service: record items whose blobs are stored, list and find them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import Engine, and_, delete, func, select

from shipyard.core.errors import InvalidInputError, MediaNotFoundError, RunNotFoundError
from shipyard.core.timeutil import now_ms
from shipyard.media.base import KINDS, PART_MIMES, allowed_mime
from shipyard.media.records import MediaKeySummary, MediaRecord, MediaSpec
from shipyard.store.blobs import validate_digest
from shipyard.store.db import read_connection, write_transaction
from shipyard.store.schema import runs
from shipyard.store.schema_media import media_items

MAX_ITEMS_PER_CALL = 1_000
MAX_META_BYTES = 1_000_000
MAX_KEY = 250
MAX_LIST = 10_000


class BlobExists(Protocol):
    """What the service needs of a blob store: whether a digest is stored."""

    def exists(self, digest: str) -> bool: ...


def check_media_key(key: Any) -> str:
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY or "\x00" in key:
        raise InvalidInputError(f"Media key must be 1 to {MAX_KEY} characters without NUL")
    return key


def _check_spec(spec: MediaSpec) -> str:
    check_media_key(spec.key)
    if spec.kind not in KINDS:
        raise InvalidInputError(f"Unknown media kind {spec.kind!r}; use one of {', '.join(KINDS)}")
    if not allowed_mime(spec.kind, spec.mime):
        raise InvalidInputError(f"Media kind {spec.kind!r} cannot be stored as {spec.mime!r}")
    if not (isinstance(spec.step, int) and isinstance(spec.index, int)) or spec.index < 0:
        raise InvalidInputError("Media step and index must be integers (index >= 0)")
    validate_digest(spec.digest)
    parts = spec.meta.get("parts") or {}
    if not isinstance(parts, dict):
        raise InvalidInputError("Media meta 'parts' must be an object")
    for name, part in parts.items():
        if not isinstance(part, dict) or part.get("mime") not in PART_MIMES:
            raise InvalidInputError(f"Media part {name!r} must be an image/png with a digest")
        validate_digest(str(part.get("digest", "")))
    meta = json.dumps(spec.meta, allow_nan=False, default=str)
    if len(meta) > MAX_META_BYTES:
        raise InvalidInputError(f"Media metadata is larger than {MAX_META_BYTES} bytes")
    return meta


class MediaService:
    """Media items of runs over one metadata database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(
        self, run_id: str, specs: Sequence[MediaSpec], blobs: BlobExists
    ) -> list[MediaRecord]:
        """Store items atomically; an item at an existing (key, step, index) replaces it."""
        if not 1 <= len(specs) <= MAX_ITEMS_PER_CALL:
            raise InvalidInputError(f"Record 1 to {MAX_ITEMS_PER_CALL} media items per call")
        metas = [_check_spec(s) for s in specs]
        for spec in specs:
            for digest in (spec.digest, *spec.part_digests()):
                if not blobs.exists(digest):
                    raise InvalidInputError(
                        f"Blob {digest} of media {spec.key!r} is not stored; upload it first"
                    )
        created = now_ms()
        with write_transaction(self.engine) as conn:
            self._require_run(conn, run_id)
            ids = []
            for spec, meta in zip(specs, metas, strict=True):
                t = media_items.c
                conn.execute(
                    delete(media_items).where(
                        t.run_id == run_id,
                        t.key == spec.key,
                        t.step == spec.step,
                        t.idx == spec.index,
                    )
                )
                row = {
                    "run_id": run_id, "key": spec.key, "step": spec.step, "idx": spec.index,
                    "kind": spec.kind, "digest": spec.digest, "mime": spec.mime,
                    "size": spec.size, "meta": meta, "created_at": created,
                }  # fmt: skip
                pk = conn.execute(media_items.insert().values(row)).inserted_primary_key
                assert pk is not None
                ids.append(int(pk[0]))
        return [self.get(i) for i in ids]

    def find(
        self,
        run_id: str,
        key: str | None = None,
        kind: str | None = None,
        step: int | None = None,
        limit: int = MAX_LIST,
    ) -> list[MediaRecord]:
        """Items of a run ordered by key, step and index, optionally narrowed."""
        t = media_items.c
        where = [t.run_id == run_id]
        if key is not None:
            where.append(t.key == key)
        if kind is not None:
            where.append(t.kind == kind)
        if step is not None:
            where.append(t.step == step)
        query = select(media_items).where(and_(*where)).order_by(t.key, t.step, t.idx)
        with read_connection(self.engine) as conn:
            self._require_run(conn, run_id)
            rows = conn.execute(query.limit(max(1, min(limit, MAX_LIST)))).mappings().all()
        return [_record(r) for r in rows]

    def keys(self, run_id: str) -> list[MediaKeySummary]:
        """Each media key of a run with its kind, count and steps."""
        t = media_items.c
        query = select(t.key, t.kind, t.step, func.count()).where(t.run_id == run_id)
        query = query.group_by(t.key, t.kind, t.step).order_by(t.key, t.step)
        with read_connection(self.engine) as conn:
            self._require_run(conn, run_id)
            rows = conn.execute(query).all()
        out: dict[str, MediaKeySummary] = {}
        for key, kind, step, count in rows:
            item = out.setdefault(key, MediaKeySummary(key, kind, 0, []))
            item.steps.append(int(step))
            out[key] = MediaKeySummary(key, item.kind, item.count + int(count), item.steps)
        return list(out.values())

    def get(self, media_id: int) -> MediaRecord:
        with read_connection(self.engine) as conn:
            row = (
                conn.execute(select(media_items).where(media_items.c.id == media_id))
                .mappings()
                .first()
            )
        if row is None:
            raise MediaNotFoundError(f"Media item {media_id} does not exist")
        return _record(row)

    def referenced_digests(self) -> set[str]:
        """Every blob a media item points at (kept by garbage collection)."""
        with read_connection(self.engine) as conn:
            rows = conn.execute(select(media_items.c.digest, media_items.c.meta)).all()
        found: set[str] = set()
        for digest, meta in rows:
            found.add(digest)
            if '"parts"' in meta:
                found.update(p["digest"] for p in json.loads(meta)["parts"].values())
        return found

    @staticmethod
    def _require_run(conn: Any, run_id: str) -> None:
        if conn.execute(select(runs.c.id).where(runs.c.id == run_id)).first() is None:
            raise RunNotFoundError(f"Run {run_id!r} does not exist")


def _record(row: Any) -> MediaRecord:
    return MediaRecord(
        id=int(row["id"]), run_id=row["run_id"], key=row["key"], step=int(row["step"]),
        index=int(row["idx"]), kind=row["kind"], digest=row["digest"], mime=row["mime"],
        size=int(row["size"]), meta=json.loads(row["meta"]), created_at=int(row["created_at"]),
    )  # fmt: skip
